import HTTPTypes

/// `{"token", "code"}`: the second step of signing in: the token that the password's
/// answer gave, and a code of the user's authenticator or one of their recovery codes.
struct CodeSignIn: Decodable {
    var token: String
    var code: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case token, code
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        token = try container.decodeShortText(forKey: .token)
        code = try container.decodeShortText(forKey: .code)
    }
}

/// `{"code"}`: the first code of the authenticator being set up.
struct TOTPConfirmation: Decodable {
    var code: String

    enum CodingKeys: String, CodingKey, CaseIterable {
        case code
    }

    init(from decoder: any Decoder) throws {
        code = try decoder.container(keyedBy: CodingKeys.self).decodeShortText(forKey: .code)
    }
}

/// `{"password"}` or `{"code"}` (an authenticator's or a recovery code): what turning
/// two-factor sign-in off takes.
struct TOTPRemoval: Decodable {
    enum Proof {
        case password(String)
        case code(String)
    }

    var proof: Proof

    enum CodingKeys: String, CodingKey, CaseIterable {
        case password, code
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let password = try container.decodeIfPresent(String.self, forKey: .password)
        let code = try container.decodeShortTextIfPresent(forKey: .code)
        switch (password, code) {
        case (let password?, nil): proof = .password(password)
        case (nil, let code?): proof = .code(code)
        default: throw APIError(.badRequest, "send either password or code", detail: "your password, or a code of your authenticator")
        }
    }
}

extension KeyedDecodingContainer {
    /// A token or code: at most 100 bytes, so that no longer text is hashed or looked up.
    fileprivate func decodeShortText(forKey key: Key) throws -> String {
        guard let text = try decodeShortTextIfPresent(forKey: key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "required"))
        }
        return text
    }

    fileprivate func decodeShortTextIfPresent(forKey key: Key) throws -> String? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard text.utf8.count <= 100 else {
            throw APIError(.badRequest, "\(key.stringValue) is too long", detail: "send at most 100 bytes")
        }
        return text
    }
}

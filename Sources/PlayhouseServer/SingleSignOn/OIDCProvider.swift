import Crypto
import Foundation
import JWTKit
import PlayhouseCore
import PlayhouseStore

/// One configured OpenID Connect provider at work: its discovery document and signing keys
/// (fetched when first needed, and again when they may have changed), the authorization
/// request, the code exchange, and the checks an ID token must pass.
actor OIDCProvider {
    let settings: OIDCProviderSettings

    /// The discovery document is fetched again after this long.
    static let metadataLifetime: Duration = .seconds(3600)
    /// A token signed with a key Playhouse has not seen makes it fetch the keys again (a
    /// rotation at the provider); for the same unknown key, at most this often.
    static let keysRefetchInterval: Duration = .seconds(5)

    private var metadata: (document: ProviderMetadata, fetched: ContinuousClock.Instant)?
    private var keys: (collection: JWTKeyCollection, kids: Set<String>)?
    /// A key id the provider's keys lacked even when fetched again, and when.
    private var missing: (kid: String, checked: ContinuousClock.Instant)?

    init(settings: OIDCProviderSettings) {
        self.settings = settings
    }

    /// The address that sends the browser to the provider to sign in, for `attempt`: the
    /// authorization code flow with PKCE (S256), `state` and `nonce`.
    func authorizationURL(for attempt: SingleSignOnAttempt, redirectURI: String) async throws(SignOnFailure) -> String {
        let document = try await discovery()
        let challenge = Data(SHA256.hash(data: Data(attempt.verifier.utf8))).base64URL
        let query: [(String, String)] = [
            ("response_type", "code"), ("client_id", settings.clientID), ("redirect_uri", redirectURI),
            ("scope", settings.scopes.joined(separator: " ")), ("state", attempt.state), ("nonce", attempt.nonce),
            ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ]
        let separator = document.authorizationEndpoint.contains("?") ? "&" : "?"
        return document.authorizationEndpoint + separator
            + query.map { ProviderHTTP.formEncode($0.0) + "=" + ProviderHTTP.formEncode($0.1) }.joined(separator: "&")
    }

    /// Exchanges the code the provider sent back for tokens, and checks the ID token:
    /// signature (with the provider's published keys), issuer, audience, expiry and nonce.
    /// The name and groups come from the ID token, or from the userinfo endpoint when the
    /// token does not carry them.
    func signIn(code: String, attempt: SingleSignOnAttempt, redirectURI: String) async throws(SignOnFailure) -> SignedOnAccount {
        let document = try await discovery()
        var fields = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("code_verifier", attempt.verifier),
        ]
        // client_secret_basic unless the provider says it takes only client_secret_post.
        let methods = document.tokenEndpointAuthMethodsSupported ?? ["client_secret_basic"]
        let basic = methods.contains("client_secret_basic") || !methods.contains("client_secret_post")
        if !basic { fields += [("client_id", settings.clientID), ("client_secret", settings.clientSecret)] }
        let tokens = try await ProviderHTTP.postForm(
            document.tokenEndpoint, fields: fields, basic: basic ? (settings.clientID, settings.clientSecret) : nil,
            as: ProviderTokens.self)
        guard let idToken = tokens.idToken else {
            throw SignOnFailure(.providerRefused, "\(settings.label) sent no ID token: is the scope openid allowed for this client?")
        }
        let claims = try await verify(idToken, nonce: attempt.nonce)
        var all = claims.all
        if all[settings.usernameClaim] == nil || all[settings.groupsClaim] == nil, let userinfo = document.userinfoEndpoint,
            let accessToken = tokens.accessToken
        {
            let info = try await ProviderHTTP.get(userinfo, as: [String: JSONValue].self, bearer: accessToken)
            guard info["sub"] == JSONValue.string(claims.subject.value) else {
                throw SignOnFailure(.untrusted, "\(settings.label)'s userinfo answer is about another account than the ID token")
            }
            all.merge(info) { token, _ in token }
        }
        guard let name = all[settings.usernameClaim]?.stringValue, !name.isEmpty else {
            throw SignOnFailure(
                .providerRefused,
                "\(settings.label) sent no \(settings.usernameClaim) claim to name the user by: "
                    + "ask an admin to set username_claim, or the provider to send it")
        }
        return SignedOnAccount(
            issuer: claims.issuer.value, subject: claims.subject.value, name: name, groups: Self.groups(all[settings.groupsClaim]),
            idToken: idToken)
    }

    /// Where to send the browser so the provider ends its session too, then back to
    /// `postLogoutRedirectURI`; nil when the provider offers no such endpoint.
    func endSessionURL(idToken: String?, postLogoutRedirectURI: String) async -> String? {
        guard let endpoint = try? await discovery().endSessionEndpoint else { return nil }
        var query = [("client_id", settings.clientID), ("post_logout_redirect_uri", postLogoutRedirectURI)]
        if let idToken { query.append(("id_token_hint", idToken)) }
        return endpoint + (endpoint.contains("?") ? "&" : "?")
            + query.map { ProviderHTTP.formEncode($0.0) + "=" + ProviderHTTP.formEncode($0.1) }.joined(separator: "&")
    }

    /// The checks of an ID token, each failure said plainly.
    func verify(_ idToken: String, nonce: String) async throws(SignOnFailure) -> IDTokenClaims {
        let header = try Self.header(of: idToken)
        guard let alg = header.alg, !alg.hasPrefix("HS"), alg != "none" else {
            throw SignOnFailure(.untrusted, "the ID token is not signed with a key pair (alg \(header.alg ?? "missing"))")
        }
        let collection = try await signingKeys(for: header.kid)
        let claims: IDTokenClaims
        do {
            claims = try await collection.verify(idToken, as: IDTokenClaims.self, expectedAudience: settings.clientID)
        } catch let error as JWTError {
            throw SignOnFailure(.untrusted, Self.explain(error, label: settings.label))
        } catch {
            throw SignOnFailure(.untrusted, "the ID token could not be read: \(error)")
        }
        guard claims.issuer.value == settings.issuer else {
            throw SignOnFailure(.untrusted, "the ID token was issued by \(claims.issuer.value.prefix(200)), not \(settings.issuer)")
        }
        if let party = claims.authorizedParty, party != settings.clientID {
            throw SignOnFailure(.untrusted, "the ID token was issued to another client (azp \(party.prefix(200)))")
        }
        guard let sent = claims.nonce, sent == nonce else {
            throw SignOnFailure(.untrusted, "the ID token does not carry this sign-in's nonce: it was issued for another sign-in")
        }
        return claims
    }

    // MARK: Discovery and keys

    private func discovery() async throws(SignOnFailure) -> ProviderMetadata {
        if let metadata, metadata.fetched.duration(to: .now) < Self.metadataLifetime { return metadata.document }
        let address =
            (settings.issuer.hasSuffix("/") ? String(settings.issuer.dropLast()) : settings.issuer)
            + "/.well-known/openid-configuration"
        let document = try await ProviderHTTP.get(address, as: ProviderMetadata.self)
        // OpenID Connect Discovery §4.3: the document must be the issuer's own.
        guard document.issuer == settings.issuer else {
            throw SignOnFailure(
                .providerRefused,
                "\(address) describes issuer \(document.issuer.prefix(200)), not \(settings.issuer): check the issuer in the configuration")
        }
        metadata = (document, .now)
        return document
    }

    /// The provider's keys, fetched again when the token names a key they lack.
    private func signingKeys(for kid: String?) async throws(SignOnFailure) -> JWTKeyCollection {
        if let keys, kid.map(keys.kids.contains) ?? true { return keys.collection }
        // Tokens naming a key that does not exist cannot make Playhouse fetch the keys at every request.
        if let keys, let missing, missing.kid == kid, missing.checked.duration(to: .now) < Self.keysRefetchInterval {
            return keys.collection
        }
        let document = try await discovery()
        let published = try await ProviderHTTP.get(document.jwksURI, as: PublishedKeys.self)
        let collection = JWTKeyCollection()
        var kids: Set<String> = []
        for key in published.keys where key.use != "enc" {
            // Keys of kinds jwt-kit does not verify with (encryption keys, symmetric ones) are passed over.
            guard let jwk = try? JSONDecoder().decode(JWK.self, from: JSONEncoder().encode(key.fields)),
                (try? await collection.add(jwk: jwk)) != nil
            else { continue }
            if let id = jwk.keyIdentifier?.string { kids.insert(id) }
        }
        keys = (collection, kids)
        if let kid, !kids.contains(kid) { missing = (kid, .now) }
        return collection
    }

    private static func header(of token: String) throws(SignOnFailure) -> TokenHeader {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Data(base64URL: String(parts[0])),
            let header = try? JSONDecoder().decode(TokenHeader.self, from: bytes)
        else { throw SignOnFailure(.untrusted, "the ID token is not a signed JWT") }
        return header
    }

    private static func explain(_ error: JWTError, label: String) -> String {
        switch error.errorType {
        case .signatureVerificationFailed:
            return "the ID token's signature does not verify with \(label)'s keys: it was altered, or not made by \(label)"
        case .claimVerificationFailure:
            switch error.failedClaim {
            case is ExpirationClaim: return "the ID token has expired: sign in again"
            case is AudienceClaim: return "the ID token was issued for another client, not this Playhouse"
            case is IssuedAtClaim: return "the ID token says it was issued in the future: check the clocks"
            default: return "the ID token's claims do not hold: \(error.reason ?? "\(error)")"
            }
        case .unknownKID, .noKeyProvided:
            return "the ID token is signed with a key \(label) does not publish"
        default:
            return "the ID token could not be verified: \(error.reason ?? "\(error)")"
        }
    }

    private static func groups(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let group): [group]
        case .array(let groups): groups.compactMap(\.stringValue)
        default: []
        }
    }
}

/// The account a provider signed in, once its ID token passed every check.
struct SignedOnAccount: Sendable {
    var issuer: String
    var subject: String
    /// The value of the configured name claim.
    var name: String
    var groups: [String]
    var idToken: String
}

/// What Playhouse reads of a provider's discovery document.
struct ProviderMetadata: Decodable, Sendable {
    var issuer: String
    var authorizationEndpoint: String
    var tokenEndpoint: String
    var jwksURI: String
    var userinfoEndpoint: String?
    var endSessionEndpoint: String?
    var tokenEndpointAuthMethodsSupported: [String]?

    enum CodingKeys: String, CodingKey {
        case issuer
        case authorizationEndpoint = "authorization_endpoint"
        case tokenEndpoint = "token_endpoint"
        case jwksURI = "jwks_uri"
        case userinfoEndpoint = "userinfo_endpoint"
        case endSessionEndpoint = "end_session_endpoint"
        case tokenEndpointAuthMethodsSupported = "token_endpoint_auth_methods_supported"
    }
}

private struct ProviderTokens: Decodable {
    var idToken: String?
    var accessToken: String?

    enum CodingKeys: String, CodingKey {
        case idToken = "id_token"
        case accessToken = "access_token"
    }
}

private struct TokenHeader: Decodable {
    var alg: String?
    var kid: String?
}

/// A JWKS as published: each key kept whole, for jwt-kit to read the ones it can.
private struct PublishedKeys: Decodable {
    struct Key: Decodable {
        var fields: [String: JSONValue]
        var use: String? { fields["use"]?.stringValue }

        init(from decoder: any Decoder) throws {
            fields = try [String: JSONValue](from: decoder)
        }
    }

    var keys: [Key]
}

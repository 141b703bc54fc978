import Crypto
import Foundation
import HTTPTypes
import NIOCore
import PlayhouseCore

/// The two dialects forges post pushes in, and how each proves a delivery is theirs.
///
/// - `github` (GitHub, Gitea, Forgejo): `X-Hub-Signature-256: sha256=HEX`, the HMAC-SHA256
///   of the raw body under the hook's secret; the event in `X-GitHub-Event` (`X-Gitea-Event`,
///   `X-Forgejo-Event`).
/// - `gitlab`: `X-Gitlab-Token` holds the secret itself; the event in `X-Gitlab-Event`.
///
/// Both are compared in constant time, so the answer's timing tells nothing of the secret.
enum Forge: String, Sendable {
    case github, gitlab

    static let hubSignature = HTTPField.Name("X-Hub-Signature-256")!
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token")!

    /// Where the forge names the event, first the one it sends most often.
    var eventFields: [HTTPField.Name] {
        switch self {
        case .github: ["X-GitHub-Event", "X-Gitea-Event", "X-Forgejo-Event", "X-Gogs-Event"].compactMap { HTTPField.Name($0) }
        case .gitlab: [HTTPField.Name("X-Gitlab-Event")!]
        }
    }

    /// The event headers, for messages.
    var eventHeaders: String { eventFields.map(\.rawName).joined(separator: " or ") }

    /// What the 401 tells the forge's admin to check.
    var howToSign: String {
        switch self {
        case .github:
            "the forge signs each delivery with the hook's secret in X-Hub-Signature-256 (sha256=…): "
                + "set the webhook's secret to the one Playhouse showed"
        case .gitlab: "GitLab sends the hook's secret in X-Gitlab-Token: set the webhook's secret token to the one Playhouse showed"
        }
    }

    /// Whether the delivery carries proof of `secret`: the body's signature, or the secret.
    func verifies(_ headers: HTTPFields, body: ByteBuffer, secret: Data) -> Bool {
        switch self {
        case .github:
            guard let header = headers[Self.hubSignature], header.hasPrefix("sha256="),
                let signature = Self.bytes(hex: header.dropFirst("sha256=".count)), signature.count == SHA256.byteCount
            else { return false }
            return HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: Data(body.readableBytesView), using: SymmetricKey(data: secret))
        case .gitlab:
            guard let token = headers[Self.gitlabToken] else { return false }
            // Hashes first: equal lengths, so the comparison takes as long whatever was sent.
            return Self.equalInConstantTime(Array(SHA256.hash(data: Data(token.utf8))), Array(SHA256.hash(data: secret)))
        }
    }

    /// The event the delivery names, or nil.
    func event(in headers: HTTPFields) -> String? {
        eventFields.lazy.compactMap { headers[$0] }.first { !$0.isEmpty }
    }

    /// Whether `event` is a push of a branch or a tag.
    func isPush(event: String, body: JSONValue) -> Bool {
        switch self {
        case .github: event == "push"
        case .gitlab:
            event == "Push Hook" || event == "Tag Push Hook"
                || (event == "System Hook" && ["push", "tag_push"].contains(body["event_name"]?.stringValue ?? ""))
        }
    }

    static func equalInConstantTime(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }

    /// The bytes of lower- or upper-case hex digits; nil for anything else.
    static func bytes(hex: Substring) -> Data? {
        guard hex.utf8.count % 2 == 0 else { return nil }
        var bytes = Data(capacity: hex.utf8.count / 2)
        var high: UInt8? = nil
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }
}

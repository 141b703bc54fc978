import Crypto
import Foundation

/// Secrets handed out once (session cookies, API and hook tokens) and kept only as a hash.
enum Token {
    /// 32 random bytes, base64url without padding.
    static func random() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacing("+", with: "-").replacing("/", with: "_").replacing("=", with: "")
    }

    /// Tokens are random and long, so a fast hash is enough to store them.
    static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

import Crypto
import Foundation

/// Names derived from content: the first 16 bytes of a SHA-256, in hex.
enum Digest {
    static func hex(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

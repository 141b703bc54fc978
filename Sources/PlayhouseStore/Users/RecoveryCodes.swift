import Crypto
import Foundation

/// The one-time codes that stand in for an authenticator that is lost: ten per user, shown
/// once, stored as SHA-256 digests.
///
/// Each code is 80 random bits (16 characters of base32, `abcd-efgh-ijkl-mnop`): finding
/// one from its digest means trying 2⁸⁰ codes, out of reach however fast the hash, so a slow
/// hash such as bcrypt would add nothing but a quarter second for each of the ten codes a
/// sign-in may have to check.
enum RecoveryCodes {
    static let count = 10
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// `count` new codes.
    static func generate() -> [String] {
        (0..<count).map { _ in
            let bytes = SymmetricKey(size: SymmetricKeySize(bitCount: 80)).withUnsafeBytes { Array($0) }
            // 80 bits, five at a time, most significant first.
            let value = bytes.reduce(into: [Bool]()) { bits, byte in
                for shift in stride(from: 7, through: 0, by: -1) { bits.append((byte >> UInt8(shift)) & 1 == 1) }
            }
            let characters = stride(from: 0, to: 80, by: 5).map { start in
                alphabet[value[start..<start + 5].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }]
            }
            return stride(from: 0, to: 16, by: 4).map { String(characters[$0..<$0 + 4]) }.joined(separator: "-")
        }
    }

    /// The code as stored: typed in any case, with or without its dashes and spaces.
    static func digest(_ code: String) -> String {
        Token.digest(code.lowercased().filter { $0 != "-" && !$0.isWhitespace })
    }
}

import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238): HOTP (RFC 4226) over HMAC-SHA1 of the number
/// of 30-second steps since 1970, six digits. What every authenticator app makes from an
/// `otpauth://totp/` URI without further parameters.
struct TOTP: Sendable {
    static let period: Double = 30
    static let digits = 6
    /// Steps either side of the server's that are accepted too: a phone's clock drifts,
    /// and a code typed at the end of its step arrives in the next.
    static let window: Int64 = 1
    /// 160 bits, the length of an HMAC-SHA1 key that RFC 4226 recommends.
    static let secretBytes = 20

    let secret: Data

    /// A new random secret.
    static func randomSecret() -> Data {
        SymmetricKey(size: SymmetricKeySize(bitCount: secretBytes * 8)).withUnsafeBytes { Data($0) }
    }

    /// The time step `date` falls in.
    static func step(at date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / period).rounded(.down))
    }

    /// The code of `step`, zero-padded to `digits`: the HMAC's dynamic truncation (its last
    /// nibble picks four bytes, whose top bit is dropped), modulo 10^digits.
    func code(step: Int64, digits: Int = digits) -> String {
        let counter = withUnsafeBytes(of: UInt64(bitPattern: step).bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let truncated = mac[offset..<offset + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let number = String(truncated % modulus)
        return String(repeating: "0", count: digits - number.count) + number
    }

    /// The step within ``window`` of `date` whose code is `code`, or nil. Every candidate
    /// is compared in full, so the time taken does not tell which digits were right.
    func step(matching code: String, at date: Date) -> Int64? {
        let now = Self.step(at: date)
        var found: Int64? = nil
        for step in (now - Self.window)...(now + Self.window) where CSRFMiddleware.equal(self.code(step: step), code) && found == nil {
            found = step
        }
        return found
    }

    /// The URI an authenticator app reads from the QR code: `otpauth://totp/Playhouse:NAME`
    /// with the secret in base32 and Playhouse as the issuer (the label an app shows).
    func uri(account: String) -> String {
        // A user name's characters (letters, digits, . _ - @) are all allowed in a URI's path;
        // anything else is percent-encoded.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-@")
        let label = account.addingPercentEncoding(withAllowedCharacters: allowed) ?? account
        return "otpauth://totp/Playhouse:\(label)?secret=\(Base32.encode(secret))&issuer=Playhouse"
    }
}

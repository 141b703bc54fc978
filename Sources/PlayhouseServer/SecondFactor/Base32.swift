/// Base32 (RFC 4648, section 6) without padding: how authenticator apps take a TOTP secret,
/// typed in or inside an `otpauth://` URI.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    /// `bytes` in base32, five bits a character, the last one filled with zero bits; no `=`.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                text.append(alphabet[(buffer >> bits) & 31])
            }
            buffer &= (1 << bits) - 1
        }
        if bits > 0 { text.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return text
    }
}

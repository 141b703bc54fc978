import Foundation

/// Who an email notification target writes to: the addresses of its `mailto:` URL,
/// `mailto:ops@example.com,dev@example.com` (RFC 6068, without `?subject=` or other
/// fields: the message is Playhouse's to write).
public struct EmailRecipients: Sendable, Equatable {
    public let addresses: [EmailAddress]

    /// The most addresses one target may have.
    public static let maxCount = 20

    public static let example = "mailto:ops@example.com,dev@example.com"

    /// Reads a `mailto:` URL; percent escapes are decoded before the addresses are checked,
    /// so an escaped line break is refused like a raw one. The same address twice counts once.
    public init(mailto url: String) throws(ValidationError) {
        guard url.utf8.count <= 8192, url.lowercased().hasPrefix("mailto:") else {
            throw ValidationError("an email target's url is mailto: and its addresses, e.g. \(Self.example)")
        }
        let list = url.dropFirst("mailto:".count)
        guard !list.contains("?"), !list.contains("#") else {
            throw ValidationError("a mailto: url here holds addresses only, without ?subject= or other fields")
        }
        var addresses: [EmailAddress] = []
        for part in list.split(separator: ",", omittingEmptySubsequences: false) {
            guard let text = Self.percentDecoded(part.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("\"\(EmailAddress.printable(String(part)))\" has a broken percent escape")
            }
            let address = try EmailAddress(text)
            if !addresses.contains(address) { addresses.append(address) }
        }
        guard (1...Self.maxCount).contains(addresses.count) else {
            throw ValidationError("a mailto: url here holds 1 to \(Self.maxCount) addresses; this one has \(addresses.count)")
        }
        self.addresses = addresses
    }

    /// `%XX` escapes decoded as UTF-8; nil when one is broken.
    private static func percentDecoded(_ text: String) -> String? {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

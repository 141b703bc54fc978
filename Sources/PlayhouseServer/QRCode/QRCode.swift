/// A QR code (ISO/IEC 18004) of some bytes: byte mode, error correction level M (15 % of
/// the code may be lost), the smallest of versions 1 to 10 that holds them (up to 213
/// bytes, an `otpauth://` URI with room to spare), with the mask the standard's penalty
/// rules pick. Written here because no QR library is among Playhouse's dependencies; it
/// draws the setup code of two-factor sign-in (``svg(moduleSize:)``).
struct QRCode: Sendable {
    /// Modules per side: 21 for version 1, 4 more per version.
    let size: Int
    let version: Int
    /// The mask applied (0 to 7).
    let mask: Int
    /// Row by row, `true` for a dark module.
    private let modules: [Bool]

    /// The bytes do not fit in the largest version this encoder makes.
    struct TooLong: Error, CustomStringConvertible {
        var count: Int
        var description: String { "\(count) bytes do not fit in a QR code of version 10 at level M (213 at most)" }
    }

    /// The code of `bytes`; `mask` forces one of the eight masks (for tests) instead of
    /// the one with the lowest penalty.
    init(bytes: [UInt8], mask forced: Int? = nil) throws(TooLong) {
        guard let version = QRVersion.smallest(holding: bytes.count) else { throw TooLong(count: bytes.count) }
        let codewords = version.interleave(version.dataCodewords(for: bytes))
        var matrix = QRMatrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.place(codewords)
        let masks = forced.map { [$0] } ?? Array(0..<8)
        var best: (mask: Int, penalty: Int, modules: [Bool])? = nil
        for mask in masks {
            var masked = matrix
            masked.apply(mask: mask)
            masked.drawFormatBits(mask: mask)
            let penalty = forced == nil ? masked.penalty() : 0
            if best == nil || penalty < best!.penalty { best = (mask, penalty, masked.modules) }
        }
        size = matrix.size
        self.version = version.number
        self.mask = best!.mask
        modules = best!.modules
    }

    /// Whether the module at `row`, `column` is dark.
    subscript(row: Int, column: Int) -> Bool {
        modules[row * size + column]
    }
}

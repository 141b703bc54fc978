/// The shape of one QR version at error correction level M: how its codewords split into
/// blocks, and where its alignment patterns sit (ISO/IEC 18004, tables 9 and E.1).
struct QRVersion: Sendable {
    let number: Int
    /// Error correction codewords per block.
    let ecPerBlock: Int
    /// Data codewords of each block, the shorter blocks first.
    let blocks: [Int]
    /// Row and column centres of the alignment patterns.
    let alignment: [Int]

    static let levelM: [QRVersion] = [
        QRVersion(number: 1, ecPerBlock: 10, blocks: [16], alignment: []),
        QRVersion(number: 2, ecPerBlock: 16, blocks: [28], alignment: [6, 18]),
        QRVersion(number: 3, ecPerBlock: 26, blocks: [44], alignment: [6, 22]),
        QRVersion(number: 4, ecPerBlock: 18, blocks: [32, 32], alignment: [6, 26]),
        QRVersion(number: 5, ecPerBlock: 24, blocks: [43, 43], alignment: [6, 30]),
        QRVersion(number: 6, ecPerBlock: 16, blocks: [27, 27, 27, 27], alignment: [6, 34]),
        QRVersion(number: 7, ecPerBlock: 18, blocks: [31, 31, 31, 31], alignment: [6, 22, 38]),
        QRVersion(number: 8, ecPerBlock: 22, blocks: [38, 38, 39, 39], alignment: [6, 24, 42]),
        QRVersion(number: 9, ecPerBlock: 22, blocks: [36, 36, 36, 37, 37], alignment: [6, 26, 46]),
        QRVersion(number: 10, ecPerBlock: 26, blocks: [43, 43, 43, 43, 44], alignment: [6, 28, 50]),
    ]

    /// Modules per side.
    var size: Int { 17 + 4 * number }
    var dataCapacity: Int { blocks.reduce(0, +) }
    /// Bits of the byte count after the mode indicator: 8 up to version 9, then 16.
    var countBits: Int { number <= 9 ? 8 : 16 }

    /// The smallest version whose data codewords hold `count` bytes in byte mode.
    static func smallest(holding count: Int) -> QRVersion? {
        levelM.first { 4 + $0.countBits + 8 * count <= 8 * $0.dataCapacity }
    }

    /// The data codewords: byte mode (`0100`), the count, the bytes, a terminator of up to
    /// four zero bits, zeros to the byte, then the pad bytes 0xEC and 0x11 in turn.
    func dataCodewords(for bytes: [UInt8]) -> [UInt8] {
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: countBits)
        for byte in bytes { bits.append(Int(byte), count: 8) }
        let capacity = 8 * dataCapacity
        bits.append(0, count: min(4, capacity - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < dataCapacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// The data split into blocks, each followed by its Reed-Solomon codewords, then
    /// interleaved as the symbol stores them: the data column by column across the
    /// blocks, then the error correction the same way.
    func interleave(_ data: [UInt8]) -> [UInt8] {
        let divisor = ReedSolomon.divisor(degree: ecPerBlock)
        var start = 0
        var dataBlocks: [[UInt8]] = []
        var ecBlocks: [[UInt8]] = []
        for length in blocks {
            let block = Array(data[start..<start + length])
            start += length
            dataBlocks.append(block)
            ecBlocks.append(ReedSolomon.remainder(of: block, divisor: divisor))
        }
        var result: [UInt8] = []
        for index in 0..<(blocks.max() ?? 0) {
            for block in dataBlocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<ecPerBlock {
            for block in ecBlocks { result.append(block[index]) }
        }
        return result
    }
}

/// Bits appended most significant first, read back as bytes.
struct BitBuffer {
    private(set) var bits: [Bool] = []
    var count: Int { bits.count }

    /// Appends the low `count` bits of `value`.
    mutating func append(_ value: Int, count: Int) {
        for shift in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    /// The bits in bytes; the count must be a multiple of eight.
    var bytes: [UInt8] {
        stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
    }
}

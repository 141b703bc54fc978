/// The modules of a QR symbol while it is drawn: which are dark, and which belong to the
/// function patterns (finders, timing, alignment, format and version information) that
/// data and masks leave alone.
struct QRMatrix: Sendable {
    let version: QRVersion
    let size: Int
    /// Row by row, `true` for dark.
    private(set) var modules: [Bool]
    private var isFunction: [Bool]

    init(version: QRVersion) {
        self.version = version
        size = version.size
        modules = Array(repeating: false, count: size * size)
        isFunction = Array(repeating: false, count: size * size)
    }

    subscript(row: Int, column: Int) -> Bool {
        modules[row * size + column]
    }

    private mutating func setFunction(_ row: Int, _ column: Int, _ dark: Bool) {
        modules[row * size + column] = dark
        isFunction[row * size + column] = true
    }

    /// Finders with their separators, timing, alignment patterns, the dark module, and
    /// the version information; the format information's places are reserved (drawn per
    /// mask by ``drawFormatBits(mask:)``).
    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            setFunction(6, index, index % 2 == 0)
            setFunction(index, 6, index % 2 == 0)
        }
        for (row, column) in [(3, 3), (3, size - 4), (size - 4, 3)] { drawFinder(row: row, column: column) }
        let centres = version.alignment
        for row in centres {
            for column in centres {
                // Not over the finders.
                let corner = (row == 6 && column == 6) || (row == 6 && column == centres.last) || (row == centres.last && column == 6)
                if !corner { drawAlignment(row: row, column: column) }
            }
        }
        drawFormatBits(mask: 0)
        drawVersion()
    }

    /// A 7×7 finder centred at `row`, `column`, with the light separator around it.
    private mutating func drawFinder(row: Int, column: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let (y, x) = (row + dy, column + dx)
                guard (0..<size).contains(y), (0..<size).contains(x) else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(y, x, ring != 2 && ring != 4)
            }
        }
    }

    /// A 5×5 alignment pattern centred at `row`, `column`.
    private mutating func drawAlignment(row: Int, column: Int) {
        for dy in -2...2 {
            for dx in -2...2 { setFunction(row + dy, column + dx, max(abs(dx), abs(dy)) != 1) }
        }
    }

    /// The format information of level M and `mask`, twice, and the dark module: five
    /// bits with their BCH(15,5) check, XORed with 0x5412.
    mutating func drawFormatBits(mask: Int) {
        // Level M's two bits are 00.
        let data = mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        // Around the top-left finder.
        for index in 0...5 { setFunction(index, 8, bit(index)) }
        setFunction(7, 8, bit(6))
        setFunction(8, 8, bit(7))
        setFunction(8, 7, bit(8))
        for index in 9..<15 { setFunction(8, 14 - index, bit(index)) }
        // Beside the top-right and bottom-left finders.
        for index in 0..<8 { setFunction(8, size - 1 - index, bit(index)) }
        for index in 8..<15 { setFunction(size - 15 + index, 8, bit(index)) }
        setFunction(size - 8, 8, true)
    }

    /// From version 7 on: the version number and its BCH(18,6) check, in two 6×3 blocks.
    private mutating func drawVersion() {
        guard version.number >= 7 else { return }
        var remainder = version.number
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version.number << 12 | remainder
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let (near, far) = (index / 3, size - 11 + index % 3)
            setFunction(near, far, dark)
            setFunction(far, near, dark)
        }
    }

    /// Places the codewords' bits, most significant first, in the zigzag of two-module
    /// columns from the bottom right, up and down in turn, skipping the timing column and
    /// the function patterns. Modules left over (the remainder bits) stay light.
    mutating func place(_ codewords: [UInt8]) {
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let row = upward ? size - 1 - step : step
                for column in [right, right - 1] where !isFunction[row * size + column] && index < codewords.count * 8 {
                    modules[row * size + column] = (codewords[index >> 3] >> (7 - UInt8(index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
    }

    /// Flips the data modules where mask `mask`'s condition holds.
    mutating func apply(mask: Int) {
        for row in 0..<size {
            for column in 0..<size where !isFunction[row * size + column] && Self.masks(mask, row: row, column: column) {
                modules[row * size + column].toggle()
            }
        }
    }

    /// The eight mask conditions of the standard, by row `i` and column `j`.
    static func masks(_ mask: Int, row i: Int, column j: Int) -> Bool {
        switch mask {
        case 0: (i + j) % 2 == 0
        case 1: i % 2 == 0
        case 2: j % 3 == 0
        case 3: (i + j) % 3 == 0
        case 4: (i / 2 + j / 3) % 2 == 0
        case 5: (i * j) % 2 + (i * j) % 3 == 0
        case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
        default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
        }
    }
}

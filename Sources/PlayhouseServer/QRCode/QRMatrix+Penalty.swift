extension QRMatrix {
    /// The standard's penalty of the symbol as masked (lower reads better): runs of five
    /// or more modules of one colour, 2×2 blocks of one colour, stretches that look like a
    /// finder, and a share of dark modules far from half.
    func penalty() -> Int {
        var total = 0
        let lines =
            (0..<size).map { row in (0..<size).map { self[row, $0] } } + (0..<size).map { column in (0..<size).map { self[$0, column] } }
        for line in lines {
            total += Self.runPenalty(line) + Self.finderPenalty(line)
        }
        for row in 0..<size - 1 {
            for column in 0..<size - 1 {
                let colour = self[row, column]
                if self[row, column + 1] == colour, self[row + 1, column] == colour, self[row + 1, column + 1] == colour { total += 3 }
            }
        }
        let dark = modules.filter { $0 }.count
        let cells = size * size
        // 10 points for each full 5 % that the dark share is away from 50 %.
        total += 10 * ((abs(dark * 20 - cells * 10) + cells - 1) / cells - 1)
        return total
    }

    /// 3 points for a run of five modules of one colour, one more for each module beyond.
    private static func runPenalty(_ line: [Bool]) -> Int {
        var total = 0
        var length = 1
        for index in 1...line.count {
            if index < line.count, line[index] == line[index - 1] {
                length += 1
                continue
            }
            if length >= 5 { total += 3 + (length - 5) }
            length = 1
        }
        return total
    }

    /// 40 points for each dark-light-dark-dark-dark-light-dark stretch (1:1:3:1:1) with
    /// four light modules (or the symbol's edge, which the quiet zone makes light) on
    /// either side.
    private static func finderPenalty(_ line: [Bool]) -> Int {
        let core = [true, false, true, true, true, false, true]
        var total = 0
        for start in 0...(line.count - core.count) where Array(line[start..<start + core.count]) == core {
            func light(_ range: Range<Int>) -> Bool { range.allSatisfy { $0 < 0 || $0 >= line.count || !line[$0] } }
            if light(start - 4..<start) { total += 40 }
            if light(start + core.count..<start + core.count + 4) { total += 40 }
        }
        return total
    }
}

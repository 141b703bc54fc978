public import Foundation

/// A cron expression of five fields (minute, hour, day of month, month, day of week) read
/// in a time zone. Fields take `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and
/// `a-b/n`, and names for months (`jan`) and days (`mon`; 0 and 7 are Sunday). As in cron,
/// when both day fields are restricted a day matching either one counts.
public struct CronSchedule: Sendable, Equatable {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    public init(_ expression: String, timeZone identifier: String) throws(ValidationError) {
        guard let timeZone = TimeZone(identifier: identifier) else {
            throw ValidationError("unknown time zone \"\(identifier)\"; use a name like Europe/Berlin or UTC")
        }
        let fields = expression.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else {
            throw ValidationError("a cron expression has 5 fields (minute hour day month weekday), got \"\(expression)\"")
        }
        self.expression = fields.joined(separator: " ")
        self.timeZone = timeZone
        minutes = try Self.parse(fields[0], "minute", 0...59, names: [:])
        hours = try Self.parse(fields[1], "hour", 0...23, names: [:])
        days = try Self.parse(fields[2], "day of month", 1...31, names: [:])
        months = try Self.parse(fields[3], "month", 1...12, names: Self.monthNames)
        let weekdays = try Self.parse(fields[4], "day of week", 0...7, names: Self.dayNames)
        self.weekdays = Set(weekdays.map { $0 % 7 })
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    /// The first time after `date` (to the minute) the schedule fires; nil if it never does
    /// within four years (say, February 30th).
    public func next(after date: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard var day = calendar.dateInterval(of: .day, for: date)?.start else { return nil }
        for _ in 0..<(4 * 366) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let month = parts.month, let dayOfMonth = parts.day, let weekday = parts.weekday, months.contains(month),
                matches(day: dayOfMonth, weekday: weekday - 1)
            {
                for hour in hours.sorted() {
                    for minute in minutes.sorted() {
                        var wanted = parts
                        wanted.hour = hour
                        wanted.minute = minute
                        wanted.weekday = nil
                        // A time that does not exist that day (a DST gap) is skipped.
                        guard let candidate = calendar.date(from: wanted),
                            calendar.component(.hour, from: candidate) == hour, candidate > date
                        else { continue }
                        return candidate
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }

    /// The next `count` times after `date`.
    public func upcoming(after date: Date, count: Int) -> [Date] {
        var times: [Date] = []
        var from = date
        while times.count < count, let next = next(after: from) {
            times.append(next)
            from = next
        }
        return times
    }

    private func matches(day: Int, weekday: Int) -> Bool {
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): days.contains(day) || weekdays.contains(weekday)
        case (true, false): days.contains(day)
        case (false, true): weekdays.contains(weekday)
        case (false, false): true
        }
    }

    static let monthNames = [
        "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
    ]
    static let dayNames = ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6]

    private static func parse(_ field: String, _ name: String, _ range: ClosedRange<Int>, names: [String: Int]) throws(ValidationError)
        -> Set<Int>
    {
        func value(_ text: Substring) throws(ValidationError) -> Int {
            if let number = Int(text), range.contains(number) { return number }
            if let named = names[text.lowercased()] { return named }
            throw ValidationError("\(name) \"\(text)\" is not one of \(range.lowerBound)-\(range.upperBound)")
        }
        var result = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                throw ValidationError("\(name) field \"\(field)\" is not valid")
            }
            var step = 1
            if pieces.count == 2 {
                guard let n = Int(pieces[1]), n > 0 else {
                    throw ValidationError("\(name) step in \"\(field)\" must be a whole number above 0")
                }
                step = n
            }
            let bounds: ClosedRange<Int>
            if base == "*" {
                bounds = range
            } else if let dash = base.firstIndex(of: "-") {
                let low = try value(base[..<dash])
                let high = try value(base[base.index(after: dash)...])
                guard low <= high else { throw ValidationError("\(name) range \"\(base)\" runs backwards") }
                bounds = low...high
            } else {
                let single = try value(base)
                bounds = single...(pieces.count == 2 ? range.upperBound : single)
            }
            result.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return result
    }
}

import Foundation
import PlayhouseCore
import Testing

@Suite struct CronScheduleTests {
    func date(_ text: String) -> Date {
        try! Date(text, strategy: .iso8601)
    }

    @Test func nextTimesFollowTheFieldsInTheTimeZone() throws {
        let weekdays = try CronSchedule("30 9 * * mon-fri", timeZone: "Europe/Berlin")
        // Friday 2026-11-27 10:00 Berlin → Monday 09:30 Berlin (08:30 UTC).
        #expect(weekdays.next(after: date("2026-11-27T09:00:00Z")) == date("2026-11-30T08:30:00Z"))
        let every15 = try CronSchedule("*/15 * * * *", timeZone: "UTC")
        #expect(
            every15.upcoming(after: date("2026-11-25T10:07:00Z"), count: 3)
                == [date("2026-11-25T10:15:00Z"), date("2026-11-25T10:30:00Z"), date("2026-11-25T10:45:00Z")])
        let monthly = try CronSchedule("0 0 1,15 jan,jul *", timeZone: "UTC")
        #expect(monthly.next(after: date("2026-11-25T00:00:00Z")) == date("2027-01-01T00:00:00Z"))
        // Both day fields restricted: the 13th or a Friday, whichever comes first.
        let either = try CronSchedule("0 12 13 * fri", timeZone: "UTC")
        #expect(either.next(after: date("2026-11-25T00:00:00Z")) == date("2026-11-27T12:00:00Z"))
        #expect(try CronSchedule("0 0 30 2 *", timeZone: "UTC").next(after: date("2026-11-25T00:00:00Z")) == nil)
    }

    @Test func aTimeInTheDaylightSavingGapIsSkipped() throws {
        // Clocks in Berlin jump from 02:00 to 03:00 on 2027-03-28.
        let early = try CronSchedule("30 2 * * *", timeZone: "Europe/Berlin")
        #expect(early.next(after: date("2027-03-27T12:00:00Z")) == date("2027-03-29T00:30:00Z"))
    }

    @Test(arguments: [
        ("* * * *", "a cron expression has 5 fields (minute hour day month weekday), got \"* * * *\""),
        ("61 * * * *", "minute \"61\" is not one of 0-59"),
        ("* * * * funday", "day of week \"funday\" is not one of 0-7"),
        ("*/0 * * * *", "minute step in \"*/0\" must be a whole number above 0"),
        ("5-1 * * * *", "minute range \"5-1\" runs backwards"),
    ])
    func badExpressionsAreRefusedWithAReason(expression: String, reason: String) {
        #expect(throws: ValidationError(reason)) { try CronSchedule(expression, timeZone: "UTC") }
    }

    @Test func anUnknownTimeZoneIsRefused() {
        #expect(throws: ValidationError("unknown time zone \"Mars/Olympus\"; use a name like Europe/Berlin or UTC")) {
            try CronSchedule("* * * * *", timeZone: "Mars/Olympus")
        }
    }
}

import PlayhouseCore
import Testing

@Suite struct RunOutcomeTests {
    func recap(_ hosts: [String: (failed: Int, unreachable: Int)]) -> JobSummary {
        var summary = JobSummary()
        var members: [String: JSONValue] = [:]
        for (host, counts) in hosts {
            members[host] = .object([
                "ok": .number(1), "failed": .number(Double(counts.failed)),
                "unreachable": .number(Double(counts.unreachable)),
            ])
        }
        summary.apply(JobEvent(seq: 1, type: .stats, time: 0, data: .object(["hosts": .object(members)])))
        return summary
    }

    @Test func successNeedsTheRecapAndExitZero() {
        let outcome = RunOutcome.decide(end: .exited(0), summary: recap(["a": (0, 0)]), stopReason: nil, errorLine: nil)
        #expect(outcome == RunOutcome(status: .successful))
    }

    @Test func aFailedOrUnreachableHostMeansFailed() {
        #expect(RunOutcome.decide(end: .exited(2), summary: recap(["a": (1, 0)]), stopReason: nil, errorLine: nil).status == .failed)
        #expect(RunOutcome.decide(end: .exited(4), summary: recap(["a": (0, 1)]), stopReason: nil, errorLine: nil).status == .failed)
    }

    @Test func exitFourWithoutRecapIsASyntaxErrorNotAFailure() {
        let outcome = RunOutcome.decide(
            end: .exited(4), summary: JobSummary(), stopReason: nil,
            errorLine: "We were unable to read either as JSON nor YAML")
        #expect(outcome == RunOutcome(status: .error, error: "We were unable to read either as JSON nor YAML"))
    }

    @Test func exitZeroWithoutRecapIsAnError() {
        let outcome = RunOutcome.decide(end: .exited(0), summary: JobSummary(), stopReason: nil, errorLine: nil)
        #expect(outcome.status == .error)
        #expect(outcome.error == "ansible-playbook ended without running the playbook")
    }

    @Test func stopsWinOverEverythingElse() {
        let summary = recap(["a": (0, 0)])
        #expect(
            RunOutcome.decide(end: .exited(99), summary: summary, stopReason: .canceled, errorLine: nil) == RunOutcome(status: .canceled))
        #expect(
            RunOutcome.decide(end: .signaled(9), summary: summary, stopReason: .timedOut(seconds: 90), errorLine: nil)
                == RunOutcome(status: .error, error: "timed out after 90s"))
        #expect(
            RunOutcome.decide(end: .exited(0), summary: summary, stopReason: .shutdown("interrupted: server stopped"), errorLine: nil)
                == RunOutcome(status: .error, error: "interrupted: server stopped"))
    }

    @Test func killedBySignalIsAnError() {
        let outcome = RunOutcome.decide(end: .signaled(9), summary: JobSummary(), stopReason: nil, errorLine: nil)
        #expect(outcome == RunOutcome(status: .error, error: "ansible-playbook was killed by signal 9"))
    }

    @Test func durationsReadNaturally() {
        #expect(RunOutcome.format(seconds: 2) == "2s")
        #expect(RunOutcome.format(seconds: 120) == "2m")
        #expect(RunOutcome.format(seconds: 1.5) == "1.5s")
    }
}

@Suite struct AnsibleErrorLineTests {
    @Test func findsTheFirstErrorLineWithoutColours() {
        let output =
            "\u{1B}[0;31m[WARNING]: something\u{1B}[0m\n"
            + "\u{1B}[1;31m[ERROR]: the playbook: nope.yml could not be found\u{1B}[0m\n[ERROR]: later\n"
        #expect(AnsibleErrorLine.first(in: output) == "the playbook: nope.yml could not be found")
    }

    @Test func joinsALineEndingInAColonWithTheNextOne() {
        let output = "ERROR! couldn't resolve module/action 'nope.nope':\n\n  This often indicates a misspelling\n"
        #expect(AnsibleErrorLine.first(in: output) == "couldn't resolve module/action 'nope.nope': This often indicates a misspelling")
    }

    @Test func noErrorLineGivesNil() {
        #expect(AnsibleErrorLine.first(in: "PLAY [all]\nok: [a]\n") == nil)
    }

    @Test func ansiStripRemovesColourCodes() {
        #expect(ANSI.strip("\u{1B}[0;32mok: [web1]\u{1B}[0m") == "ok: [web1]")
        #expect(ANSI.strip("plain") == "plain")
    }
}

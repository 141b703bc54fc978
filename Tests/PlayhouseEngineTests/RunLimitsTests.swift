import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

@testable import PlayhouseEngine

/// What a run may hand over is bounded (line length, output, events), with real
/// `ansible-playbook`; and a secret is masked before any cut.
@Suite struct RunLimitsTests {
    static let playbooks = [
        "big.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.debug: { msg: "{{ big }}" }
        """,
        "chatty.yml": """
        - hosts: all
          gather_facts: false
          tasks:
        \((1...8).map { "    - ansible.builtin.debug: { msg: \"task \($0) says hello\" }" }.joined(separator: "\n"))
        """,
        // Writes straight into the stdout of the first ansible-playbook process (the pipe
        // the runner reads; its forked workers have theirs on /dev/null): a gigabyte
        // without a newline.
        "flood.yml": """
        - hosts: all
          gather_facts: false
          tasks:
            - ansible.builtin.shell: |
                p=$PPID
                parent() { cut -d' ' -f4 /proc/$1/stat; }
                until [ "$(cat /proc/$p/comm)" = ansible-playboo ] && \
        [ "$(cat /proc/$(parent $p)/comm)" != ansible-playboo ]; do p=$(parent $p); done
                head -c 1073741824 /dev/zero | tr '\\0' x > /proc/$p/fd/1
        """,
    ]

    @Test func aSecretAtACutIsHiddenInTheLogAndInTheEvent() async throws {
        let fixture = try RunnerFixture(files: Self.playbooks)
        // 300-character secrets: one straddles the callback's 16 KB cut of event strings,
        // the other the 64 KB cut of a log line, wherever the line's prefix ends.
        let first = String(repeating: "S", count: 150) + String(repeating: "T", count: 150)
        let second = String(repeating: "U", count: 150) + String(repeating: "V", count: 150)
        let big =
            String(repeating: "a", count: 16_300) + first + String(repeating: "b", count: 65_400 - 16_600) + second
            + String(repeating: "c", count: 100_000)
        var request = fixture.request("big.yml", inventory: .text(TestPaths.localInventory(["a"])))
        request.extraVars = ["big": .string(big)]
        request.maskedValues = [first, second]
        let (result, collected) = try await fixture.run(request)
        #expect(result.outcome.status == .successful)
        let output = collected.output
        #expect(output.contains("[Playhouse: line longer than 64 KB cut here]"))
        #expect(output.utf8.count < 80_000, "the 166 KB line was cut")
        let events = collected.events.map { $0.data?.jsonString() ?? "" }.joined()
        for secret in [first, second] {
            for piece in [secret.prefix(40), secret.suffix(40)] {
                #expect(!output.contains(piece), "a piece of a secret is in the log")
                #expect(!events.contains(piece), "a piece of a secret is in an event")
            }
        }
        #expect(events.contains(SecretMask.replacement + SecretMask.cutMark), "the event's cut fell inside the first secret")
    }

    @Test func outputAndEventsStopAtTheirLimitsAndTheJobSaysSo() async throws {
        var fixture = try RunnerFixture(files: Self.playbooks)
        fixture.runner.limits = RunLimits(maxLineBytes: 64 * 1024, maxOutputBytes: 1500, maxEvents: 5)
        let (result, collected) = try await fixture.run(fixture.request("chatty.yml"))
        #expect(result.outcome.status == .successful, "the run itself is untouched")
        let output = collected.output
        #expect(output.utf8.count < 1700)
        #expect(output.contains("[Playhouse: this job's output passed"))
        #expect(!output.contains("task 8 says hello"))
        #expect((result.summary.droppedOutputBytes ?? 0) > 0)
        let events = collected.events
        #expect(events.count == 6, "five events and the recap")
        #expect(events.last?.type == .stats)
        #expect(events.map(\.seq) == Array(1...6))
        #expect((result.summary.droppedEvents ?? 0) > 10)
        #expect(result.summary.hosts["a"]?.ok == 8, "the summary counts every task")
    }

    @Test func aGigabyteWithoutANewlineKeepsMemoryFlat() async throws {
        let fixture = try RunnerFixture(files: Self.playbooks)
        let before = try Self.residentBytes()
        let (result, collected) = try await fixture.run(fixture.request("flood.yml", inventory: .text(TestPaths.localInventory(["a"]))))
        let after = try Self.residentBytes()
        #expect(result.outcome.status == .successful)
        let output = collected.output
        #expect(output.contains("[Playhouse: line longer than 64 KB cut here]"))
        #expect(output.utf8.count < 200 * 1024, "one cut line, not a gigabyte")
        // The whole test process is measured, with other suites running beside this one: the
        // bound tells a run that held the gigabyte (1 GB more) from one that did not.
        #expect(after - before < 512 * 1024 * 1024, "grew by \((after - before) / 1_048_576) MB while 1 GB went by")
    }

    @Test func linesAreCutWithoutSplittingACharacter() {
        var lines = OutputLines(mask: SecretMask(secrets: []), maxLineBytes: 10)
        let text = Array("ééééééééé\nshort\n".utf8)
        let taken = text.withUnsafeBytes { lines.take($0) } ?? ""
        #expect(taken == "ééééé… [Playhouse: line longer than 0 KB cut here]\nshort\n")
        let rest = Array("zzzzzzzzzzzzzzzz".utf8)
        #expect(rest.withUnsafeBytes { lines.take($0) } == "zzzzzzzzzz… [Playhouse: line longer than 0 KB cut here]\n")
        #expect(Array("zz\nnext".utf8).withUnsafeBytes { lines.take($0) } == nil, "the rest of the cut line is dropped")
        #expect(lines.finish() == "next")
    }

    static func residentBytes() throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw RunnerTestError("no VmRSS in /proc/self/status") }
        return kilobytes * 1024
    }
}

struct RunnerTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The scan every piece of output gets for Ansible's error lines.
@Suite struct ErrorScanTests {
    @Test(arguments: [
        ("[ERROR]: the role 'x' was not found", true), ("ok: [h1]", false), ("ERRO", false), ("", false),
        ("x ERROR", true), ("ERRORS", true), ("EERROR", true), ("ERR OR", false), ("é ERROR é", true),
    ])
    func findsTheWordWhereverItIs(_ text: String, _ expected: Bool) {
        #expect(FoldedRun.mentionsError(text) == expected)
        #expect(FoldedRun.mentionsError(Substring("--" + text).dropFirst(2)) == expected, "in a substring")
    }
}

import ArgumentParser
import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseWorker

/// `playhouse run`: one playbook in the terminal through the same engine, printing its
/// events; the exit status says how it ended.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one playbook here and print its events.")

    @Argument(help: "The playbook file.")
    var playbook: String

    @Option(name: [.short, .long], help: "Inventory file, folder or script.")
    var inventory: String

    @Option(name: .long, help: "Host pattern to limit the run to.")
    var limit: String?

    @Option(name: .long, help: "Folder holding ansible-playbook (default ./.venv/bin, then PATH).")
    var ansibleBin: String?

    func run() async throws {
        let ansible = try AnsibleInstallation.locate(explicit: ansibleBin)
        let playbookPath = CommonOptions.absolute(playbook)
        let request = PlaybookRunRequest(
            playbook: playbookPath,
            workingDirectory: URL(fileURLWithPath: playbookPath).deletingLastPathComponent().path,
            inventory: .path(CommonOptions.absolute(inventory)),
            limit: limit)
        let result = try await PlaybookRunner(ansible: ansible).run(request) { batch in
            for case .event(let event) in batch where event.host != nil || event.type.startsTask {
                let what = [event.type.name, event.host, event.task, event.message].compactMap { $0 }.joined(separator: "  ")
                print("\(event.seq)  \(what)")
            }
        }
        print("\(result.outcome.status.rawValue)\(result.outcome.error.map { ": \($0)" } ?? "")")
        if result.outcome.status != .successful { throw ExitCode.failure }
    }
}

import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// What a git project holds, for the launch form: a fresh clone into a throwaway run
/// directory, its playbooks and inventory files listed, the clone removed.
public struct GitProjectInspector: Sendable {
    public var runsDirectory: String
    public var store: Store
    public var secrets: SecretBox

    public init(runsDirectory: String, store: Store, secrets: SecretBox) {
        self.runsDirectory = runsDirectory
        self.store = store
        self.secrets = secrets
    }

    /// A failure to clone is a `ValidationError` saying why.
    public func contents(of project: GitProject) async throws -> (playbooks: [String], inventories: [String]) {
        do {
            return try await clone(project)
        } catch let error as RunnerError {
            throw ValidationError(error.message)
        }
    }

    private func clone(_ project: GitProject) async throws -> (playbooks: [String], inventories: [String]) {
        try await GitCheckout.contents(of: try await GitSource.of(project, store: store, secrets: secrets), runsDirectory: runsDirectory)
    }
}

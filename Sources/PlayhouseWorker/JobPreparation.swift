import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// Turns a stored job into a run request: resolves the project's paths (refusing any
/// that leave the project), loads a stored inventory (fetching an HTTP one), tells the
/// inventory who launched, and opens the job's credentials.
struct JobPreparation: Sendable {
    let store: Store
    let catalog: ProjectCatalog
    let secrets: SecretBox
    /// The store's instance id: with the job id it tags the run's processes.
    let instanceID: String

    func request(for job: Job) async throws -> PlaybookRunRequest {
        let parameters = job.parameters
        let git = try await store.gitProject(named: parameters.project, unlessFolderIn: catalog)
        let directory: String, playbook: String
        if git != nil {
            // Found in the checkout, once the run has cloned it.
            try ProjectPath.components(of: parameters.playbook, field: "playbook")
            (directory, playbook) = ("/", parameters.playbook)
        } else {
            directory = try catalog.directory(of: parameters.project)
            playbook = try catalog.resolve(parameters.playbook, in: parameters.project, field: "playbook")
        }
        let launcher = try await launcher(of: parameters)
        let inventory: InventorySource
        if let id = parameters.storedInventoryID {
            guard let stored = try await store.inventory(id) else {
                throw RunnerError("inventory \(id) does not exist (any more); launch again with an existing inventory")
            }
            inventory = try await StoredSources.source(of: stored, launcher: launcher, store: store, secrets: secrets)
        } else if git != nil {
            try ProjectPath.components(of: parameters.inventory, field: "inventory")
            inventory = .path(parameters.inventory)
        } else {
            inventory = .path(try catalog.resolve(parameters.inventory, in: parameters.project, field: "inventory"))
        }
        let secretVars = try openSealedVars(parameters.sealedVars)
        var request = PlaybookRunRequest(
            playbook: playbook,
            workingDirectory: directory,
            inventory: inventory,
            extraVars: (parameters.extraVars ?? [:]).merging(secretVars) { $1 },
            templateVars: parameters.templateVars ?? [:],
            limit: parameters.limit,
            tags: parameters.tags ?? [],
            skipTags: parameters.skipTags ?? [],
            check: parameters.check ?? false,
            diff: parameters.diff ?? false,
            verbosity: parameters.verbosity ?? 0,
            forks: parameters.forks,
            timeout: parameters.timeout.map { .milliseconds(Int64($0 * 1000)) },
            environment: (parameters.env ?? [:]).merging(launcher?.environment ?? [:]) { $1 },
            credentials: try await credentials(parameters.credentials ?? []),
            jobTag: Self.tag(instanceID: instanceID, job: job.id))
        // Env values may be tokens for an inventory source: hidden like survey passwords.
        request.maskedValues = secretVars.values.compactMap(\.stringValue) + (parameters.env ?? [:]).values
        if let git { request.git = try await GitSource.of(git, store: store, secrets: secrets) }
        return request
    }

    /// The survey's password answers, opened with the key they were sealed with.
    private func openSealedVars(_ sealed: String?) throws -> [String: JSONValue] {
        guard let sealed else { return [:] }
        guard case .object(let values)? = JSONValue.parse(String(decoding: try secrets.open(sealed), as: UTF8.self)) else {
            throw RunnerError("the job's secret survey answers could not be read; launch it again")
        }
        return values
    }

    /// Who launched the job, with their teams as they are now.
    private func launcher(of parameters: JobParameters) async throws -> Launcher? {
        guard let name = parameters.launchedBy else { return nil }
        return Launcher(user: name, teams: try await store.user(named: name)?.teams ?? [])
    }

    private func credentials(_ ids: [Int64]) async throws -> RunCredentials {
        var opened: [(kind: Credential.Kind, secret: CredentialSecret)] = []
        for id in ids {
            guard let credential = try await store.credential(id), let secret = try await store.credentialSecret(id, box: secrets) else {
                throw RunnerError("credential \(id) does not exist (any more); launch again with existing credentials")
            }
            opened.append((credential.kind, secret))
        }
        return try RunCredentials(opened)
    }

    /// What `PLAYHOUSE_JOB` holds for a job's processes.
    static func tag(instanceID: String, job: Int64) -> String {
        "\(instanceID)/\(job)"
    }
}

import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// Turns a stored job into a run request: resolves the project's paths (refusing any
/// that leave the project), loads a stored inventory (fetching an HTTP one), tells the
/// inventory who launched, opens the job's credentials, and hands the run the facts earlier
/// runs of the same project and inventory gathered (its fact cache).
struct JobPreparation: Sendable {
    let store: Store
    let catalog: ProjectCatalog
    let secrets: SecretBox
    /// The store's instance id: with the job id it tags the run's processes.
    let instanceID: String

    func request(for job: Job) async throws -> PlaybookRunRequest {
        let parameters = job.parameters
        let git = try await store.templates.gitProject(named: parameters.project, unlessFolderIn: catalog)
        let location = try catalog.locate(parameters, inGit: git != nil)
        let launcher = try await launcher(of: parameters)
        let inventory: InventorySource
        switch location.inventory {
        case .stored(let id):
            guard let stored = try await store.inventories.find(id) else {
                throw RunnerError("inventory \(id) does not exist (any more); launch again with an existing inventory")
            }
            inventory = try await StoredSources.source(of: stored, launcher: launcher, store: store, secrets: secrets)
        case .path(let path):
            inventory = .path(path)
        }
        let secretVars = try openSealedVars(parameters.sealedVars)
        var request = PlaybookRunRequest(
            playbook: location.playbook,
            // A git project's checkout is made by the run, which resolves the paths in it.
            workingDirectory: location.directory ?? "/",
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
            timeout: parameters.timeout.map { .seconds($0) },
            environment: (parameters.env ?? [:]).merging(launcher?.environment ?? [:]) { $1 },
            credentials: try await credentials(parameters.credentials ?? []),
            jobTag: Self.tag(instanceID: instanceID, job: job.id))
        // Env values may be tokens for an inventory source: hidden like survey passwords.
        request.maskedValues = secretVars.values.compactMap(\.stringValue) + (parameters.env ?? [:]).values
        if let git {
            request.git = try await GitSource.of(git, store: store, secrets: secrets)
            request.git?.commit = parameters.pinnedCommit
        } else if let pinned = parameters.pinnedCommit {
            throw RunnerError(
                "the job is pinned to commit \(pinned), but project \(parameters.project) is no git project (any more); launch it again")
        }
        request.facts = try await store.hosts.cachedFacts(project: parameters.project, inventory: parameters.inventory)
        if let chosen = try await store.environments.chosen(project: parameters.project, template: parameters.templateID) {
            request.ansibleEnvironment = ChosenEnvironment(name: chosen.name, environment: chosen.environment)
        }
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
        return Launcher(user: name, teams: try await store.users.named(name)?.teams ?? [])
    }

    private func credentials(_ ids: [Int64]) async throws -> RunCredentials {
        var opened: [(kind: Credential.Kind, secret: CredentialSecret)] = []
        for id in ids {
            guard let credential = try await store.credentials.find(id),
                let secret = try await store.credentials.secret(id, box: secrets)
            else {
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

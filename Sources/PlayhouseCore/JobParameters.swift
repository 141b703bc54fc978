import Foundation

/// Everything a launch asks for: what to run, against what, and how.
public struct JobParameters: Sendable, Codable, Equatable {
    /// A folder under the projects directory.
    public var project: String
    /// A playbook path inside the project.
    public var playbook: String
    /// The id of a stored inventory (a number) or a path inside the project.
    public var inventory: String
    /// Extra vars given at launch (by the launcher, a survey, a webhook): data that
    /// Ansible never templates (see ``JinjaPolicy``).
    public var extraVars: [String: JSONValue]?
    /// Extra vars an admin wrote into the template the job was launched from: the only
    /// ones Ansible may evaluate `{{ … }}` in under the default policy. ``extraVars``
    /// override them.
    public var templateVars: [String: JSONValue]?
    public var limit: String?
    public var tags: [String]?
    public var skipTags: [String]?
    public var check: Bool?
    public var diff: Bool?
    /// 0 to 4: how many `-v`.
    public var verbosity: Int?
    public var forks: Int?
    /// Seconds before the run is stopped and the job ends `error`.
    public var timeout: Double?
    /// Extra environment variables for the dynamic inventory script and the run.
    public var env: [String: String]?
    /// Split the inventory's hosts into this many jobs that run in parallel.
    public var slices: Int?
    /// -100 to 100, 0 by default: a queued job of higher priority is taken first (see
    /// `JobRepository.claimNext`).
    public var priority: Int?
    /// The one worker group the launcher chose to run the job on, among those it may run on.
    public var workerGroup: String?
    /// The worker groups the job may run on (none: any); set by the server, from the
    /// launch's ``workerGroup`` or else the template's, inventory's or project's groups.
    public var workerGroups: [String]?
    /// The forks the job takes of its worker's capacity (``ForkCapacity/weight(forks:templateWeight:)``);
    /// set by the server.
    public var weight: Int?
    /// Ids of the stored credentials the run uses (a login, a become, vaults).
    public var credentials: [Int64]?
    /// The name of the user who launched the job; set by the server, never by the launch.
    public var launchedBy: String?
    /// The job this one relaunches; set by the server.
    public var relaunchOf: Int64?
    /// The template this job was launched from; set by the server.
    public var templateID: Int64?
    /// Whether the job waits `queued` while another job of its template runs.
    public var exclusive: Bool?
    /// Survey answers that are secrets (password questions), sealed by the server's key;
    /// opened only by the worker that runs the job.
    public var sealedVars: String?
    /// The names of the sealed variables, for people to see.
    public var sealedVarNames: [String]?
    /// The workflow job whose node launched this job; set by the server.
    public var workflowJobID: Int64?
    /// The node of that workflow job (its row's id); a node launches one job at most.
    public var workflowNodeID: Int64?
    /// For a git project: the commit to run instead of the branch's newest (a forge hook
    /// pins the pushed commit); set by the server. The run ends `error` when the remote
    /// does not have it. A relaunch runs the same commit.
    public var pinnedCommit: String?

    public init(
        project: String, playbook: String, inventory: String,
        extraVars: [String: JSONValue]? = nil, limit: String? = nil, tags: [String]? = nil,
        skipTags: [String]? = nil, check: Bool? = nil, diff: Bool? = nil, verbosity: Int? = nil,
        forks: Int? = nil, timeout: Double? = nil, env: [String: String]? = nil, slices: Int? = nil,
        credentials: [Int64]? = nil, launchedBy: String? = nil, relaunchOf: Int64? = nil
    ) {
        self.project = project
        self.playbook = playbook
        self.inventory = inventory
        self.extraVars = extraVars
        self.limit = limit
        self.tags = tags
        self.skipTags = skipTags
        self.check = check
        self.diff = diff
        self.verbosity = verbosity
        self.forks = forks
        self.timeout = timeout
        self.env = env
        self.slices = slices
        self.credentials = credentials
        self.launchedBy = launchedBy
        self.relaunchOf = relaunchOf
    }

    enum CodingKeys: String, CodingKey {
        case project, playbook, inventory
        case extraVars = "extra_vars"
        case templateVars = "template_vars"
        case limit, tags
        case skipTags = "skip_tags"
        case check, diff, verbosity, forks, timeout, env, slices, credentials, priority, weight
        case workerGroup = "worker_group"
        case workerGroups = "worker_groups"
        case launchedBy = "launched_by"
        case relaunchOf = "relaunch_of"
        case templateID = "template_id"
        case exclusive
        case sealedVars = "sealed_vars"
        case sealedVarNames = "sealed_var_names"
        case workflowJobID = "workflow_job_id"
        case workflowNodeID = "workflow_node_id"
        case pinnedCommit = "pinned_commit"
    }

    /// What jobs that must not run at once share: `template:ID` for a template that does
    /// not allow concurrent runs (a sliced launch's slices run side by side).
    public var exclusiveKey: String? {
        guard exclusive == true, let templateID, (slices ?? 1) <= 1 else { return nil }
        return "template:\(templateID)"
    }

    /// What `inventory` names: a stored inventory or a path in the project.
    public var inventoryRef: InventoryRef { InventoryRef(inventory) }

    /// Checks what can be checked without touching the disk; the error names the field.
    public func validate() throws(ValidationError) {
        for (field, value) in [("project", project), ("playbook", playbook), ("inventory", inventory)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("\(field) is required")
        }
        if let verbosity, !(0...4).contains(verbosity) {
            throw ValidationError("verbosity must be between 0 and 4, got \(verbosity)")
        }
        if let forks, !(1...500).contains(forks) {
            throw ValidationError("forks must be between 1 and 500, got \(forks)")
        }
        if let timeout, !(timeout > 0 && timeout <= 7 * 24 * 3600) {
            throw ValidationError("timeout must be a number of seconds above 0 and at most one week")
        }
        if let slices, !(1...100).contains(slices) {
            throw ValidationError("slices must be between 1 and 100, got \(slices)")
        }
        if let priority, !(-100...100).contains(priority) {
            throw ValidationError("priority must be between -100 and 100, got \(priority)")
        }
        if let workerGroup { try User.validateName(workerGroup, kind: "worker_group") }
        if let credentials {
            if credentials.count > 20 { throw ValidationError("credentials takes at most 20 ids") }
            if Set(credentials).count != credentials.count { throw ValidationError("credentials lists an id twice") }
        }
        if let limit { try LaunchValues.checkLimit(limit) }
        try LaunchValues.checkTags(tags ?? [], field: "tags")
        try LaunchValues.checkTags(skipTags ?? [], field: "skip_tags")
        for (name, value) in (env ?? [:]).sorted(by: { $0.key < $1.key }) {
            try Self.checkAllowedEnvironmentName(name)
            guard value.utf8.count <= LaunchValues.maxEnvironmentValueBytes, !value.contains("\0") else {
                throw ValidationError("env \(name) must be at most \(LaunchValues.maxEnvironmentValueBytes) bytes, without NUL")
            }
        }
        try LaunchValues.checkExtraVars(extraVars ?? [:])
        try LaunchValues.checkExtraVars(templateVars ?? [:])
        if let pinnedCommit, !Self.isCommitID(pinnedCommit) {
            throw ValidationError("pinned_commit must be a commit id (40 or 64 lower-case hex digits), got \"\(pinnedCommit.prefix(100))\"")
        }
    }

    /// A full commit id: 40 (SHA-1) or 64 (SHA-256) lower-case hex digits. Only such an id
    /// is passed to git, which cannot then read it as an option or a ref name.
    public static func isCommitID(_ text: String) -> Bool {
        (text.utf8.count == 40 || text.utf8.count == 64) && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Names a launch may not set: Playhouse's own, and those that change what Ansible, git,
    /// ssh, Python or the shell run or load (a launch could otherwise run commands on the
    /// worker, which holds every credential's key).
    /// This deny-list holds even for admins; launchers are further held to an allow-list
    /// (``LaunchValues/checkLauncherEnvironment(_:declared:)``), because a deny-list always has gaps.
    static let reservedNames: Set<String> = [
        "PATH", "HOME", "SHELL", "ENV", "BASH_ENV", "IFS", "BROWSER", "EDITOR", "PAGER", "TMPDIR", "TMP", "TEMP",
        "SHELLOPTS", "BASHOPTS", "PS4", "PROMPT_COMMAND", "GCONV_PATH", "NLSPATH", "LOCALDOMAIN", "HOSTALIASES",
        "RES_OPTIONS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
    ]
    static let reservedPrefixes = [
        "PLAYHOUSE_", "ANSIBLE_", "LD_", "DYLD_", "PYTHON", "GIT_", "SSH_", "PERL", "RUBY", "NODE_", "XDG_", "SSL_",
        "OPENSSL_", "BASH_FUNC_", "MALLOC_", "GLIBC_",
    ]
    static let reservedSuffixes = ["_PROXY"]

    /// Refuses a name a launch may not set, saying why.
    public static func checkAllowedEnvironmentName(_ name: String) throws(ValidationError) {
        guard isValidEnvironmentName(name) else {
            throw ValidationError(
                "env name \"\(name.prefix(100))\" is not valid: use capital letters, digits and _ (not first a digit), at most 128")
        }
        if reservedNames.contains(name) || reservedPrefixes.contains(where: name.hasPrefix)
            || reservedSuffixes.contains(where: name.hasSuffix)
        {
            throw ValidationError(
                "env name \"\(name)\" is reserved: a launch may not set PATH, HOME or the like, "
                    + "nor names starting with \(reservedPrefixes.joined(separator: ", ")) or ending in _PROXY"
            )
        }
    }

    /// `[A-Z_][A-Z0-9_]*`
    public static func isValidEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.utf8.count <= 128 else { return false }
        func isUpper(_ scalar: Unicode.Scalar) -> Bool { ("A"..."Z").contains(scalar) || scalar == "_" }
        return isUpper(first) && name.unicodeScalars.allSatisfy { isUpper($0) || ("0"..."9").contains($0) }
    }
}

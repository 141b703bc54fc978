import PlayhouseCore

/// One run of `ansible-playbook`: what to run, against which inventory, with which options.
public struct PlaybookRunRequest: Sendable {
    /// Absolute path of the playbook; relative to the checkout when ``git`` is set.
    public var playbook: String
    /// Where to run from (the project folder): relative paths in the playbook start here.
    /// Unused when ``git`` is set: the run happens in the checkout.
    public var workingDirectory: String
    /// A project in git: cloned into the run directory first; then `playbook` and a
    /// `.path` inventory are paths inside that checkout.
    public var git: GitSource?
    /// The inventory: an absolute path (file, folder or executable script), or inline
    /// content written into the run's private directory.
    public var inventory: InventorySource
    /// Extra vars that are data: Ansible gets them marked unsafe and never templates them.
    public var extraVars: [String: JSONValue]
    /// Extra vars Ansible may template (`{{ … }}`): only what an admin wrote. ``extraVars``
    /// override them.
    public var templateVars: [String: JSONValue]
    public var limit: String?
    public var tags: [String]
    public var skipTags: [String]
    public var check: Bool
    public var diff: Bool
    public var verbosity: Int
    public var forks: Int?
    /// Stop the run (like a cancel) and end it `error` after this long.
    public var timeout: Duration?
    /// Extra environment for the run and its dynamic inventory script.
    public var environment: [String: String]
    /// Logins, become and vault passwords; their values are masked in what the run reports.
    public var credentials: RunCredentials
    /// More values to mask in what the run reports (secret survey answers).
    public var maskedValues: [String] = []
    /// Names the run's processes (as `PLAYHOUSE_JOB` in their environment), so that
    /// ``PlaybookRunner/cleanUpAfterCrash(jobTags:)`` can find them after a crash.
    public var jobTag: String?

    public init(
        playbook: String, workingDirectory: String, inventory: InventorySource,
        extraVars: [String: JSONValue] = [:], templateVars: [String: JSONValue] = [:], limit: String? = nil, tags: [String] = [],
        skipTags: [String] = [], check: Bool = false, diff: Bool = false, verbosity: Int = 0,
        forks: Int? = nil, timeout: Duration? = nil, environment: [String: String] = [:],
        credentials: RunCredentials = RunCredentials(), jobTag: String? = nil
    ) {
        self.playbook = playbook
        self.workingDirectory = workingDirectory
        self.inventory = inventory
        self.extraVars = extraVars
        self.templateVars = templateVars
        self.limit = limit
        self.tags = tags
        self.skipTags = skipTags
        self.check = check
        self.diff = diff
        self.verbosity = verbosity
        self.forks = forks
        self.timeout = timeout
        self.environment = environment
        self.credentials = credentials
        self.jobTag = jobTag
    }
}

/// Where the hosts come from.
public enum InventorySource: Sendable, Equatable {
    /// A file, folder or executable script on disk.
    case path(String)
    /// INI or YAML text.
    case text(String)
    /// An executable script (with its `#!` line), run with `--list`.
    case script(String)
    /// Ansible's inventory JSON, as a script prints it for `--list` (from an HTTP source).
    case json(JSONValue)
}

/// What a run reports while it goes.
public enum RunUpdate: Sendable, Equatable {
    /// An Ansible callback event, numbered from 1.
    case event(JobEvent)
    /// A piece of Ansible's stdout or stderr, exactly as printed (colours included).
    case output(String)
    /// The commit of a git project the run cloned, before Ansible starts.
    case checkout(commit: String)
}

/// How a run ended.
public struct RunResult: Sendable, Equatable {
    public var outcome: RunOutcome
    /// `ansible-playbook`'s exit code; nil when it was killed by a signal.
    public var exitCode: Int?
    /// Progress and per-host counts folded from the events.
    public var summary: JobSummary

    public init(outcome: RunOutcome, exitCode: Int?, summary: JobSummary) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.summary = summary
    }
}

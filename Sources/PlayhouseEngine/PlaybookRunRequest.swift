public import PlayhouseCore

/// One run of `ansible-playbook`: what to run, against which inventory, with which options.
///
/// Hand it to ``PlaybookRunner/updates(_:)`` or ``PlaybookRunner/run(_:control:onUpdates:)``.
/// What the run needs besides the project (extra vars, inline inventory, secrets) is
/// written into the run's private directory and removed with it; Playhouse writes nothing
/// into the project. Options become `--name=value` arguments, never passed through a shell.
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
    /// A host pattern that narrows the inventory (`--limit`); nil or empty for every host
    /// the plays target.
    public var limit: String?
    /// Run only the tasks carrying one of these tags (`--tags`); empty for all tasks.
    public var tags: [String]
    /// Leave out the tasks carrying one of these tags (`--skip-tags`).
    public var skipTags: [String]
    /// Only report what would change, changing nothing (`--check`).
    public var check: Bool
    /// Show what changes in files and templates (`--diff`).
    public var diff: Bool
    /// How many `-v` Ansible gets: 0 for none; more than 4 counts as 4.
    public var verbosity: Int
    /// How many hosts Ansible works on at once (`--forks`); nil for Ansible's setting.
    public var forks: Int?
    /// How long the run may take; past it the run is stopped like a cancel and ends with
    /// status `error` ("timed out after …"). Nil for no limit.
    public var timeout: Duration?
    /// Extra environment for the run and its dynamic inventory script.
    ///
    /// It replaces what Playhouse passes on from its own environment (`PATH`, `HOME`,
    /// `ANSIBLE_*`, …), while the variables Playhouse sets for the run itself (its callback
    /// plugin, event pipe and temporary folders) win over it.
    public var environment: [String: String]
    /// Logins, become and vault passwords; their values are masked in what the run reports.
    public var credentials: RunCredentials
    /// More values to mask in what the run reports (secret survey answers).
    public var maskedValues: [String] = []
    /// The fact cache: nil leaves Ansible's own setting; otherwise the hosts' last known
    /// facts (by inventory hostname), given to Ansible as its `jsonfile` fact cache, and
    /// the run's ``RunResult/facts`` are the facts it gathered.
    public var facts: [String: JSONValue]?
    /// The Ansible environment an admin chose for the run; nil lets the project's
    /// `playhouse.yml` decide, and without one the runner's own
    /// ``PlaybookRunner/ansible`` runs.
    public var ansibleEnvironment: ChosenEnvironment?
    /// Names the run's processes (as `PLAYHOUSE_JOB` in their environment), so that
    /// ``PlaybookRunner/cleanUpAfterCrash(jobTags:)`` can find them after a crash.
    public var jobTag: String?

    /// A request to run `playbook` against `inventory`.
    ///
    /// Each parameter sets the property of the same name; the defaults run the whole
    /// playbook once, on every host, with no extra vars, credentials or time limit.
    ///
    /// - Parameters:
    ///   - playbook: Absolute path of the playbook, or its path inside the checkout when
    ///     ``git`` is set.
    ///   - workingDirectory: The project folder the run starts in.
    ///   - inventory: Where the hosts come from.
    ///   - extraVars: Extra vars that are data, never templated.
    ///   - templateVars: Extra vars Ansible may template; `extraVars` override them.
    ///   - limit: A host pattern that narrows the inventory.
    ///   - tags: Run only tasks with one of these tags.
    ///   - skipTags: Leave out tasks with one of these tags.
    ///   - check: Change nothing, only report.
    ///   - diff: Show what changes in files.
    ///   - verbosity: How many `-v`, 0 to 4.
    ///   - forks: How many hosts at once; nil for Ansible's setting.
    ///   - timeout: How long the run may take; nil for no limit.
    ///   - environment: Extra environment for the run and its inventory script.
    ///   - credentials: Logins, become and vault passwords.
    ///   - jobTag: A name for the run's processes, for ``PlaybookRunner/cleanUpAfterCrash(jobTags:)``.
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
///
/// Inline inventories (``text(_:)``, ``script(_:)``, ``json(_:)``) are written into the
/// run's private directory (0600, or 0700 for a script) and removed with it.
public enum InventorySource: Sendable, Equatable {
    /// A file, folder or executable script on disk: absolute or relative to the working
    /// directory, or a path inside the checkout when the request has a
    /// ``PlaybookRunRequest/git`` source.
    case path(String)
    /// INI or YAML text; Ansible's inventory plugins decide which it is.
    case text(String)
    /// An executable script (with its `#!` line), run with `--list`, with the run's
    /// environment.
    case script(String)
    /// Ansible's inventory JSON, as a script prints it for `--list` (from an HTTP source).
    case json(JSONValue)
}

/// What a run reports while it goes.
///
/// Updates come in the order they happened, in batches (see
/// ``PlaybookRunner/run(_:control:onUpdates:)``) or one by one (see
/// ``PlaybookRunner/updates(_:)``). The run's secrets are masked in all of them.
public enum RunUpdate: Sendable, Equatable {
    /// An Ansible callback event, numbered from 1 without gaps. Past
    /// ``RunLimits/maxEvents`` only the recap still comes.
    case event(JobEvent)
    /// A piece of Ansible's stdout or stderr in whole lines (the last may lack its
    /// newline), as printed with colours, overlong lines cut at ``RunLimits/maxLineBytes``.
    case output(String)
    /// The commit of a git project the run cloned, before Ansible starts.
    case checkout(commit: String)
    /// The Ansible environment the run uses, and where it was chosen, before Ansible
    /// starts: `ansible-core 2.17.14 (playhouse.yml)`. None comes for the runner's own.
    case environment(String)
    /// The SSH host keys the clone trusted on first sight, as `known_hosts` text, right
    /// after ``checkout(commit:)``: its ``GitSource/knownHosts`` were empty. Keep them as
    /// the source's known hosts, so that the next clones refuse a changed key.
    case learnedHostKeys(String)
    /// What the git project's mirror holds once the run has fetched it (or found it needed no
    /// fetch); it comes also when the checkout then fails.
    case mirror(MirrorState)
    /// The requirements cache entries the run's checkout uses, once they are installed.
    case requirements([CachedRequirements])
    /// The run's summary folded from its events (`JobSummary.apply(_:)`), last in every
    /// batch that has events: it covers them all, and perhaps a few events that the next
    /// batch brings. Consumers keep the latest instead of folding the events again.
    case summary(JobSummary)
}

/// An Ansible environment an admin defined, by name, chosen for a project or template.
public struct ChosenEnvironment: Sendable, Equatable {
    /// The name the admin gave it.
    public var name: String
    /// What it holds.
    public var environment: AnsibleEnvironment

    /// A chosen environment.
    public init(name: String, environment: AnsibleEnvironment) {
        self.name = name
        self.environment = environment
    }
}

/// How a run ended, as ``PlaybookRunner/run(_:control:onUpdates:)`` returns it.
public struct RunResult: Sendable, Equatable {
    /// The final status (successful, failed, error, canceled) and, for an error, the
    /// message that explains it: Ansible's error line, a timeout, a shutdown.
    public var outcome: RunOutcome
    /// `ansible-playbook`'s exit code; nil when it was killed by a signal.
    public var exitCode: Int?
    /// Progress and per-host counts folded from the events.
    public var summary: JobSummary
    /// With a fact cache (``PlaybookRunRequest/facts``): the facts the run gathered or
    /// cached, by inventory hostname.
    public var facts: [String: JSONValue] = [:]

    /// A result from its parts; ``PlaybookRunner`` makes one when a run ends.
    ///
    /// - Parameters:
    ///   - outcome: The final status and its message.
    ///   - exitCode: `ansible-playbook`'s exit code; nil when a signal killed it.
    ///   - summary: Progress and per-host counts folded from the events.
    public init(outcome: RunOutcome, exitCode: Int?, summary: JobSummary) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.summary = summary
    }
}

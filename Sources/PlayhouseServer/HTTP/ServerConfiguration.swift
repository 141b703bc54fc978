import PlayhouseCore
import PlayhouseStore

/// How the web server runs.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// How often an idle live stream sends a comment, so a departed client is noticed.
    public var heartbeat: Duration
    /// How often the scheduler looks for due schedules.
    public var scheduleInterval: Duration
    /// How often workflows are looked at without a wake-up (approval timeouts, a missed
    /// wake-up from another process).
    public var workflowInterval: Duration

    /// The largest request body accepted (stored inventories, extra vars).
    public static let maxBodyBytes = 1024 * 1024

    public init(
        host: String = "127.0.0.1", port: Int = 8080, heartbeat: Duration = .seconds(15), scheduleInterval: Duration = .seconds(10),
        workflowInterval: Duration = .seconds(1)
    ) {
        self.host = host
        self.port = port
        self.heartbeat = heartbeat
        self.scheduleInterval = scheduleInterval
        self.workflowInterval = workflowInterval
    }
}

/// Resolves an inventory to Ansible's JSON (through `ansible-inventory --list`) as the
/// launcher would see it, with the given extra environment and host pattern. Provided by
/// the runner side, so the server never starts Ansible itself.
public typealias InventoryHostResolver =
    @Sendable (
        _ inventory: ResolvedInventory, _ launcher: Launcher?, _ environment: [String: String], _ limit: String?
    ) async throws -> JSONValue

/// GETs JSON from a URL (survey choices), waiting at most `timeout`; a failure is a
/// `ValidationError` naming the URL. Provided by the runner side, like the host resolver.
public typealias JSONFetcher = @Sendable (_ url: String, _ timeout: Duration) async throws -> JSONValue

/// The playbooks and inventory files of a git project, from a checkout of its mirror. Provided by
/// the runner side.
public typealias GitProjectContents = @Sendable (_ project: GitProject) async throws -> ProjectContents

/// What the server works with.
public struct ServerDependencies: Sendable {
    public var store: Store
    public var catalog: any ProjectFolders
    public var resolveHosts: InventoryHostResolver
    public var fetchJSON: JSONFetcher
    public var gitContents: GitProjectContents
    /// How long a worker may go without a heartbeat before it shows as lost.
    public var lease: Duration
    /// Seals credentials' secrets for the store.
    public var secrets: SecretBox
    /// Mark session cookies `Secure` (only sent over HTTPS): on when Playhouse is served
    /// over HTTPS, through a proxy that terminates TLS.
    public var secureCookies: Bool
    /// Where people reach Playhouse (`--public-url`): the only host it answers to besides
    /// loopback names and its own addresses, the only origin its pages have behind a
    /// proxy, and the base of the links it sends out. Nil: reached directly.
    public var publicURL: WebOrigin?
    /// Which extra vars Ansible may template; the rest reach it as data.
    public var jinjaPolicy: JinjaPolicy
    /// `/metrics` without signing in (for a Prometheus on a private network); otherwise it
    /// needs an admin.
    public var openMetrics = false
    /// The addresses of reverse proxies whose `X-Forwarded-For` names the client
    /// (`--trusted-proxies`); empty: the header is ignored.
    public var trustedProxies: Set<String> = []
    /// Whose browser sign-ins need a second factor (`--require-2fa`).
    public var secondFactorRequirement = SecondFactorRequirement.none
    /// Passwords, OpenID Connect providers, or both (`--oidc-config`, `--no-local-sign-in`).
    public var signIn = SignInPolicy()
    /// How much slow work runs at once, and how many streams a user holds open.
    public var limits: ResourceLimits { work.limits }
    /// Counts that work; every copy of these dependencies shares it.
    let work: WorkLimits

    public init(
        store: Store, catalog: any ProjectFolders, secrets: SecretBox, lease: Duration = .seconds(30),
        secureCookies: Bool = false, publicURL: WebOrigin? = nil, jinjaPolicy: JinjaPolicy = .template,
        limits: ResourceLimits = ResourceLimits(),
        fetchJSON: @escaping JSONFetcher, gitContents: @escaping GitProjectContents,
        resolveHosts: @escaping InventoryHostResolver
    ) {
        self.store = store
        self.catalog = catalog
        self.secrets = secrets
        self.lease = lease
        self.secureCookies = secureCookies
        self.publicURL = publicURL
        self.jinjaPolicy = jinjaPolicy
        work = WorkLimits(limits)
        self.resolveHosts = resolveHosts
        self.fetchJSON = fetchJSON
        self.gitContents = gitContents
    }
}

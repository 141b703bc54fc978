import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseEngine
import PlayhouseServer
import PlayhouseStore
import PlayhouseWorker
import ServiceLifecycle

/// `playhouse serve`: the web page, the API and (unless `--workers 0`) embedded workers.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the web page and API, and run jobs.")

    @Option(name: .long, help: "Address to listen on (env PLAYHOUSE_HOST).")
    var host: String = ProcessInfo.processInfo.environment["PLAYHOUSE_HOST"] ?? "127.0.0.1"

    @Option(name: .long, help: "Port to listen on (env PLAYHOUSE_PORT).")
    var port: Int = ProcessInfo.processInfo.environment["PLAYHOUSE_PORT"].flatMap(Int.init) ?? 8080

    // With an inversion, a default the environment turns on is allowed (ArgumentParser
    // refuses a flag that defaults to true and cannot be turned off).
    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Mark session cookies Secure: set when users reach Playhouse over HTTPS (env PLAYHOUSE_SECURE_COOKIES=1).")
    var secureCookies: Bool = ProcessInfo.processInfo.environment["PLAYHOUSE_SECURE_COOKIES"] == "1"

    @Option(
        name: .long,
        help: """
            The URL people reach Playhouse at, e.g. https://playhouse.example.com: the one host name it answers to besides \
            localhost and its own addresses, and the base of links in notifications (env PLAYHOUSE_PUBLIC_URL).
            """)
    var publicURL: String = ProcessInfo.processInfo.environment["PLAYHOUSE_PUBLIC_URL"] ?? ""

    @Option(
        name: .long,
        help:
            """
            Which extra vars Ansible may template: never, template (only what admins wrote into templates) \
            or always (env PLAYHOUSE_JINJA_IN_EXTRA_VARS).
            """
    )
    var jinjaInExtraVars: String = ProcessInfo.processInfo.environment["PLAYHOUSE_JINJA_IN_EXTRA_VARS"] ?? JinjaPolicy.template.rawValue

    @Option(name: .long, help: "Jobs run at once in this process; 0 serves only the web and API (env PLAYHOUSE_WORKERS).")
    var workers: Int =
        ProcessInfo.processInfo.environment["PLAYHOUSE_WORKERS"].flatMap(Int.init)
        ?? ProcessInfo.processInfo.activeProcessorCount

    @Option(
        name: .long,
        help: """
            A worker group whose jobs the embedded workers take, beside jobs that name none; repeat for several \
            (env PLAYHOUSE_WORKER_GROUPS, comma-separated; default: default).
            """)
    var workerGroup: [String] = []

    @OptionGroup var capacityOptions: CapacityOptions

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Serve /metrics without signing in, for a Prometheus on a private network (env PLAYHOUSE_OPEN_METRICS=1).")
    var openMetrics: Bool = ProcessInfo.processInfo.environment["PLAYHOUSE_OPEN_METRICS"] == "1"

    @Option(
        name: .long,
        help: """
            The addresses of reverse proxies in front (comma-separated, e.g. 127.0.0.1,::1): from them, \
            X-Forwarded-For names the client, for the audit log and the sign-in throttle (env PLAYHOUSE_TRUSTED_PROXIES).
            """)
    var trustedProxies: String = ProcessInfo.processInfo.environment["PLAYHOUSE_TRUSTED_PROXIES"] ?? ""

    @Option(
        name: .customLong("require-2fa"),
        help: """
            Who must sign in with a second factor (TOTP) in the browser: none, admins or everyone; such a user without one \
            can do nothing but set it up until they do (env PLAYHOUSE_REQUIRE_2FA).
            """)
    var require2fa: String = ProcessInfo.processInfo.environment["PLAYHOUSE_REQUIRE_2FA"] ?? SecondFactorRequirement.none.rawValue

    @OptionGroup var common: CommonOptions

    @OptionGroup var limits: LimitOptions

    @OptionGroup(title: "Daily cleanup (off unless --older-than is given)") var retention: RetentionOptions

    @OptionGroup(title: "Email notifications (off unless --smtp-url is given)") var smtp: SMTPOptions

    @OptionGroup(title: "Signing in") var signIn: SignInOptions

    func validate() throws {
        guard (1...65535).contains(port) else { throw ArgumentParser.ValidationError("--port must be 1 to 65535") }
        guard workers >= 0 else { throw ArgumentParser.ValidationError("--workers must be 0 or more") }
        _ = try CapacityOptions.groups(workerGroup, variable: "PLAYHOUSE_WORKER_GROUPS", option: "--worker-group")
        do {
            _ = try site
        } catch {
            throw ArgumentParser.ValidationError("--public-url: \(error.message)")
        }
        guard SecondFactorRequirement(rawValue: require2fa) != nil else {
            throw ArgumentParser.ValidationError("--require-2fa must be none, admins or everyone")
        }
        guard JinjaPolicy(rawValue: jinjaInExtraVars) != nil else {
            throw ArgumentParser.ValidationError("--jinja-in-extra-vars must be never, template or always")
        }
        do {
            _ = try TrustedProxies.parse(trustedProxies)
        } catch {
            throw ArgumentParser.ValidationError("--trusted-proxies: \(error.message)")
        }
    }

    /// `--public-url`, parsed; nil when not given.
    var site: WebOrigin? {
        get throws(PlayhouseCore.ValidationError) { publicURL.isEmpty ? nil : try WebOrigin(publicURL) }
    }

    func run() async throws {
        let logger = common.store.logger("playhouse")
        let site = try site
        if site == nil, !["127.0.0.1", "::1", "localhost"].contains(host) {
            logger.notice(
                "no --public-url: only requests to localhost or an IP address of this machine are answered; set it to the URL people use")
        }
        let smtp = try smtp.configuration()
        if let smtp {
            logger.info("email notifications go through \(smtp)", metadata: ["from": .string(smtp.from.description)])
        }
        try await common.withComposition(logger: logger) { composition in
            let store = composition.store
            try await FirstAdmin.ensure(store: store, logger: logger)
            var services: [any Service] = [
                composition.leaseReaper, composition.queueWatch, composition.notifier(publicURL: site, smtp: smtp),
            ]
            if retention.isSet {
                let retention = retention
                services.append(Cleaner(store: store, policy: { retention.policy(at: $0)! }, logger: logger))
            }
            if workers > 0 {
                let groups = try CapacityOptions.groups(workerGroup, variable: "PLAYHOUSE_WORKER_GROUPS", option: "--worker-group")
                let pool = composition.workerPool(
                    name: CommonOptions.defaultWorkerName, capacity: workers, groups: groups, capacityForks: capacityOptions.capacityForks,
                    reserveAfter: capacityOptions.reserveAfter)
                var interrupted: [Int64] = []
                if !common.store.usesPostgres {
                    // SQLite means this process is the only worker: whatever is still
                    // running was left by the previous server.
                    interrupted = try await store.jobs.interruptRunning(message: "interrupted: server stopped")
                    if !interrupted.isEmpty {
                        logger.warning("ended jobs left running by the last server", metadata: ["jobs": "\(interrupted)"])
                    }
                }
                // On PostgreSQL too: the runs a crashed server left are stopped now, though
                // their jobs (run under that server's own name) end "worker lost" only when
                // their lease runs out. Runs of live processes sharing the folder go on.
                try await pool.cleanUpAfterCrash(interrupted: interrupted)
                services.append(pool)
            } else if !common.store.usesPostgres {
                logger.warning("--workers 0 with SQLite: nothing runs the jobs; use PostgreSQL and `playhouse worker`")
            }
            var dependencies = composition.serverDependencies(
                secureCookies: secureCookies, publicURL: site, jinjaPolicy: JinjaPolicy(rawValue: jinjaInExtraVars) ?? .template,
                limits: limits.resourceLimits)
            dependencies.openMetrics = openMetrics
            dependencies.trustedProxies = try TrustedProxies.parse(trustedProxies)
            dependencies.secondFactorRequirement = SecondFactorRequirement(rawValue: require2fa) ?? .none
            dependencies.signIn = try signIn.policy()
            let app = buildApplication(
                configuration: ServerConfiguration(host: host, port: port),
                dependencies: dependencies, services: services, logger: logger)
            logger.info(
                "Playhouse serving",
                metadata: [
                    "url": .string(site?.description ?? "http://\(host):\(port)"), "projects": .string(composition.catalog.root),
                    "ansible": .string(composition.runner.ansible.binDirectory), "workers": "\(workers)",
                    "database": .string(common.store.usesPostgres ? "postgres" : common.store.database),
                ])
            try await app.runService()
        }
    }
}

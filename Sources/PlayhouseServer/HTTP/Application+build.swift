import Hummingbird
import Logging
import PlayhouseCore
import PlayhouseStore
import ServiceLifecycle

/// The router with every API route and page, as the server and the tests use it.
///
/// Every request is first checked for a `Host` this server serves, then signed in (an API
/// token or a session cookie, if it has one), CSRF-checked and, for a session that must set
/// up a second factor first, held to doing that; then each route sits behind the gate of
/// the least role that may use it.
/// Open to everyone: `/api/v1/health`, `/api/v1/openapi.json`, signing in and out (with a
/// password, or through a provider at `/auth/oidc/…`), the sign-in page and assets.
public func buildRouter(dependencies: ServerDependencies) -> Router<PlayhouseContext> {
    let router = Router(context: PlayhouseContext.self)
    let identities = IdentityCache()
    router.middlewares.add(RequestIDMiddleware())
    if !dependencies.trustedProxies.isEmpty { router.middlewares.add(ForwardedForMiddleware(trusted: dependencies.trustedProxies)) }
    router.middlewares.add(MetricsMiddleware(metrics: dependencies.store.metrics))
    router.middlewares.add(SecurityHeadersMiddleware())
    router.middlewares.add(APIErrorMiddleware())
    let site = Site(publicURL: dependencies.publicURL, secureCookies: dependencies.secureCookies)
    router.middlewares.add(HostCheckMiddleware(site: site))
    router.middlewares.add(
        SignInMiddleware(store: dependencies.store, cache: identities, requirement: dependencies.secondFactorRequirement))
    router.middlewares.add(CSRFMiddleware(site: site))
    router.middlewares.add(SecondFactorGate())
    let routes = MethodNotAllowedMiddleware.Routes()
    router.middlewares.add(MethodNotAllowedMiddleware(routes: routes))
    let pages = Pages()
    router.middlewares.add(PageNotFoundMiddleware(pages: pages))
    let api = router.group("api/v1")
    HealthRoutes(store: dependencies.store).add(open: api)
    OpenAPIRoutes().add(open: api)
    let read = api.group().add(middleware: roleGate(.viewer))
    let operate = api.group().add(middleware: roleGate(.operator))
    let admin = api.group().add(middleware: roleGate(.admin))
    let sessions = SessionRoutes(dependencies: dependencies, identities: identities)
    sessions.add(open: api, signedIn: read)
    SingleSignOnRoutes(dependencies: dependencies, sessions: sessions, identities: identities).add(open: router, api: api)
    JobRoutes(dependencies: dependencies).add(read: read, operate: operate)
    TemplateRoutes(dependencies: dependencies).add(read: read, operate: operate, admin: admin)
    InventoryRoutes(dependencies: dependencies).add(read: read, admin: admin)
    CredentialRoutes(dependencies: dependencies).add(read: read, admin: admin)
    ProjectRoutes(dependencies: dependencies).add(read: read, admin: admin)
    EnvironmentRoutes(dependencies: dependencies).add(read: read, admin: admin)
    ProjectSyncRoutes(dependencies: dependencies).add(read: read, operate: operate)
    WorkerRoutes(dependencies: dependencies).add(read: read)
    HostRoutes(dependencies: dependencies).add(read: read)
    // Wrong passwords and codes sent by someone signed in, per user: a stolen session
    // cannot be used to guess what stands behind it.
    let ownGuesses = LoginThrottle()
    UserRoutes(dependencies: dependencies, identities: identities, passwordGuesses: ownGuesses).add(signedIn: read, admin: admin)
    SecondFactorRoutes(dependencies: dependencies, identities: identities, guesses: ownGuesses).add(signedIn: read)
    TokenRoutes(dependencies: dependencies, identities: identities).add(signedIn: read)
    AuditRoutes(dependencies: dependencies).add(admin: admin)
    ScheduleRoutes(dependencies: dependencies).add(read: read, admin: admin)
    WorkflowRoutes(dependencies: dependencies).add(read: read, operate: operate, admin: admin)
    NotificationRoutes(dependencies: dependencies).add(admin: admin)
    HookRoutes(dependencies: dependencies).add(open: api, admin: admin)
    ForgeHookRoutes(dependencies: dependencies).add(open: api, admin: admin)
    ProjectForgeHookRoutes(dependencies: dependencies).add(open: api, admin: admin)
    // Open to a Prometheus on a private network when asked; otherwise an admin's token.
    MetricsRoutes(dependencies: dependencies).add(
        to: dependencies.openMetrics ? router.group() : router.group().add(middleware: roleGate(.admin)))
    pages.add(open: router, signedIn: router.group().add(middleware: PageSignInGate()))
    routes.record(router.routes)
    return router
}

/// The whole web server: routes, pages and the services that live as long as it does.
public func buildApplication(
    configuration: ServerConfiguration, dependencies: ServerDependencies,
    services: [any Service] = [], logger: Logger
) -> some ApplicationProtocol {
    Application(
        router: buildRouter(dependencies: dependencies),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Playhouse"),
        services: [
            Heartbeat(notifications: dependencies.store.notifications, interval: configuration.heartbeat),
            ScheduleService(dependencies: dependencies, interval: configuration.scheduleInterval, logger: logger),
            WorkflowConductor(dependencies: dependencies, interval: configuration.workflowInterval, logger: logger),
        ] + services,
        logger: logger)
}

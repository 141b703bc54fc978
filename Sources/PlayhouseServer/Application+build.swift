import Hummingbird
import ServiceLifecycle
import Logging
import PlayhouseCore
import PlayhouseStore

/// The router with every API route and page, as the server and the tests use it.
public func buildRouter(dependencies: ServerDependencies) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(APIErrorMiddleware())
    let api = router.group("api/v1")
    api.get("health") { _, _ in ["status": "ok"] }
    JobRoutes(dependencies: dependencies).add(to: api)
    InventoryRoutes(dependencies: dependencies).add(to: api)
    CredentialRoutes(dependencies: dependencies).add(to: api)
    ProjectRoutes(dependencies: dependencies).add(to: api)
    WorkerRoutes(dependencies: dependencies).add(to: api)
    Pages().add(to: router)
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
        services: [Heartbeat(notifications: dependencies.store.notifications, interval: configuration.heartbeat)] + services,
        logger: logger)
}

// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Libraries whose imports are internal unless marked `public import`: what a module
/// exposes of another is said where it is imported.
let librarySettings = swiftSettings + [.enableUpcomingFeature("InternalImportsByDefault")]

let package = Package(
    name: "playhouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "playhouse", targets: ["playhouse"]),
        .library(name: "PlayhouseEngine", targets: ["PlayhouseEngine"]),
        .executable(name: "playhouse-bench", targets: ["PlayhouseBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        .target(
            name: "PlayhouseCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: librarySettings
        ),
        .target(
            name: "PlayhouseStore",
            dependencies: [
                "PlayhouseCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only for ConnectionPoolError, which PostgresNIO passes on from its pool.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: librarySettings
        ),
        .target(
            name: "PlayhouseEngine",
            dependencies: [
                "PlayhouseCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Resources/callback_plugins")],
            swiftSettings: librarySettings
        ),
        .target(
            name: "PlayhouseWorker",
            dependencies: [
                "PlayhouseCore",
                "PlayhouseEngine",
                "PlayhouseStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PlayhouseServer",
            dependencies: [
                "PlayhouseCore",
                "PlayhouseStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            resources: [.copy("Resources/public"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings
        ),
        /// The client commands (`login`, `launch`, `jobs`, …) over the API's client, generated at
        /// build time from the server's OpenAPI document (`openapi.json` links to it), so they
        /// cannot drift from it.
        .target(
            name: "PlayhouseClient",
            dependencies: [
                "PlayhouseCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        .executableTarget(
            name: "playhouse",
            dependencies: [
                "PlayhouseCore",
                "PlayhouseStore",
                "PlayhouseEngine",
                "PlayhouseWorker",
                "PlayhouseServer",
                "PlayhouseClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PlayhouseTestSupport",
            dependencies: [
                "PlayhouseCore",
                "PlayhouseStore",
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Tests/PlayhouseTestSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "PlayhouseBench",
            dependencies: [
                "PlayhouseCore",
                "PlayhouseTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            path: "Benchmarks/PlayhouseBench",
            resources: [.copy("Resources")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlayhouseCoreTests",
            dependencies: ["PlayhouseCore", "PlayhouseTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlayhouseStoreTests",
            dependencies: [
                "PlayhouseStore", "PlayhouseTestSupport", .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlayhouseEngineTests",
            dependencies: ["PlayhouseEngine", "PlayhouseTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlayhouseServerTests",
            dependencies: [
                "PlayhouseServer",
                "PlayhouseEngine",
                "PlayhouseWorker",
                "PlayhouseTestSupport",
                "playhouse",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PlayhouseCore
import PlayhouseServer
import PlayhouseStore
import PlayhouseTestSupport
import Testing

@testable import playhouse

/// The OpenAPI document is the API's contract: every route under `/api/v1` is in it, every
/// operation in it is a route, and the server serves the repository's file byte for byte.
/// (What each operation answers is checked by ``OpenAPIFuzzTests``.)
@Suite struct OpenAPIContractTests {
    static let file = TestPaths.root + "/Sources/PlayhouseServer/Resources/openapi.json"

    /// The router as `serve` builds it.
    static func withRouter<T>(_ body: (Router<PlayhouseContext>) async throws -> T) async throws -> T {
        try await TestPaths.withStore { store in
            try await body(
                buildRouter(
                    dependencies: try Composition.forTests(store: store, logger: Logger(label: "test")).serverDependencies()))
        }
    }

    static func document() throws -> JSONValue {
        try #require(JSONValue.parse(String(contentsOfFile: file, encoding: .utf8)), "\(file) is not JSON")
    }

    /// Every operation of the document as `METHOD /path/{parameter}`.
    static func operations(of document: JSONValue) throws -> [String: JSONValue] {
        guard case .object(let paths)? = document["paths"] else { throw TestFailure("the document has no paths") }
        var operations: [String: JSONValue] = [:]
        for (path, item) in paths {
            guard case .object(let methods) = item else { throw TestFailure("\(path) is not an object") }
            for (method, operation) in methods where ["get", "put", "post", "delete", "patch", "head", "options"].contains(method) {
                operations["\(method.uppercased()) \(path)"] = operation
            }
        }
        return operations
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() async throws {
        let documented = Set(try Self.operations(of: try Self.document()).keys)
        let routes = try await Self.withRouter { router in
            Set(router.routes.map { "\($0.method) \($0.path)" }.filter { $0.contains(" /api/") })
        }
        #expect(routes.count > 60, "the router lists its API routes")
        #expect(routes.subtracting(documented).sorted() == [], "routes that the OpenAPI document lacks")
        #expect(documented.subtracting(routes).sorted() == [], "operations in the OpenAPI document that are no route")
    }

    @Test func theDocumentIsOpenAPI31WithOneIDPerOperationAndEveryPathParameterDeclared() throws {
        let document = try Self.document()
        #expect(document["openapi"] == .string("3.1.0"))
        let operations = try Self.operations(of: document)
        let ids = operations.values.compactMap { $0["operationId"]?.stringValue }
        #expect(ids.count == operations.count, "every operation has an operationId")
        #expect(Set(ids).count == ids.count, "operationIds are unique")
        for (key, operation) in operations {
            let path = key.split(separator: " ")[1]
            let captures = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
            guard case .array(let parameters) = operation["parameters"] ?? .array([]) else { continue }
            let declared = parameters.filter { $0["in"] == .string("path") }.compactMap { $0["name"]?.stringValue }
            #expect(declared.sorted() == captures.sorted(), "\(key) declares its path parameters")
            #expect(operation["responses"] != nil, "\(key) has its answers")
        }
    }

    /// The launch fields are one list in the code (``LaunchField``); the document's launch
    /// bodies name exactly those, with what each body adds.
    @Test func theLaunchBodiesNameEveryLaunchField() throws {
        guard case .object(let schemas)? = try Self.document()["components"]?["schemas"] else { throw TestFailure("no schemas") }
        func properties(_ name: String) throws -> Set<String> {
            guard case .object(let properties)? = schemas[name]?["properties"] else { throw TestFailure("no schema \(name)") }
            return Set(properties.keys)
        }
        let fields = Set(LaunchField.allCases.map(\.rawValue))
        #expect(try properties("LaunchRequest") == fields)
        #expect(try properties("TemplateLaunchRequest") == fields.union(["survey"]))
        #expect(try properties("TemplateRequest").isSuperset(of: fields))
    }

    @Test func theServerServesTheFileToEveryone() async throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: Self.file))
        try await Self.withRouter { router in
            try await Application(router: router).test(.router) { client in
                // A token that signs in no one: the document is open like /health.
                let response = try await client.execute(
                    uri: "/api/v1/openapi.json", method: .get, headers: [.authorization: "Bearer ph_nobody"])
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                #expect(Array(response.body.readableBytesView) == Array(file), "the served document is the repository's file")
            }
        }
    }
}

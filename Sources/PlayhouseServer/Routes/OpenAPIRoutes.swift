import Foundation
import Hummingbird

/// `GET /api/v1/openapi.json`: the API's contract, open to everyone like `/api/v1/health`,
/// so that clients and tools read what this very build answers. The document is
/// `Resources/openapi.json`, shipped inside Playhouse and served from memory as it is.
struct OpenAPIRoutes: Sendable {
    /// The document's bytes; nil only when a build left the resource out.
    static let document: ByteBuffer? = Bundle.module.url(forResource: "openapi", withExtension: "json")
        .flatMap { FileManager.default.contents(atPath: $0.path) }
        .map { ByteBuffer(bytes: $0) }

    func add(open: RouterGroup<PlayhouseContext>) {
        open.get("openapi.json") { _, _ in
            guard let document = Self.document else {
                throw APIError(
                    .internalServerError, "the OpenAPI document is missing from this build", detail: "rebuild Playhouse from its repository"
                )
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: document))
        }
    }
}

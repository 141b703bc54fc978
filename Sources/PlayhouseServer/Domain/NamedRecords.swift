import PlayhouseCore
import PlayhouseStore

extension Store {
    /// The credential a request names by id; a request naming one that does not exist is
    /// refused the same way wherever it names it (a launch, a project, an inventory).
    func namedCredential(_ id: Int64) async throws -> Credential {
        guard let credential = try await credentials.find(id) else {
            throw DomainError(.invalid, "credential \(id) does not exist", detail: "list credentials with GET /api/v1/credentials")
        }
        return credential
    }
}

import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PlayhouseCore
import PlayhouseStore

/// Fetches an `http` inventory: a GET of its URL, telling the source who launches
/// (`X-Playhouse-User`, `X-Playhouse-Teams`) and authenticating with its credential, if it
/// has one. The answer must be Ansible's inventory JSON, as a script prints it for `--list`.
public enum HTTPInventory {
    static let defaultTimeout: Double = 30
    static let maxBytes = 16 * 1024 * 1024

    public static func fetch(_ inventory: Inventory, launcher: Launcher?, store: Store, secrets: SecretBox) async throws -> JSONValue {
        var request = HTTPClientRequest(url: inventory.content)
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in launcher?.headers ?? [:] { request.headers.add(name: name, value: value) }
        if let id = inventory.credentialID {
            guard let credential = try await store.credential(id), let secret = try await store.credentialSecret(id, box: secrets) else {
                throw ValidationError("the credential \(id) of inventory \"\(inventory.name)\" does not exist (any more); edit the inventory")
            }
            let (name, value) = try authorization(credential.kind, secret)
            request.headers.add(name: name, value: value)
        }
        let timeout = inventory.timeout ?? defaultTimeout
        let body: ByteBuffer
        let status: HTTPResponseStatus
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            status = response.status
            body = try await response.body.collect(upTo: maxBytes)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            throw ValidationError("the inventory \(inventory.content) did not answer within \(timeout.formatted()) s")
        } catch let error as NIOTooManyBytesError {
            throw ValidationError("the inventory \(inventory.content) answered more than \(maxBytes / 1024 / 1024) MB: \(error)")
        } catch {
            throw ValidationError("the inventory \(inventory.content) could not be fetched: \(error)")
        }
        guard status == .ok else {
            throw ValidationError("the inventory \(inventory.content) answered \(status.code) \(status.reasonPhrase)")
        }
        guard case .object(var groups)? = JSONValue.parse(bytes: body.readableBytesView) else {
            throw ValidationError("the inventory \(inventory.content) did not answer a JSON object (Ansible's inventory JSON, as for --list)")
        }
        // With _meta present, Ansible never asks the script for one host's variables.
        if groups["_meta"] == nil { groups["_meta"] = .object(["hostvars": .object([:])]) }
        return .object(groups)
    }

    /// The header a credential makes: a token as a bearer (or as the value of its own
    /// header), a username and password as HTTP Basic.
    static func authorization(_ kind: Credential.Kind, _ secret: CredentialSecret) throws(ValidationError) -> (String, String) {
        switch kind {
        case .token:
            let token = secret.values["token"] ?? ""
            if let header = secret.values["header"], !header.isEmpty { return (header, token) }
            return ("Authorization", "Bearer \(token)")
        case .password:
            let pair = "\(secret.values["username"] ?? ""):\(secret.values["password"] ?? "")"
            return ("Authorization", "Basic \(Data(pair.utf8).base64EncodedString())")
        case .ssh, .become, .vault:
            throw ValidationError("an HTTP inventory authenticates with a token or password credential, not \(kind.rawValue)")
        }
    }
}

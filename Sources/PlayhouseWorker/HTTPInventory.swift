import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseStore

/// Fetches an `http` inventory: a GET of its URL, telling the source who launches
/// (`X-Playhouse-User`, `X-Playhouse-Teams`) and authenticating with its credential, if it
/// has one. The answer must be Ansible's inventory JSON, as a script prints it for `--list`.
public enum HTTPInventory {
    static let defaultTimeout: Double = 30

    public static func fetch(_ inventory: Inventory, launcher: Launcher?, store: Store, secrets: SecretBox) async throws -> JSONValue {
        var headers = (launcher?.headers ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if let id = inventory.credentialID {
            guard let credential = try await store.credentials.find(id),
                let secret = try await store.credentials.secret(id, box: secrets)
            else {
                throw ValidationError(
                    "the credential \(id) of inventory \"\(inventory.name)\" does not exist (any more); edit the inventory")
            }
            headers.append(try authorization(credential.kind, secret))
        }
        let answer: JSONValue
        do {
            answer = try await HTTPJSON.get(inventory.content, headers: headers, timeout: inventory.timeout ?? defaultTimeout)
        } catch let error as ValidationError {
            throw ValidationError("inventory \"\(inventory.name)\": \(error.message)")
        }
        guard case .object(var groups) = answer else {
            throw ValidationError(
                "the inventory \(inventory.content) did not answer a JSON object (Ansible's inventory JSON, as for --list)")
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

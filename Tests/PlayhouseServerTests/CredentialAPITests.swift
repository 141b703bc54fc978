import Foundation
import HTTPTypes
import HummingbirdTesting
import PlayhouseCore
import PlayhouseTestSupport
import Testing

@Suite struct CredentialAPITests {
    static let secrets = ["ssh-key-material-7f3a9", "passphrase-q1w2e3", "become-pass-9z8y"]

    @Test func secretsGoInAndNeverComeOut() async throws {
        try await ServerFixture.with { client, _ in
            let body =
                #"{"name":"deploy","kind":"ssh","username":"ops","private_key":"\#(Self.secrets[0])","passphrase":"\#(Self.secrets[1])"}"#
            let created = try await client.json(.post, "/api/v1/credentials", body: body)
            #expect(created.status == .created)
            #expect(created.json["kind"] == .string("ssh"))
            #expect(created.json["fields"] == .array([.string("passphrase"), .string("private_key"), .string("username")]))
            guard let id = created.json["id"]?.intValue else { throw TestFailure("no id") }
            #expect(created.headers[.location] == "/api/v1/credentials/\(id)")

            let become = try await client.json(
                .post, "/api/v1/credentials", body: #"{"name":"root","kind":"become","password":"\#(Self.secrets[2])"}"#)
            #expect(become.status == .created)

            var answers = [created.json.jsonString(), become.json.jsonString()]
            answers.append(try await client.json(.get, "/api/v1/credentials").json.jsonString())
            answers.append(try await client.json(.get, "/api/v1/credentials/\(id)").json.jsonString())
            let updated = try await client.json(
                .put, "/api/v1/credentials/\(id)", body: #"{"name":"deploy","kind":"ssh","private_key":"\#(Self.secrets[0])-2"}"#)
            #expect(updated.status == .ok)
            #expect(updated.json["fingerprint"] != created.json["fingerprint"])
            answers.append(updated.json.jsonString())
            for answer in answers {
                for secret in Self.secrets { #expect(!answer.contains(secret), "an answer holds a secret: \(answer)") }
            }

            #expect(try await client.json(.delete, "/api/v1/credentials/\(id)").status == .noContent)
            #expect(try await client.json(.get, "/api/v1/credentials/\(id)").status == .notFound)
        }
    }

    @Test(arguments: [
        (#"{"name":"x","kind":"ssh"}"#, #"ssh credentials need \"private_key\""#),
        (#"{"name":"x","kind":"telnet","password":"p"}"#, "kind must be one of ssh, password, become, vault"),
        (#"{"name":"x","kind":"vault","password":"p","private_key":"k"}"#, #"vault credentials have no field \"private_key\""#),
        (#"{"name":"x","kind":"vault","password":"p","color":"red"}"#, #"unknown field \"color\""#),
        (#"{"name":"","kind":"vault","password":"p"}"#, "name must be 1 to 200 characters"),
        (#"{"name":"x","kind":"vault","password":7}"#, "password"),
    ])
    func badCredentialsAreRefusedWithAReason(body: String, reason: String) async throws {
        try await ServerFixture.with { client, _ in
            let answer = try await client.json(.post, "/api/v1/credentials", body: body)
            #expect(answer.status == .badRequest)
            #expect(answer.json.jsonString().contains(reason), "\(answer.json.jsonString()) names \(reason)")
            #expect(try await client.json(.get, "/api/v1/credentials").json["credentials"] == .array([]))
        }
    }

    @Test func aSecondCredentialWithTheSameNameIsAConflict() async throws {
        try await ServerFixture.with { client, _ in
            let body = #"{"name":"vault","kind":"vault","password":"p"}"#
            let first = try await client.json(.post, "/api/v1/credentials", body: body)
            #expect(first.status == .created)
            let second = try await client.json(.post, "/api/v1/credentials", body: body)
            #expect(second.status == .conflict)
            #expect(second.json["error"] == .string(#"a credential named "vault" already exists"#))
        }
    }
}

@Suite struct CredentialLaunchTests {
    @Test func aLaunchNamesCredentialsThatExistAndFitTogether() async throws {
        try await ServerFixture.with { client, _ in
            var ids: [Int] = []
            for (name, kind) in [("a", "ssh"), ("b", "password")] {
                let field = kind == "ssh" ? "private_key" : "password"
                let body = #"{"name":"\#(name)","kind":"\#(kind)","username":"u","\#(field)":"secret-\#(name)-1234"}"#
                ids.append(try #require(try await client.json(.post, "/api/v1/credentials", body: body).json["id"]?.intValue))
            }
            let launch = #"{"project":"demo","playbook":"progress.yml","inventory":"inventory/local.ini","credentials":"#
            for (credentials, reason) in [
                ("[999]", "credential 999 does not exist"),
                ("[\(ids[0]),\(ids[1])]", "a job can use one login credential (ssh or password), not several"),
                ("[\(ids[0]),\(ids[0])]", "credentials lists an id twice"),
                (#""1""#, "credentials must be a list of ids (positive whole numbers)"),
            ] {
                let answer = try await client.json(.post, "/api/v1/jobs", body: launch + credentials + "}")
                #expect(answer.status == .badRequest)
                #expect(answer.json["error"] == .string(reason), "\(answer.json.jsonString())")
            }
            #expect(try await client.json(.get, "/api/v1/jobs").json["jobs"] == .array([]), "nothing was queued")
            let accepted = try await client.json(.post, "/api/v1/jobs", body: launch + "[\(ids[1])]}")
            #expect(accepted.status == .accepted)
            #expect(accepted.json["credentials"] == .array([.number(Double(ids[1]))]))
        }
    }
}

import ArgumentParser
import Foundation
import Logging
import PlayhouseClient
import PlayhouseCore
import PlayhouseStore

/// `playhouse users`: who may sign in, from the command line (the database directly).
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create users, set passwords, list them, reset their second factor.",
        subcommands: [Create.self, Passwd.self, List.self, Reset2FA.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user.",
            discussion: "The password is asked for on a terminal, or read as one line from standard input.")

        @Argument(help: "The user's name.")
        var name: String

        @Option(name: .long, help: "admin, operator or viewer.")
        var role: String = "viewer"

        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ArgumentParser.ValidationError("--role must be admin, operator or viewer")
            }
        }

        func run() async throws {
            let password = try PasswordInput.read(confirm: true)
            let logger = store.logger("playhouse.users")
            try await store.withStore(logger: logger) { store in
                let user = try await store.users.create(name: name, role: Role(rawValue: role) ?? .viewer, password: password)
                try await store.users.recordCommand(.userCreate, target: "user \(user.name)", detail: "role \(role)")
                print("created \(user.role.rawValue) \(user.name)")
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a user's password; their sessions end.",
            discussion: "The password is asked for on a terminal, or read as one line from standard input.")

        @Argument(help: "The user's name.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let password = try PasswordInput.read(confirm: true)
            try await store.withStore(logger: store.logger("playhouse.users")) { store in
                _ = try await store.users.update(store.users.existing(named: name).id, role: nil, password: password)
                try await store.users.recordCommand(.userUpdate, target: "user \(name)", detail: "password")
                print("password of \(name) changed")
            }
        }
    }

    struct Reset2FA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-2fa",
            abstract: "Remove a user's two-factor sign-in (TOTP and recovery codes), for a lost authenticator.",
            discussion: "They sign in with their password alone, and set it up again from their account page.")

        @Argument(help: "The user's name.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withStore(logger: store.logger("playhouse.users")) { store in
                let user = try await store.users.existing(named: name)
                guard try await store.users.removeTOTP(userID: user.id) else {
                    print("\(name) has no two-factor sign-in; nothing to reset")
                    return
                }
                try await store.users.recordCommand(.userTOTPReset, target: "user \(name)", detail: "TOTP and recovery codes removed")
                print("two-factor sign-in of \(name) removed; they sign in with their password and can set it up again")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users, their roles and teams.")

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await store.withStore(logger: store.logger("playhouse.users")) { store in
                for user in try await store.users.list() {
                    print([user.name, user.role.rawValue, user.teams.joined(separator: ",")].joined(separator: "\t"))
                }
            }
        }
    }
}

/// `playhouse tokens create USER`: an API token, printed once.
struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create API tokens.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token for a user and print it (it is stored hashed and never shown again).",
            discussion: "Send it as `Authorization: Bearer TOKEN`.")

        @Argument(help: "The user the token acts as.")
        var user: String

        @Option(name: .long, help: "What the token is for.")
        var name: String = "cli"

        @Option(name: .long, help: "When it stops working: 30d, 12h or 2026-12-31 (default: never).")
        var expires: String?

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let expiry: Date?
            do {
                expiry = try expires.map { try APIToken.expiry($0) }
            } catch {
                throw ArgumentParser.ValidationError("--expires: \(error)")
            }
            try await store.withStore(logger: store.logger("playhouse.tokens")) { store in
                let owner = try await store.users.existing(named: user)
                let (token, secret) = try await store.users.createToken(userID: owner.id, name: name, expiresAt: expiry)
                try await store.users.recordCommand(.tokenCreate, target: "user \(user)", detail: "token \(token.id) \"\(name)\"")
                print(secret)
            }
        }
    }
}

extension UserRepository {
    /// The user named `name`, or an error for the command line that says there is none.
    fileprivate func existing(named name: String) async throws -> User {
        guard let user = try await named(name) else { throw ArgumentParser.ValidationError("there is no user named \(name)") }
        return user
    }

    /// Records in the audit log what a command did: no one signed in did it.
    fileprivate func recordCommand(_ action: AuditAction, target: String, detail: String) async throws {
        try await recordAudit(AuditEntry(actor: nil, action: action, target: target, source: "command line", detail: detail))
    }
}

/// The first admin, when the database has no user yet.
enum FirstAdmin {
    /// Creates `admin` with `PLAYHOUSE_ADMIN_PASSWORD`, or with a random password that is
    /// logged this once.
    static func ensure(store: Store, logger: Logger) async throws {
        guard try await store.users.count() == 0 else { return }
        let given = ProcessInfo.processInfo.environment["PLAYHOUSE_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let password = given ?? UUID().uuidString.replacing("-", with: "").lowercased().prefix(20).description
        do {
            _ = try await store.users.create(name: "admin", role: .admin, password: password)
        } catch {
            // Another server of the fleet was first (whether the check or the insert caught it).
            if try await store.users.count() > 0 { return }
            throw error
        }
        try await store.users.recordAudit(
            AuditEntry(actor: nil, action: .userCreate, target: "user admin", source: "first start", detail: "role admin"))
        if given == nil {
            logger.notice(
                "created the first user: admin, password \(password) (shown only this once; change it with `playhouse users passwd admin`)")
        } else {
            logger.notice("created the first user: admin, with the password from PLAYHOUSE_ADMIN_PASSWORD")
        }
    }
}

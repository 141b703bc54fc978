import ArgumentParser
import Foundation
import PlayhouseStore

/// `playhouse backup FILE`: a consistent copy of a SQLite store, taken while it serves.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite store while Playhouse runs.",
        discussion: """
            Writes the database as it is at one moment (SQLite's VACUUM INTO, from one read \
            transaction: jobs go on being written meanwhile) into FILE, which must not exist. \
            Keep the secret key (var/secret.key, or PLAYHOUSE_SECRET_KEY) with it: stored \
            credentials open only with the key that sealed them. For PostgreSQL use pg_dump.
            """)

    @Argument(help: "The new file to write.")
    var file: String

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard !store.usesPostgres else { throw ValidationError("backup copies a SQLite store; back up PostgreSQL with pg_dump") }
    }

    func run() async throws {
        let target = CommonOptions.absolute(file)
        try await store.withStore(logger: store.logger("playhouse.backup")) { store in
            try await store.backup(to: target)
        }
        print("backed up \(CommonOptions.absolute(store.database)) to \(target)")
    }
}

/// `playhouse restore FILE`: a SQLite store made from a backup.
struct Restore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a SQLite store from a backup.",
        discussion: """
            Writes the backup into --database, which must not exist or hold no jobs, and \
            brings it up to this version's schema. Start Playhouse on it with the secret key \
            the backup was made with.
            """)

    @Argument(help: "The backup to restore.")
    var file: String

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard !store.usesPostgres else { throw ValidationError("restore makes a SQLite store; restore PostgreSQL with pg_restore or psql") }
    }

    func run() async throws {
        let target = CommonOptions.absolute(store.database)
        let jobs = try await Store.restore(from: CommonOptions.absolute(file), to: target, logger: store.logger("playhouse.restore"))
        print("restored \(jobs) jobs into \(target)")
    }
}

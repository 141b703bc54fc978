import ArgumentParser
import Foundation
import PlayhouseCore
import PlayhouseWorker

/// The SMTP server `serve`'s notifier mails email targets through (``SMTPConfiguration``).
/// The password comes from a file or the environment, never from the command line, where
/// every user of the machine could read it.
struct SMTPOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            SMTP server for email notifications: smtp://user@host:587 (STARTTLS, required), smtps://user@host:465, \
            or smtp://host:25?tls=none for a relay without TLS and without a password (env PLAYHOUSE_SMTP_URL).
            """)
    var smtpURL: String = ProcessInfo.processInfo.environment["PLAYHOUSE_SMTP_URL"] ?? ""

    @Option(
        name: .long,
        help: "File holding the SMTP password; PLAYHOUSE_SMTP_PASSWORD may hold it instead (env PLAYHOUSE_SMTP_PASSWORD_FILE).")
    var smtpPasswordFile: String = ProcessInfo.processInfo.environment["PLAYHOUSE_SMTP_PASSWORD_FILE"] ?? ""

    @Option(name: .long, help: "The address email notifications come from, e.g. playhouse@example.com (env PLAYHOUSE_SMTP_FROM).")
    var smtpFrom: String = ProcessInfo.processInfo.environment["PLAYHOUSE_SMTP_FROM"] ?? ""

    @Option(
        name: .long,
        help: "PEM file of CAs to trust for the SMTP server besides the system's, e.g. a private relay's (env PLAYHOUSE_SMTP_CA_FILE).")
    var smtpCaFile: String = ProcessInfo.processInfo.environment["PLAYHOUSE_SMTP_CA_FILE"] ?? ""

    func validate() throws {
        _ = try configuration()
    }

    /// The server, its sign-in and its sender; nil without `--smtp-url`.
    func configuration() throws -> SMTPConfiguration? {
        guard !smtpURL.isEmpty else { return nil }
        guard !smtpFrom.isEmpty else {
            throw ArgumentParser.ValidationError("--smtp-url needs --smtp-from: the address email notifications come from")
        }
        do {
            return try SMTPConfiguration(
                url: smtpURL, password: try password(), from: smtpFrom,
                trustedCertificates: smtpCaFile.isEmpty ? nil : CommonOptions.absolute(smtpCaFile))
        } catch let error as PlayhouseCore.ValidationError {
            throw ArgumentParser.ValidationError("email notifications: \(error.message)")
        }
    }

    /// The file's first line, else `PLAYHOUSE_SMTP_PASSWORD`; nil when neither is given.
    private func password() throws -> String? {
        guard !smtpPasswordFile.isEmpty else { return ProcessInfo.processInfo.environment["PLAYHOUSE_SMTP_PASSWORD"] }
        guard let text = try? String(contentsOfFile: CommonOptions.absolute(smtpPasswordFile), encoding: .utf8) else {
            throw ArgumentParser.ValidationError("--smtp-password-file: cannot read \(smtpPasswordFile)")
        }
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)[0]).trimmingCharacters(in: ["\r"])
    }
}

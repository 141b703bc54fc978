import ArgumentParser
import Foundation

/// A password from the terminal (not echoed) or, when standard input is not one, its first
/// line; and the code that may follow it.
package enum PasswordInput {
    package static func read(confirm: Bool) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ArgumentParser.ValidationError("no password on standard input")
            }
            return line
        }
        guard let first = getpass("Password: ").map({ String(cString: $0) }), !first.isEmpty else {
            throw ArgumentParser.ValidationError("no password given")
        }
        if confirm {
            guard let second = getpass("Again: ").map({ String(cString: $0) }), second == first else {
                throw ArgumentParser.ValidationError("the two passwords differ")
            }
        }
        return first
    }

    /// The code of an authenticator (or a recovery code) that follows a password: asked for
    /// on a terminal, or the next line of standard input.
    package static func readCode() throws -> String {
        if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data("Code from your authenticator (or a recovery code): ".utf8)) }
        guard let line = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces), !line.isEmpty else {
            throw ArgumentParser.ValidationError("no code given")
        }
        return line
    }
}

import ArgumentParser
import Foundation

/// A password from the terminal (not echoed) or, when standard input is not one, its first line.
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
}

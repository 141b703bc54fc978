import Foundation

/// Writes to the terminal unbuffered, so a followed run shows each line as it comes even
/// when the output is a pipe (a CI log).
enum Terminal {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Status lines and warnings: on standard error, so `--output json` stays one document.
    static func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

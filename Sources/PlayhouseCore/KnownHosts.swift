public import Foundation

/// SSH host keys in OpenSSH's `known_hosts` format, one `HOSTS KEYTYPE BASE64 [COMMENT]` a
/// line, as `ssh-keyscan` prints them: the keys a git project's SSH clones trust.
///
/// These are public keys, not secrets. Blank lines and `#` comments may come between the
/// keys. Markers (`@cert-authority`, `@revoked`) are refused: each line must be one host's
/// own key, so that what the project shows is what its clones trust.
public struct KnownHosts: Sendable, Equatable {
    /// One key line.
    public struct Key: Sendable, Equatable {
        /// The hosts the key is for, as written: `git.example.com`, `[127.0.0.1]:2222`,
        /// several joined by commas, patterns, or a hashed `|1|…`.
        public var hosts: String
        /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …
        public var type: String
        /// The key's bytes (the base64 of the line decoded), which fingerprints hash.
        public var blob: Data
    }

    /// How long the text may be.
    public static let maxBytes = 64 * 1024
    /// How many keys it may hold.
    public static let maxKeys = 100
    /// The key types OpenSSH writes into `known_hosts`.
    public static let keyTypes: [String] = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-dss",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// The text to write into a `known_hosts` file: the key and comment lines, each ending
    /// in a newline; empty when there are no keys.
    public let text: String
    /// The keys, in the order written.
    public let keys: [Key]

    /// Reads and checks `known_hosts` text (a person's or the one `ssh` wrote).
    ///
    /// - Throws: `ValidationError` naming the line and what is wrong with it: too long in
    ///   all, too many keys, a marker, fewer than three fields, an unknown key type, or a key
    ///   that is not the base64 of a key of its type.
    public init(validating text: String) throws(ValidationError) {
        guard text.utf8.count <= Self.maxBytes else {
            throw ValidationError("known_hosts is \(text.utf8.count) bytes long; at most \(Self.maxBytes) bytes are kept")
        }
        var lines: [String] = []
        var keys: [Key] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                lines.append(line)
                continue
            }
            keys.append(try Self.key(line, number: index + 1))
            lines.append(line)
        }
        guard keys.count <= Self.maxKeys else {
            throw ValidationError("known_hosts holds \(keys.count) keys; at most \(Self.maxKeys) are kept")
        }
        self.keys = keys
        self.text = keys.isEmpty ? "" : lines.map { $0 + "\n" }.joined()
    }

    private static func key(_ line: String, number: Int) throws(ValidationError) -> Key {
        let shown = line.count > 60 ? line.prefix(60) + "…" : line
        guard !line.unicodeScalars.contains(where: { ($0.value < 32 && $0 != "\t") || $0.value == 127 }) else {
            throw ValidationError("known_hosts line \(number) holds a control character")
        }
        if line.hasPrefix("@") {
            throw ValidationError(
                "known_hosts line \(number) starts with a marker (\(line.prefix { !$0.isWhitespace })), which Playhouse does not take: "
                    + "give each host's own key, as `ssh-keyscan HOST` prints it")
        }
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count >= 3 else {
            throw ValidationError("known_hosts line \(number) must be HOST KEYTYPE KEY, as `ssh-keyscan HOST` prints it; got \"\(shown)\"")
        }
        let type = fields[1]
        guard keyTypes.contains(type) else {
            throw ValidationError(
                "known_hosts line \(number) has the key type \"\(type.prefix(60))\"; expected one of \(keyTypes.joined(separator: ", "))")
        }
        guard let blob = Data(base64Encoded: fields[2]), Self.keyType(in: blob) == type else {
            throw ValidationError("known_hosts line \(number): its key is not the base64 of a key of type \(type)")
        }
        return Key(hosts: fields[0], type: type, blob: blob)
    }

    /// The type a key's bytes name first: SSH's wire format starts with the type as a
    /// string (four bytes of length, then the name).
    private static func keyType(in blob: Data) -> String? {
        let bytes = [UInt8](blob)
        guard bytes.count > 4 else { return nil }
        let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= 64, bytes.count >= 4 + length else { return nil }
        return String(bytes: bytes[4..<(4 + length)], encoding: .utf8)
    }
}

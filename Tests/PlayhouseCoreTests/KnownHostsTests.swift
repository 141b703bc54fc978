import Foundation
import PlayhouseCore
import Testing

/// What `known_hosts` text an admin may give a git project, and what each refusal says.
@Suite struct KnownHostsTests {
    static let ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIJoXg8xLvAZTb5heJYWIrCXLGdTvbRzVR/3vRnzJpmJ3"

    /// What `text` is refused with; nil when it is taken.
    static func refusal(_ text: String) -> String? {
        do {
            _ = try KnownHosts(validating: text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func keyLinesAreReadWithTheirHostsTypeAndBytes() throws {
        let text = [
            "", "# the forge", "[127.0.0.1]:2222 ssh-ed25519 \(Self.ed25519) host1\r",
            "\tgit.example.com,10.0.0.7\tssh-ed25519  \(Self.ed25519)   ", "",
        ].joined(separator: "\n")
        let known = try KnownHosts(validating: text)
        #expect(known.keys.map(\.hosts) == ["[127.0.0.1]:2222", "git.example.com,10.0.0.7"])
        #expect(known.keys.allSatisfy { $0.type == "ssh-ed25519" && $0.blob == Data(base64Encoded: Self.ed25519) })
        let kept = [
            "# the forge", "[127.0.0.1]:2222 ssh-ed25519 \(Self.ed25519) host1", "git.example.com,10.0.0.7\tssh-ed25519  \(Self.ed25519)",
        ]
        #expect(known.text == kept.map { $0 + "\n" }.joined(), "blank lines go, each line is trimmed and ends in a newline")
        #expect(try KnownHosts(validating: "").keys.isEmpty)
        #expect(try KnownHosts(validating: "# only a comment\n\n").text.isEmpty, "no keys: nothing to trust, so none are known")
    }

    @Test func whatIsNoHostKeyIsRefusedSayingWhichLineAndWhy() {
        let line = "git.example.com ssh-ed25519 \(Self.ed25519)"
        #expect(
            Self.refusal("@cert-authority *.example.com \(line.dropFirst(16))")?.contains("line 1 starts with a marker (@cert-authority)")
                == true)
        #expect(Self.refusal("@revoked \(line)")?.contains("marker (@revoked)") == true)
        #expect(Self.refusal("\(line)\ngit.example.com \(Self.ed25519)")?.contains("line 2 must be HOST KEYTYPE KEY") == true)
        #expect(Self.refusal("git.example.com ssh-ed448 \(Self.ed25519)")?.contains("line 1 has the key type \"ssh-ed448\"") == true)
        #expect(
            Self.refusal("git.example.com ssh-ed25519 not-base64!")?.contains(
                "line 1: its key is not the base64 of a key of type ssh-ed25519") == true)
        #expect(
            Self.refusal("git.example.com ssh-rsa \(Self.ed25519)")?.contains("not the base64 of a key of type ssh-rsa") == true,
            "the key's bytes name its type, which must be the line's")
        #expect(Self.refusal("git.example.com ssh-ed25519 \(Self.ed25519) \u{7}bell")?.contains("line 1 holds a control character") == true)
        #expect(Self.refusal(String(repeating: "#", count: KnownHosts.maxBytes + 1))?.contains("at most 65536 bytes") == true)
        let many = (0...KnownHosts.maxKeys).map { "h\($0) ssh-ed25519 \(Self.ed25519)" }.joined(separator: "\n")
        #expect(Self.refusal(many)?.contains("holds 101 keys; at most 100") == true)
    }
}

import Foundation
import PlayhouseTestSupport
import Testing

@testable import PlayhouseServer

/// The QR encoder of two-factor setup, read back by a real decoder: each SVG is rendered
/// to PNG by librsvg (`rsvg-convert`) and decoded by ZBar (`zbarimg`), and must give back
/// exactly the bytes it was made of.
@Suite struct QRCodeTests {
    /// The most bytes each version holds at level M in byte mode.
    static let capacities = [14, 26, 42, 62, 84, 106, 122, 152, 180, 213]

    @Test func theSmallestVersionThatHoldsTheBytesIsChosen() throws {
        for (index, capacity) in Self.capacities.enumerated() {
            #expect(try QRCode(bytes: Array(repeating: 0x61, count: capacity)).version == index + 1, "\(capacity) bytes")
            if index < 9 {
                #expect(try QRCode(bytes: Array(repeating: 0x61, count: capacity + 1)).version == index + 2, "\(capacity + 1) bytes")
            }
        }
        #expect(try QRCode(bytes: []).version == 1)
        #expect(throws: QRCode.TooLong.self) { try QRCode(bytes: Array(repeating: 0x61, count: 214)) }
        let code = try QRCode(bytes: Array("otpauth://".utf8))
        #expect(code.size == 21)
        // The finder's corners and the dark module are where the standard puts them.
        #expect(code[0, 0] && code[6, 6] && code[0, 20] && code[20, 0] && code[13, 8])
        #expect(!code[7, 7] && !code[7, 13] && !code[13, 7])
    }

    @Test func zbarReadsBackEveryVersionAndEveryMask() async throws {
        var texts: [String] = []
        // Both ends of every version.
        for capacity in Self.capacities {
            texts.append(Self.text(count: capacity))
            texts.append(Self.text(count: max(1, capacity - 11)))
        }
        var codes = try texts.map { try QRCode(bytes: Array($0.utf8)) }
        #expect(Set(codes.map(\.version)) == Set(1...10))
        // Every mask, on a version with version information (7) and one without (2).
        for mask in 0..<8 {
            for count in [20, 100] {
                let text = Self.text(count: count, seed: mask)
                texts.append(text)
                codes.append(try QRCode(bytes: Array(text.utf8), mask: mask))
            }
        }
        #expect(try await Self.decode(codes) == texts)
    }

    @Test func anOTPAuthURIReadsBackExactly() async throws {
        let totp = TOTP(secret: TOTP.randomSecret())
        let uris = ["alice", "a.very-long_name@example.com", String(repeating: "n", count: 64)].map { totp.uri(account: $0) }
        let codes = try uris.map { try QRCode(bytes: Array($0.utf8)) }
        #expect(try await Self.decode(codes) == uris)
    }

    /// Printable ASCII of `count` characters, varied so that the masks meet varied data.
    static func text(count: Int, seed: Int = 0) -> String {
        let characters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/?&=.-_@%+ ")
        return String((0..<count).map { characters[($0 * 7 + seed * 13 + $0 * $0) % characters.count] })
    }

    /// What ZBar reads in each code, in order.
    static func decode(_ codes: [QRCode]) async throws -> [String] {
        let folder = try TestPaths.scratch("qr")
        var images: [String] = []
        for (index, code) in codes.enumerated() {
            let svg = "\(folder)/\(index).svg"
            try code.svg().write(toFile: svg, atomically: true, encoding: .utf8)
            try await TestTool.run("rsvg-convert", ["--format", "png", "--output", "\(folder)/\(index).png", svg])
            images.append("\(folder)/\(index).png")
        }
        let output = try await TestTool.run("zbarimg", ["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"] + images)
        return output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

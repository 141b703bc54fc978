import Foundation
import PlayhouseCore
import PlayhouseEngine
import PlayhouseTestSupport
import Testing

/// Launch values reach the play exactly as given, whatever characters they hold, and are
/// never templated: real `ansible-playbook` writes them to a file byte for byte.
@Suite struct UnsafeValuesTests {
    @Test func everyCharacterArrivesAsWrittenAndJinjaStaysText() async throws {
        let fixture = try RunnerFixture(files: [
            "write.yml": """
            - hosts: all
              gather_facts: false
              tasks:
                - ansible.builtin.copy: { content: "{{ value }}", dest: "{{ out }}/value" }
                - ansible.builtin.copy: { content: "{{ nested | to_json }}", dest: "{{ out }}/nested" }
                - ansible.builtin.copy: { content: "{{ framed }}", dest: "{{ out }}/framed" }
            """
        ])
        let out = try TestPaths.scratch("unsafe")
        let value =
            "quote\" back\\slash\nnew\rreturn\ttab \u{1}\u{7F}\u{85}\u{A0}\u{2028}\u{2029}\u{FEFF}\u{FFFE} é 😀 {{ 6 * 7 }} {% raw %}"
        var request = fixture.request("write.yml", inventory: .text(TestPaths.localInventory(["a"])))
        request.extraVars = [
            "value": .string(value), "out": .string(out),
            "nested": .object(["{{ key }}": .array([.string("{{ 1 + 1 }}"), .number(2.5), .number(1e20), .bool(true), .null])]),
        ]
        // What an admin wrote into a template is templated, and may use a launch value.
        request.templateVars = ["framed": .string("[{{ out | length > 0 }}]")]
        let (result, collected) = try await fixture.run(request)
        #expect(result.outcome.status == .successful, "\(collected.output)")
        #expect(try String(contentsOfFile: out + "/value", encoding: .utf8) == value)
        let nested = try #require(JSONValue.parse(try String(contentsOfFile: out + "/nested", encoding: .utf8)))
        #expect(nested == .object(["{{ key }}": .array([.string("{{ 1 + 1 }}"), .number(2.5), .number(1e20), .bool(true), .null])]))
        #expect(try String(contentsOfFile: out + "/framed", encoding: .utf8) == "[True]")
    }
}

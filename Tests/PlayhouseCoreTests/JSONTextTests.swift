import Foundation
import PlayhouseCore
import Testing

@Suite struct JSONTextTests {
    /// Foundation's reading of the same text, as the reference.
    func foundation(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(arguments: [
        #"{"a": 1, "b": [true, false, null], "c": {"d": "e"}}"#,
        #"[1.5, -2, 0, 1e3, -0.25E-2, 12345678901234]"#,
        #""caf\u00e9 \ud83d\ude00 tab\t quote\" slash\/ back\\ nl\n""#,
        #"  {"nested": [[[{"x": []}]]], "empty": {}}  "#,
        #"{"ünï": "cödé ✓"}"#,
        "[]", "0", "\"\"", "null",
    ])
    func validDocumentsReadAsFoundationReadsThem(text: String) throws {
        let parsed = try #require(JSONValue.parse(text))
        #expect(parsed == foundation(text))
        #expect(JSONValue.parse(parsed.jsonString()) == parsed, "writing and reading again gives the same value")
    }

    @Test func aRepeatedKeyKeepsItsLastValueAsPythonDoes() {
        #expect(JSONValue.parse(#"{"dup": 1, "dup": 2}"#) == .object(["dup": .number(2)]))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", #"{"a":1,}"#, "01", "1.", ".5", "+1", "-", "1e", "tru", "nul", "[1 2]",
        #"{"a" 1}"#, #"{a: 1}"#, "\"unterminated", "\"tab\there\"", #""\x""#, #""\ud83d""#, #""\u12G4""#,
        "[1] 2", "{}{}", "1e999", "[-1e400]",
    ])
    func invalidDocumentsAreRejected(text: String) {
        #expect(JSONValue.parse(text) == nil, "\(text.debugDescription) is not JSON")
    }

    @Test func deepNestingIsRejectedInsteadOfExhaustingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(JSONValue.parse(deep) == nil)
        let fine = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(JSONValue.parse(fine) != nil)
    }

    @Test func writingIsCompactSortedAndEscaped() {
        let value = JSONValue.object([
            "b": .string("line\nquote\"back\\slash/\u{01}é"),
            "a": .array([.number(3), .number(2.5), .number(-1e20), .bool(true), .null]),
        ])
        #expect(value.jsonString() == #"{"a":[3,2.5,-1.0e+20,true,null],"b":"line\nquote\"back\\slash/\u0001é"}"#)
        #expect(JSONValue.number(.infinity).jsonString() == "null", "JSON has no infinity")
    }

    @Test func aCallbackLineBecomesAnEvent() throws {
        let line =
            #"{"type": "runner_on_ok", "time": 1700000000.5, "play": "p", "task": "t", "host": "h", "#
            + #""changed": true, "failed": false, "message": null, "data": {"msg": "hi"}}"#
        let event = try #require(JobEvent(callbackLine: line.utf8))
        #expect(event.type == .ok)
        #expect(event.time == 1_700_000_000.5)
        #expect(event.host == "h")
        #expect(event.changed == true)
        #expect(event.message == nil)
        #expect(event.data == .object(["msg": .string("hi")]))
        #expect(JobEvent(callbackLine: #"{"time": 1}"#.utf8) == nil, "an event needs a type")
        #expect(JobEvent(callbackLine: "not json".utf8) == nil)
    }
}

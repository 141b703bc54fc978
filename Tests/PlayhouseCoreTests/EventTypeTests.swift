import Foundation
import PlayhouseCore
import PlayhouseTestSupport
import Testing

@Suite struct EventTypeTests {
    @Test func everyKnownTypeKeepsItsCallbackName() {
        for type in EventType.known {
            #expect(EventType(type.name) == type)
        }
        #expect(Set(EventType.known.map(\.name)).count == EventType.known.count, "no two types share a name")
    }

    /// The callback plugin is the source of event names: every name it emits is known here.
    @Test func theCallbackPluginEmitsOnlyKnownTypes() throws {
        let plugin = try String(
            contentsOfFile: TestPaths.root + "/Sources/PlayhouseEngine/Resources/callback_plugins/playhouse.py", encoding: .utf8)
        let emitted = plugin.matches(of: /(?:_emit|_result|_result_handler)\("([a-z_]+)"/).map { String($0.output.1) }
        #expect(emitted.count > 15)
        for name in emitted {
            #expect(EventType(name) != .unknown(name), "\(name) is emitted by the callback but unknown to EventType")
        }
    }

    @Test func anUnknownTypeIsKeptAsItCame() throws {
        let event = JobEvent(seq: 1, type: EventType("v3_runner_on_teleport"), time: 0)
        #expect(event.type == .unknown("v3_runner_on_teleport"))
        let decoded = try JSONDecoder().decode(JobEvent.self, from: JSONEncoder().encode(event))
        #expect(decoded.type.name == "v3_runner_on_teleport")
    }
}

import ArgumentParser
import Foundation
import PlayhouseCore
import PlayhouseWorker

/// How much a process's workers run at once in Ansible forks, and how long a job that does
/// not fit waits before smaller ones stop starting ahead of it.
struct CapacityOptions: ParsableArguments {
    @Option(
        name: .long,
        help: """
            Forks this process's jobs may use together; a job weighs its forks (5 unless set) or its template's weight, \
            and one heavier than this runs alone (env PLAYHOUSE_CAPACITY_FORKS; default from cores and memory, like AWX).
            """)
    var capacityForks: Int =
        ProcessInfo.processInfo.environment["PLAYHOUSE_CAPACITY_FORKS"].flatMap(Int.init) ?? WorkerPoolConfiguration.machineForks

    @Option(
        name: .long,
        help: """
            Seconds a job that does not fit may wait before no smaller job behind it starts, so that room is made for it \
            (env PLAYHOUSE_RESERVE_ROOM_AFTER).
            """)
    var reserveRoomAfter: Double = ProcessInfo.processInfo.environment["PLAYHOUSE_RESERVE_ROOM_AFTER"].flatMap(Double.init) ?? 60

    var reserveAfter: Duration { .seconds(reserveRoomAfter) }

    func validate() throws {
        guard capacityForks >= 1 else { throw ArgumentParser.ValidationError("--capacity-forks must be at least 1") }
        guard reserveRoomAfter.isFinite, (0...86_400).contains(reserveRoomAfter) else {
            throw ArgumentParser.ValidationError("--reserve-room-after must be 0 to 86400 seconds")
        }
    }

    /// Worker groups given as options, or else as the comma-separated `variable`; `default` when none.
    static func groups(_ given: [String], variable: String, option: String) throws -> [String] {
        let names =
            given.isEmpty
            ? (ProcessInfo.processInfo.environment[variable] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty } : given
        do {
            let groups = try WorkerGroups.validate(names, field: option)
            return groups.isEmpty ? [WorkerGroups.defaultGroup] : groups
        } catch {
            throw ArgumentParser.ValidationError(error.message)
        }
    }
}

import Foundation
import PlayhouseTestSupport

/// The playbooks and inventories the benchmarks run.
enum Playbooks {
    /// `count` `debug` tasks: no module runs on a host, so the run is all Ansible's own
    /// work and its events.
    static func debug(tasks count: Int) -> String {
        play(
            (1...count).map {
                "    - name: step \($0)\n      ansible.builtin.debug:\n        msg: \"step \($0) on {{ inventory_hostname }}\""
            })
    }

    /// `count` `command` tasks: each one a real module run over the host's connection.
    static func command(tasks count: Int) -> String {
        play((1...count).map { "    - name: step \($0)\n      ansible.builtin.command: echo step \($0)\n      changed_when: false" })
    }

    /// One `debug` task looping over `count` items: events and log lines as fast as Ansible makes them.
    static func loop(items count: Int) -> String {
        play([
            "    - name: items\n      ansible.builtin.debug:\n        msg: \"item {{ item }} of \(count)\"\n"
                + "      loop: \"{{ range(1, \(count + 1)) | list }}\""
        ])
    }

    private static func play(_ tasks: [String]) -> String {
        "- hosts: all\n  gather_facts: false\n  tasks:\n" + tasks.joined(separator: "\n") + "\n"
    }

    static func localHosts(_ count: Int) -> String {
        TestPaths.localInventory((1...count).map { String(format: "h%02d", $0) })
    }
}

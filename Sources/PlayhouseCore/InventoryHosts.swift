/// Reading Ansible's inventory JSON (`ansible-inventory --list`).
public enum InventoryHosts {
    /// Every host named in the inventory, in first-seen order.
    public static func names(in inventory: JSONValue) -> [String] {
        guard case .object(let groups) = inventory else { return [] }
        var seen: Set<String> = []
        var names: [String] = []
        func add(_ name: String) {
            if seen.insert(name).inserted { names.append(name) }
        }
        for group in groups.keys.sorted() where group != "_meta" {
            if case .array(let hosts)? = groups[group]?["hosts"] {
                for case .string(let host) in hosts { add(host) }
            }
        }
        if case .object(let hostvars)? = inventory["_meta"]?["hostvars"] {
            for host in hostvars.keys.sorted() { add(host) }
        }
        return names
    }

    /// The hosts of `group` and of its child groups, sorted; nil when there is no such group.
    public static func names(in inventory: JSONValue, group: String) -> [String]? {
        guard case .object(let groups) = inventory, groups[group] != nil else { return nil }
        var hosts: Set<String> = []
        var visited: Set<String> = []
        var pending = [group]
        while let name = pending.popLast() {
            guard visited.insert(name).inserted else { continue }
            if case .array(let members)? = groups[name]?["hosts"] {
                for case .string(let host) in members { hosts.insert(host) }
            }
            if case .array(let children)? = groups[name]?["children"] {
                for case .string(let child) in children { pending.append(child) }
            }
        }
        return hosts.sorted()
    }

    /// `hosts` in `count` groups of consecutive hosts, as even as can be; never an empty group.
    public static func slices(_ hosts: [String], count: Int) -> [[String]] {
        let count = max(1, min(count, hosts.count))
        var groups: [[String]] = []
        var start = 0
        for index in 0..<count {
            let size = hosts.count / count + (index < hosts.count % count ? 1 : 0)
            groups.append(Array(hosts[start..<start + size]))
            start += size
        }
        return groups
    }
}

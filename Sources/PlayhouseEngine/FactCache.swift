import Foundation
import PlayhouseCore

/// Ansible's own fact cache (the `jsonfile` plugin) for one run, in the run directory:
/// the hosts' last known facts are written there before the run, so a play with
/// `gather_facts: false` still has `ansible_facts`, and whatever the run gathered is read
/// back after it.
///
/// ansible-core 2.19 names each host's file `s1_HOST` (the schema of its serialization)
/// and wraps the facts as `{"__payload__": "JSON"}`, where values may carry Ansible's
/// type tags (`__ansible_type`), `TrustedAsTemplate` among them. Facts pass through here
/// as plain data only: tags are taken off both ways, so nothing a host reports, and
/// nothing stored, is ever templated by a later run.
enum FactCache {
    static let folder = "facts"
    static let schemaPrefix = "s1_"
    static let payloadKey = "__payload__"
    static let typeKey = "__ansible_type"
    /// A host's facts larger than this are neither written nor read back.
    static let maxBytes = 1 << 20
    /// The most hosts whose facts a run reads back.
    static let maxHosts = 10_000

    /// Writes `facts` (by inventory hostname) and returns the settings that point Ansible at them.
    static func prepare(_ facts: [String: JSONValue], in directory: String) throws -> [String: String] {
        let path = directory + "/" + folder
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        // Marked as written long ago: what the run writes is then told apart by its time.
        let old = Date(timeIntervalSince1970: 0)
        for (host, value) in facts where isFileName(host) {
            let text = JSONValue.object([payloadKey: .string(plain(value).jsonString())]).jsonString()
            guard text.utf8.count <= maxBytes else { continue }
            let file = path + "/" + schemaPrefix + host
            try JobDirectory.write(text, to: file)
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: file)
        }
        return [
            "ANSIBLE_CACHE_PLUGIN": "jsonfile",
            "ANSIBLE_CACHE_PLUGIN_CONNECTION": path,
            "ANSIBLE_CACHE_PLUGIN_PREFIX": "",
            // Never expired: how old facts may be is the store's business, not the run's.
            "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "0",
        ]
    }

    /// The facts the run wrote into the cache (gathered, or set with `set_fact: cacheable`).
    static func gathered(in directory: String) -> [String: JSONValue] {
        let path = directory + "/" + folder
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var facts: [String: JSONValue] = [:]
        for name in names.sorted() where name.hasPrefix(schemaPrefix) && isFileName(name) {
            guard facts.count < maxHosts else { break }
            let file = path + "/" + name
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
                attributes[.type] as? FileAttributeType == .typeRegular,
                (attributes[.size] as? Int ?? .max) <= maxBytes,
                ((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0) > 0,
                let data = FileManager.default.contents(atPath: file),
                case .string(let payload)? = JSONValue.parse(bytes: data)?[payloadKey],
                case .object(let values)? = JSONValue.parse(payload).map(plain)
            else { continue }
            facts[String(name.dropFirst(schemaPrefix.count))] = .object(values)
        }
        return facts
    }

    /// `value` without Ansible's type tags: a tagged value becomes the value it wraps, and
    /// anything else tagged (a tag on its own, a vaulted value) is dropped.
    static func plain(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields):
            if fields[typeKey] != nil { return fields["value"].map(plain) ?? .null }
            return .object(fields.mapValues(plain))
        case .array(let items):
            return .array(items.map(plain))
        default:
            return value
        }
    }

    /// Whether an inventory hostname can name a file in the cache folder: never a path.
    static func isFileName(_ host: String) -> Bool {
        !host.isEmpty && !host.hasPrefix(".") && !host.contains("/") && !host.contains("\0") && host.utf8.count <= 255
    }
}

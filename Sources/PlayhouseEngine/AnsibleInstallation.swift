import Foundation

/// Where Playhouse finds `ansible-playbook`, `ansible-inventory` and its callback plugin.
public struct AnsibleInstallation: Sendable {
    /// The folder holding `ansible-playbook` (a venv's `bin`).
    public var binDirectory: String
    /// The folder holding Playhouse's callback plugin.
    public var callbackPluginDirectory: String

    public init(binDirectory: String, callbackPluginDirectory: String = AnsibleInstallation.bundledCallbackPlugins) {
        self.binDirectory = URL(fileURLWithPath: binDirectory).standardizedFileURL.path
        self.callbackPluginDirectory = callbackPluginDirectory
    }

    /// The callback plugin shipped inside Playhouse.
    public static var bundledCallbackPlugins: String {
        Bundle.module.url(forResource: "callback_plugins", withExtension: nil)?.path ?? ""
    }

    /// Finds Ansible: `explicit` if given, else `./.venv/bin`, else the `PATH`.
    public static func locate(explicit: String? = nil) throws(RunnerError) -> AnsibleInstallation {
        var candidates: [String] = []
        if let explicit, !explicit.isEmpty { candidates.append(explicit) }
        candidates.append(FileManager.default.currentDirectoryPath + "/.venv/bin")
        if explicit == nil || explicit?.isEmpty == true {
            let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
            candidates += path.split(separator: ":").map(String.init)
        }
        for folder in candidates where FileManager.default.isExecutableFile(atPath: folder + "/ansible-playbook") {
            return AnsibleInstallation(binDirectory: folder)
        }
        throw RunnerError(
            "ansible-playbook was not found in \(candidates.prefix(2).joined(separator: " or ")) or the PATH; "
                + "run `make setup` or pass --ansible-bin DIR")
    }

    public var playbookExecutable: String { binDirectory + "/ansible-playbook" }
    public var inventoryExecutable: String { binDirectory + "/ansible-inventory" }
}

/// A run that could not be prepared or started; the message says what to fix.
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

import Foundation

/// Where Playhouse finds `ansible-playbook`, `ansible-inventory` and its callback plugin.
///
/// Get one with ``locate(explicit:)``, or name a known folder with
/// ``init(binDirectory:callbackPluginDirectory:)``, and hand it to ``PlaybookRunner`` or
/// ``InventoryResolver``. Nothing is checked until a run starts the executables.
public struct AnsibleInstallation: Sendable {
    /// The folder holding `ansible-playbook` (a venv's `bin`), absolute.
    ///
    /// Every run gets it first on its `PATH`, so the tools a run starts (`ansible-galaxy`,
    /// the Python of the venv) come from the same installation.
    public var binDirectory: String
    /// The folder holding Playhouse's callback plugin, which writes a run's events.
    ///
    /// A run puts it first on `ANSIBLE_CALLBACK_PLUGINS`, before any folders the operator
    /// set there. Every ``RunUpdate/event(_:)`` of a run comes from this plugin.
    public var callbackPluginDirectory: String

    /// An installation in a known folder.
    ///
    /// - Parameters:
    ///   - binDirectory: The folder holding `ansible-playbook` and `ansible-inventory`; a
    ///     relative path is made absolute against the current directory.
    ///   - callbackPluginDirectory: The folder holding Playhouse's callback plugin; the
    ///     default, ``bundledCallbackPlugins``, is the copy shipped with this library.
    public init(binDirectory: String, callbackPluginDirectory: String = AnsibleInstallation.bundledCallbackPlugins) {
        self.binDirectory = URL(fileURLWithPath: binDirectory).standardizedFileURL.path
        self.callbackPluginDirectory = callbackPluginDirectory
    }

    /// The folder of the callback plugin shipped inside this library's resources; empty
    /// when the resource bundle lacks it.
    public static var bundledCallbackPlugins: String {
        Bundle.module.url(forResource: "callback_plugins", withExtension: nil)?.path ?? ""
    }

    /// Finds Ansible on this machine.
    ///
    /// Looks in `explicit`, then in `.venv/bin` of the current directory, then (only when
    /// no `explicit` folder is given) in each folder of `PATH`. The first folder holding an
    /// executable `ansible-playbook` wins.
    ///
    /// - Parameter explicit: A folder an operator named (`--ansible-bin`); nil or empty to
    ///   search the usual places.
    /// - Returns: The installation in that folder, with the ``bundledCallbackPlugins``.
    /// - Throws: ``RunnerError`` saying where it looked and how to install Ansible, when no
    ///   folder holds `ansible-playbook`.
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

    /// The path of `ansible-playbook` in ``binDirectory``: what every run starts.
    public var playbookExecutable: String { binDirectory + "/ansible-playbook" }
    /// The path of `ansible-inventory` in ``binDirectory``: what
    /// ``InventoryResolver/resolve(_:environment:limit:)`` starts to list an inventory.
    public var inventoryExecutable: String { binDirectory + "/ansible-inventory" }
}

/// A run that could not be prepared or started; the message says what to fix.
///
/// ``PlaybookRunner/run(_:control:onUpdates:)`` throws it for what goes wrong around
/// Ansible (a run directory that cannot be made, a git clone that fails, a missing
/// `ssh-agent`); what Ansible itself reports ends up in the ``RunResult`` instead.
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    /// One sentence for a person: what went wrong and, where known, what to do next.
    public var message: String

    /// An error with the given message.
    ///
    /// - Parameter message: What went wrong and what to do about it, for a person to read.
    public init(_ message: String) {
        self.message = message
    }

    /// The ``message`` as it is, so that `print(error)` and `"\(error)"` show it.
    public var description: String { message }
}

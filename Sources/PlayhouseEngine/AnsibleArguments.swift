import Foundation
import PlayhouseCore

/// The argv and environment of one `ansible-playbook` run.
enum AnsibleArguments {
    /// Writes the run's files (extra vars, inline inventory) into `directory` and returns
    /// the arguments after the executable. Values never pass through a shell and options
    /// are given as `--name=value`, so a value can never be read as another option.
    static func prepare(_ request: PlaybookRunRequest, in directory: String) throws -> [String] {
        var arguments: [String] = []
        switch request.inventory {
        case .path(let path):
            arguments.append("--inventory=\(path)")
        case .text(let text):
            // A .yml name lets the YAML plugin try it; the INI plugin accepts any name.
            let path = directory + "/inventory.yml"
            try JobDirectory.write(text, to: path)
            arguments.append("--inventory=\(path)")
        case .script(let text):
            let path = directory + "/inventory-script"
            try JobDirectory.write(text, to: path, executable: true)
            arguments.append("--inventory=\(path)")
        case .json(let value):
            // Ansible reads this JSON only from a script: one that prints the file.
            try JobDirectory.write(value.jsonString(), to: directory + "/inventory.json")
            let path = directory + "/inventory-script"
            try JobDirectory.write("#!/bin/sh\nexec cat \"$(dirname \"$0\")/inventory.json\"\n", to: path, executable: true)
            arguments.append("--inventory=\(path)")
        }
        // Later files win: a launch's values override the template's.
        if !request.templateVars.isEmpty {
            let path = directory + "/template-vars.json"
            try JobDirectory.write(JSONValue.object(request.templateVars).jsonString(), to: path)
            arguments.append("--extra-vars=@\(path)")
        }
        let extraVarsPath = directory + "/extra-vars.yml"
        try JobDirectory.write(UnsafeYAML.document(request.extraVars), to: extraVarsPath)
        arguments.append("--extra-vars=@\(extraVarsPath)")
        arguments += try credentialArguments(request.credentials, in: directory)
        if let limit = request.limit, !limit.isEmpty { arguments.append("--limit=\(limit)") }
        if !request.tags.isEmpty { arguments.append("--tags=\(request.tags.joined(separator: ","))") }
        if !request.skipTags.isEmpty { arguments.append("--skip-tags=\(request.skipTags.joined(separator: ","))") }
        if request.check { arguments.append("--check") }
        if request.diff { arguments.append("--diff") }
        if request.verbosity > 0 { arguments.append("-" + String(repeating: "v", count: min(request.verbosity, 4))) }
        if let forks = request.forks { arguments.append("--forks=\(forks)") }
        arguments.append(request.playbook)
        return arguments
    }

    /// Writes each secret into its own 0600 file and names the files on the command line.
    /// The private key goes to Ansible as a variable, which Ansible adds to the run's
    /// ``SSHAgent``: the one way Ansible takes a key with a passphrase.
    private static func credentialArguments(_ credentials: RunCredentials, in directory: String) throws -> [String] {
        var arguments: [String] = []
        if let user = credentials.user { arguments.append("--user=\(user)") }
        if let key = credentials.privateKey {
            var variables: [String: JSONValue] = ["ansible_ssh_private_key": .string(key)]
            if let passphrase = credentials.privateKeyPassphrase {
                variables["ansible_ssh_private_key_passphrase"] = .string(passphrase)
            }
            // Unsafe, like launch values: a passphrase holding `{{` is a passphrase.
            let path = directory + "/credential-vars.yml"
            try JobDirectory.write(UnsafeYAML.document(variables), to: path)
            arguments.append("--extra-vars=@\(path)")
        }
        if let password = credentials.connectionPassword {
            let path = directory + "/connection-password"
            try JobDirectory.write(password, to: path)
            arguments.append("--connection-password-file=\(path)")
        }
        if let password = credentials.becomePassword {
            let path = directory + "/become-password"
            try JobDirectory.write(password, to: path)
            arguments.append("--become-password-file=\(path)")
        }
        if let user = credentials.becomeUser { arguments.append("--become-user=\(user)") }
        if let method = credentials.becomeMethod { arguments.append("--become-method=\(method)") }
        for (index, vault) in credentials.vaults.enumerated() {
            let path = directory + "/vault-password-\(index + 1)"
            try JobDirectory.write(vault.password, to: path)
            arguments.append(vault.id.map { "--vault-id=\($0)@\(path)" } ?? "--vault-password-file=\(path)")
        }
        return arguments
    }

    /// Variables of Playhouse's own process that a run may see: locale, time zone, the
    /// user's SSH agent and the operator's Ansible settings. Nothing else leaks in.
    static let inheritedNames: Set<String> = ["HOME", "USER", "LOGNAME", "LANG", "TZ", "TMPDIR", "SSH_AUTH_SOCK"]

    static func environment(
        _ request: PlaybookRunRequest, in directory: String, ansible: AnsibleInstallation, marker: String,
        sshAgentSocket: String? = nil
    ) -> [String: String] {
        var environment: [String: String] = [:]
        for (name, value) in ProcessInfo.processInfo.environment
        where inheritedNames.contains(name) || name.hasPrefix("LC_") || name.hasPrefix("ANSIBLE_") {
            environment[name] = value
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        environment["PATH"] = ansible.binDirectory + ":" + path
        for (name, value) in request.environment { environment[name] = value }
        let callbackPaths = [ansible.callbackPluginDirectory, environment["ANSIBLE_CALLBACK_PLUGINS"]]
        let enabled = [environment["ANSIBLE_CALLBACKS_ENABLED"], "playhouse"]
        try? FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
        environment.merge([
            "ANSIBLE_CALLBACK_PLUGINS": callbackPaths.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":"),
            "ANSIBLE_CALLBACKS_ENABLED": enabled.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ","),
            "ANSIBLE_FORCE_COLOR": "1",
            // An inventory Ansible cannot parse is an error, not an empty run.
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_SSH_CONTROL_PATH_DIR": directory + "/cp",
            "ANSIBLE_LOCAL_TEMP": directory + "/tmp",
            "PYTHONUNBUFFERED": "1",
            "PLAYHOUSE_EVENTS_PATH": directory + "/events.fifo",
            ProcessSweep.variable: marker,
        ]) { _, new in new }
        if let sshAgentSocket { environment["ANSIBLE_SSH_AGENT"] = sshAgentSocket }
        if let tag = request.jobTag { environment[ProcessSweep.jobVariable] = tag }
        return environment
    }
}

public import Foundation
public import Logging
import PlayhouseCore
import Subprocess

#if canImport(System)
public import System
#else
import SystemPackage
#endif

/// Runs `ansible-playbook` and reports its events and output as they happen.
///
/// Each run gets a private directory, its own process group and an event pipe; the child
/// gets an argv (never a shell), the extra vars as a JSON file and a clean environment.
/// A stop (cancel, timeout, shutdown) sends SIGINT, then SIGTERM, then SIGKILL to every
/// process of the run while the output is read to the end, and nothing of the run is left
/// when ``run(_:control:onUpdates:)`` returns.
///
/// Iterate ``updates(_:)`` for the simplest use, or call ``run(_:control:onUpdates:)`` for
/// batches, the final ``RunResult`` and a ``RunControl`` to stop the run from elsewhere.
/// A runner holds no state of its own: one value may start any number of runs at once.
/// A process that shares ``runsDirectory`` with earlier ones calls
/// ``cleanUpAfterCrash(jobTags:)`` once at start.
public struct PlaybookRunner: Sendable {
    /// The Ansible every run of this runner starts.
    public var ansible: AnsibleInstallation
    /// Where private run directories are made (created when missing); by default
    /// `playhouse-runs` in the system's temporary folder. Several processes may share it.
    public var runsDirectory: String
    /// How long each stop signal gets before the next, stronger one.
    public var stopGrace: Duration
    /// What one run may hand over: line length, output and events.
    public var limits: RunLimits
    /// Where the runner tells what it does: each start with its argv (debug; secrets are in
    /// files, never in argv), each stop with its reason (info), crash leftovers (warning).
    public var logger: Logger

    /// A runner for the given Ansible.
    ///
    /// - Parameters:
    ///   - ansible: The installation every run starts.
    ///   - runsDirectory: Where private run directories are made.
    ///   - stopGrace: How long each stop signal gets before the next; 3 seconds by default.
    ///   - limits: What one run may hand over; ``RunLimits/init(maxLineBytes:maxOutputBytes:maxEvents:)``
    ///     gives the defaults.
    ///   - logger: Where the runner logs; `playhouse.runner` by default.
    public init(
        ansible: AnsibleInstallation, runsDirectory: String = NSTemporaryDirectory() + "playhouse-runs",
        stopGrace: Duration = .seconds(3), limits: RunLimits = RunLimits(), logger: Logger = Logger(label: "playhouse.runner")
    ) {
        self.ansible = ansible
        self.runsDirectory = runsDirectory
        self.stopGrace = stopGrace
        self.limits = limits
        self.logger = logger
    }

    /// Runs the playbook and iterates its updates; cancelling the iterating task stops the
    /// run and cleans up after it. The stream ends with the run; for the final status, use
    /// ``run(_:control:onUpdates:)``, which returns it.
    ///
    /// The run starts at once, in a task of its own, whether or not anyone iterates yet;
    /// updates wait in the stream until they are read.
    ///
    /// - Parameter request: What to run.
    /// - Returns: The run's updates, one by one in order. The stream finishes by throwing
    ///   what ``run(_:control:onUpdates:)`` would throw.
    public func updates(_ request: PlaybookRunRequest) -> AsyncThrowingStream<RunUpdate, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: RunUpdate.self)
        let control = RunControl()
        let task = Task {
            do {
                _ = try await run(request, control: control) { batch in
                    for update in batch { continuation.yield(update) }
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                control.stop(.canceled)
                task.cancel()
            }
        }
        return stream
    }

    /// Runs the playbook to its end, handing batches of updates to `onUpdates` in order,
    /// and returns how it ended. `control` stops it early. While nothing arrives,
    /// `onUpdates` gets an empty batch a few times a second, so a consumer that holds
    /// updates back can write them.
    ///
    /// Errors thrown are failures to prepare or start the run; everything Ansible itself
    /// reports (syntax errors, unreachable hosts) ends up in the result.
    ///
    /// A stop through `control` (``RunControl/stop(_:)``) signals the run's processes with
    /// SIGINT, then SIGTERM, then SIGKILL, each after ``stopGrace`` if processes are left,
    /// still reads the output to its end, and returns a result that says why it stopped.
    /// Cancelling the calling task also stops the processes, as a safety net; prefer
    /// `control`, which keeps the output and the result.
    ///
    /// - Parameters:
    ///   - request: What to run.
    ///   - control: Stops the run from elsewhere; by default one nobody else holds.
    ///   - onUpdates: Gets each batch of updates, one call at a time, in order; an empty
    ///     batch is an idle tick.
    /// - Returns: How the run ended: its outcome, exit code and summary.
    /// - Throws: ``RunnerError`` (or the error beneath it) when the run cannot be prepared or
    ///   started: the run directory, a git clone or galaxy install, the `ssh-agent`, starting
    ///   `ansible-playbook`; ``HostKeyRefusal`` when a git server's SSH host key is not among
    ///   the source's known hosts; and whatever `onUpdates` throws.
    public func run(
        _ request: PlaybookRunRequest, control: RunControl = RunControl(),
        onUpdates: @escaping @Sendable ([RunUpdate]) async throws -> Void
    ) async throws -> RunResult {
        try await JobDirectory.with(in: runsDirectory) { directory in
            try await run(request, in: directory, control: control, onUpdates: onUpdates)
        }
    }

    private func run(
        _ original: PlaybookRunRequest, in directory: String, control: RunControl,
        onUpdates: @escaping @Sendable ([RunUpdate]) async throws -> Void
    ) async throws -> RunResult {
        let sweep = ProcessSweep(directory: directory)
        if let tag = original.jobTag {
            // Lets a later start find this run's processes by tag, should this process die.
            try JobDirectory.write(tag, to: directory + "/" + JobDirectory.tagFile)
        }
        // The time limit counts from the start: a checkout waiting on a slow remote or on
        // another run's lock uses it up too.
        return try await withThrowingTaskGroup(of: Void.self) { timer in
            if let timeout = original.timeout {
                timer.addTask {
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { control.stop(.timedOut(seconds: timeout.inSeconds)) }
                }
            }
            defer { timer.cancelAll() }
            let staged = try await control.unlessStopped {
                try await prepare(original, in: directory, marker: sweep.marker, onUpdates: onUpdates)
            }
            switch staged {
            case .done(let (request, ansible)):
                return try await start(request, ansible: ansible, in: directory, sweep: sweep, control: control, onUpdates: onUpdates)
            case .stopped(let reason):
                logger.info("stopped before ansible-playbook started", metadata: ["reason": "\(reason)"])
                await sweep.terminateAll(grace: .seconds(1))
                return RunResult(outcome: .stopped(reason), exitCode: nil, summary: JobSummary())
            }
        }
    }

    /// The environments of this runner's projects, beside its run directories.
    public var environments: EnvironmentInstalls { EnvironmentInstalls(runsDirectory: runsDirectory, ansible: ansible) }

    /// Puts the project in place (a git project checked out, its galaxy requirements
    /// installed) and finds the Ansible it runs with: the request as it will run, and that
    /// installation.
    private func prepare(
        _ original: PlaybookRunRequest, in directory: String, marker: String,
        onUpdates: @escaping @Sendable ([RunUpdate]) async throws -> Void
    ) async throws -> (PlaybookRunRequest, AnsibleInstallation) {
        guard let git = original.git else {
            let (ansible, label) = try installation(for: original, root: original.workingDirectory)
            if let label { try await onUpdates([.environment(label), .output("Ansible environment: \(label)\n")]) }
            return (original, ansible)
        }
        let environment = AnsibleArguments.environment(original, in: directory, ansible: ansible, marker: marker)
        let mirrors = GitMirror.folder(in: runsDirectory)
        let cloned: (commit: String, note: String?, learnedHostKeys: String?)
        do {
            cloned = try await GitCheckout.clone(git, in: directory, environment: environment)
        } catch {
            // A fetch that failed is news for the project's page too.
            if let state = await GitMirror.state(of: git, mirrors: mirrors, environment: environment) {
                try await onUpdates([.mirror(state)])
            }
            throw error
        }
        let mirror = await GitMirror.state(of: git, mirrors: mirrors, environment: environment)
        let what =
            git.commit == nil
            ? "Checked out \(git.displayURL) (branch \(git.branch))" : "Checked out \(git.displayURL) at the pinned commit"
        let warning = cloned.note.map { "[WARNING]: \($0)\n" } ?? ""
        var updates: [RunUpdate] = [.checkout(commit: cloned.commit)] + (mirror.map { [.mirror($0)] } ?? [])
        var trusted = ""
        if let learned = cloned.learnedHostKeys {
            updates.append(.learnedHostKeys(learned))
            let keys = (try? KnownHosts(validating: learned).keys) ?? []
            trusted = keys.map { "Trusted the SSH host key of \($0.hosts) (\($0.type)) on first sight\n" }.joined()
        }
        try await onUpdates(updates + [.output("\(warning)\(trusted)\(what) at \(cloned.commit)\n")])
        let checkout = directory + "/project"
        let (ansible, label) = try installation(for: original, root: checkout)
        if let label { try await onUpdates([.environment(label), .output("Ansible environment: \(label)\n")]) }
        let (added, log, entries) = try await GalaxyRequirements.install(
            checkout: checkout, in: directory, ansible: ansible,
            environment: AnsibleArguments.environment(original, in: directory, ansible: ansible, marker: marker))
        try await onUpdates([.requirements(entries)] + (log.isEmpty ? [] : [.output(log)]))
        var resolved = original
        let catalog = ProjectCatalog(root: directory)
        resolved.workingDirectory = checkout
        resolved.playbook = try catalog.resolve(original.playbook, in: "project", field: "playbook")
        if case .path(let inventory) = original.inventory {
            resolved.inventory = .path(try catalog.resolve(inventory, in: "project", field: "inventory"))
        }
        resolved.environment.merge(added) { $1 }
        return (resolved, ansible)
    }

    /// The Ansible a run of the project in `root` uses, and what to tell of it: the
    /// environment an admin chose, else the one the project's `playhouse.yml` pins, else
    /// the runner's own (and nothing to tell).
    ///
    /// - Throws: ``EnvironmentNotBuilt`` when the environment is not built on this machine
    ///   yet; `ValidationError` for a project file to fix.
    private func installation(for request: PlaybookRunRequest, root: String) throws -> (AnsibleInstallation, String?) {
        let chosen: (environment: AnsibleEnvironment, source: String)
        if let picked = request.ansibleEnvironment {
            chosen = (picked.environment, "environment \(picked.name)")
        } else if let text = try? String(contentsOfFile: root + "/" + AnsibleEnvironment.projectFile, encoding: .utf8) {
            let folder = URL(fileURLWithPath: root)
            let catalog = ProjectCatalog(root: folder.deletingLastPathComponent().path)
            let environment = try AnsibleEnvironment.read(projectFile: text) { path throws(ValidationError) in
                let file = try catalog.resolve(path, in: folder.lastPathComponent, field: "python-requirements")
                guard let content = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw ValidationError("python-requirements \"\(path)\" of \(AnsibleEnvironment.projectFile) cannot be read")
                }
                return content
            }
            chosen = (environment, AnsibleEnvironment.projectFile)
        } else {
            return (ansible, nil)
        }
        guard let installation = environments.installation(for: chosen.environment) else {
            throw EnvironmentNotBuilt(environment: chosen.environment, source: chosen.source)
        }
        return (installation, "\(chosen.environment.label) (\(chosen.source))")
    }

    /// Starts `ansible-playbook` for a request whose project is in place, and reads it to
    /// its end.
    private func start(
        _ request: PlaybookRunRequest, ansible: AnsibleInstallation, in directory: String, sweep: ProcessSweep, control: RunControl,
        onUpdates: @escaping @Sendable ([RunUpdate]) async throws -> Void
    ) async throws -> RunResult {
        let arguments = try AnsibleArguments.prepare(request, in: directory)
        let agent = request.credentials.privateKey == nil ? nil : try await SSHAgent.start(jobTag: request.jobTag)
        defer { agent?.stop() }
        var environment = AnsibleArguments.environment(
            request, in: directory, ansible: ansible, marker: sweep.marker, sshAgentSocket: agent?.socket)
        if let facts = request.facts { environment.merge(try FactCache.prepare(facts, in: directory)) { _, cache in cache } }
        let pipe = try EventPipe(path: directory + "/events.fifo")
        let buffer = UpdateBuffer()
        let mask = SecretMask(secrets: request.credentials.secrets + request.maskedValues + (request.git?.secrets ?? []))
        let folded = FoldedRun(mask: mask, limits: limits)

        var options = PlatformOptions()
        options.createSession = true
        // The safety net when the Swift task itself is cancelled; a requested stop is
        // handled below so the output is still read to the end.
        options.teardownSequence = [
            .send(signal: .interrupt, toProcessGroup: true, allowedDurationToNextStep: stopGrace),
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: stopGrace),
        ]
        logger.debug("starting ansible-playbook", metadata: ["argv": .string(arguments.joined(separator: " "))])

        let end: ProcessEnd
        do {
            let result = try await Subprocess.run(
                .path(FilePath(ansible.playbookExecutable)),
                arguments: Arguments(arguments),
                environment: .custom(environment.reduce(into: [:]) { $0[.init(rawValue: $1.key)!] = $1.value }),
                workingDirectory: FilePath(request.workingDirectory),
                platformOptions: options,
                input: .none,
                output: .sequence,
                error: .sequence
            ) { execution in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await buffer.drain { batch in
                            let hasEvents = batch.contains { if case .event = $0 { true } else { false } }
                            try await onUpdates(hasEvents ? batch + [.summary(folded.summary)] : batch)
                        }
                    }
                    try await withThrowingTaskGroup(of: Void.self) { watchers in
                        watchers.addTask {
                            guard let reason = await control.waitForStop() else { return }
                            await stop(execution, sweep: sweep, reason: reason)
                        }
                        try await withThrowingTaskGroup(of: Void.self) { readers in
                            readers.addTask {
                                try await Self.readOutput(execution.standardOutput, into: buffer, log: folded, mask: mask, limits: limits)
                            }
                            readers.addTask {
                                try await Self.readOutput(execution.standardError, into: buffer, log: folded, mask: mask, limits: limits)
                            }
                            readers.addTask {
                                try await pipe.readLines { line in
                                    guard let event = folded.number(line) else { return }
                                    buffer.append(.event(event))
                                }
                            }
                            // stdout and stderr reach EOF when every process holding them is
                            // gone; only then may the event pipe end.
                            try await readers.next()
                            try await readers.next()
                            pipe.closeWriter()
                            try await readers.waitForAll()
                        }
                        watchers.cancelAll()
                    }
                    buffer.finish()
                    try await group.waitForAll()
                }
            }
            switch result.terminationStatus {
            case .exited(let code): end = .exited(Int(code))
            case .signaled(let signal): end = .signaled(Int(signal))
            }
        } catch {
            buffer.finish()
            await sweep.terminateAll(grace: .seconds(1))
            throw error
        }
        // ssh ControlPersist masters outlive ansible-playbook; they belong to this run.
        await sweep.terminateAll(grace: .seconds(1))

        let summary = folded.summary
        let outcome = RunOutcome.decide(
            end: end, summary: summary, stopReason: control.reason,
            errorLine: folded.errorMessage)
        var exitCode: Int? = nil
        if case .exited(let code) = end { exitCode = code }
        var result = RunResult(outcome: outcome, exitCode: exitCode, summary: summary)
        if request.facts != nil { result.facts = FactCache.gathered(in: directory) }
        return result
    }

    /// Ends what a crashed Playhouse left running: every process of the given jobs (by
    /// their ``PlaybookRunRequest/jobTag``), and every run directory whose process is
    /// gone with the processes of its run. Call it once at start, before any run of this
    /// runner begins. The runs of live processes sharing the runs directory go on: each
    /// holds a lock on its run directories for as long as it lives.
    ///
    /// - Parameter jobTags: The ``PlaybookRunRequest/jobTag`` of every job the crashed
    ///   process may have been running (from the caller's records); empty when unknown, and
    ///   leftover run directories are still cleaned up.
    public func cleanUpAfterCrash(jobTags: [String]) async {
        for tag in jobTags {
            await ProcessSweep.terminate(grace: stopGrace) {
                ProcessSweep.processes(environment: "\(ProcessSweep.jobVariable)=\(tag)", commandLine: nil)
            }
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory)) ?? []
        for name in leftovers where name.hasPrefix(JobDirectory.prefix) {
            let directory = runsDirectory + "/" + name
            // Held: a run of a live process sharing the runs directory.
            guard let lock = try? RunDirectoryLock.take(directory) else { continue }
            defer { lock.release() }
            let tag = try? String(contentsOfFile: directory + "/" + JobDirectory.tagFile, encoding: .utf8)
            await ProcessSweep.terminate(grace: stopGrace) {
                ProcessSweep.processes(
                    environment: tag.map { "\(ProcessSweep.jobVariable)=\($0)" }, commandLine: directory + "/")
            }
            try? FileManager.default.removeItem(atPath: directory)
            logger.warning("removed a run directory left by a crash", metadata: ["directory": .string(directory)])
        }
    }

    /// Stops a run: SIGINT to its process group, then SIGTERM, then SIGKILL to every
    /// process of the run, each after `stopGrace` if processes are left.
    private func stop(_ execution: Execution<NoInput, SequenceOutput, SequenceOutput>, sweep: ProcessSweep, reason: StopReason) async {
        logger.info("stopping ansible-playbook", metadata: ["reason": "\(reason)"])
        try? execution.send(signal: .interrupt, toProcessGroup: true)
        if await sweep.waitUntilGone(limit: stopGrace) { return }
        try? execution.send(signal: .terminate, toProcessGroup: true)
        sweep.signal(SIGTERM)
        if await sweep.waitUntilGone(limit: stopGrace) { return }
        try? execution.send(signal: .kill, toProcessGroup: true)
        sweep.signal(SIGKILL)
    }

    /// Hands the output over in whole lines, with the run's secrets masked: a secret never
    /// spans two handovers, since only multi-line secrets hold a newline and those are
    /// masked line by line too.
    private static func readOutput(
        _ sequence: SubprocessOutputSequence, into buffer: UpdateBuffer, log: FoldedRun, mask: SecretMask, limits: RunLimits
    ) async throws {
        var lines = OutputLines(mask: mask, maxLineBytes: limits.maxLineBytes)
        func handOver(_ text: String?) {
            guard let text, let kept = log.admit(output: text) else { return }
            log.record(output: kept)
            buffer.append(.output(kept))
        }
        // Read to the end even past the limits: a reader that stops can hang Ansible.
        for try await chunk in sequence {
            handOver(chunk.withUnsafeBytes { lines.take($0) })
        }
        handOver(lines.finish())
    }
}

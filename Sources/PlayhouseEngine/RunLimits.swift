/// Bounds on what one run may hand over, so a playbook that prints without end cannot
/// fill the worker's memory or the store. What passes a bound is dropped, said so in the
/// log, and counted on the job (`JobSummary.droppedOutputBytes`,
/// `JobSummary.droppedEvents`).
public struct RunLimits: Sendable, Equatable {
    /// The longest line of output kept; the rest of a longer line is dropped with a mark.
    public var maxLineBytes: Int
    /// Output kept per run (stdout and stderr together); later output is dropped after
    /// one marker line.
    public var maxOutputBytes: Int
    /// Events kept per run; later ones still count in the summary and the recap is kept.
    public var maxEvents: Int

    /// Limits for one run.
    ///
    /// - Parameters:
    ///   - maxLineBytes: The longest line kept, in bytes; 64 KiB by default.
    ///   - maxOutputBytes: Output kept per run, in bytes; 256 MiB by default.
    ///   - maxEvents: Events kept per run; one million by default.
    public init(maxLineBytes: Int = 64 * 1024, maxOutputBytes: Int = 256 * 1024 * 1024, maxEvents: Int = 1_000_000) {
        self.maxLineBytes = maxLineBytes
        self.maxOutputBytes = maxOutputBytes
        self.maxEvents = maxEvents
    }
}

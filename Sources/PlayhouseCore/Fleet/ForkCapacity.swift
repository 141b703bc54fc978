/// How much a worker can run at once, counted in Ansible forks as AWX counts it, and how
/// much a job takes of it (its weight).
public enum ForkCapacity {
    /// Ansible's own default for `forks`: a job that sets none weighs this much.
    public static let ansibleDefaultForks = 5
    /// The most a template may say its jobs weigh: as many forks as a launch may ask for.
    public static let maxWeight = 500
    /// What AWX reckons one fork takes: a quarter of a core, 100 MB of memory, with 2 GB
    /// kept for everything else on the machine.
    static let forksPerCore = 4
    static let megabytesPerFork = 100
    static let reservedMegabytes = 2048

    /// The forks a machine of `cores` and `memoryBytes` runs at once: the larger of its CPU
    /// capacity (4 forks per core) and its memory capacity ((MB − 2048) / 100), as AWX
    /// picks by default (its capacity adjustment of 1.0). A fork mostly waits on the
    /// network, so cores are overcommitted long before memory runs out.
    public static func machineDefault(cores: Int, memoryBytes: UInt64) -> Int {
        let cpu = max(1, cores) * forksPerCore
        let megabytes = Int(min(memoryBytes / 1_048_576, UInt64(Int32.max)))
        let memory = (megabytes - reservedMegabytes) / megabytesPerFork
        return max(cpu, memory)
    }

    /// A job's weight: the template's `weight` when it sets one, else its forks, else
    /// Ansible's default.
    public static func weight(forks: Int?, templateWeight: Int?) -> Int {
        templateWeight ?? forks ?? ansibleDefaultForks
    }
}

import Foundation

/// Order statistics over samples, in the samples' unit.
enum Stats {
    static func median(_ samples: [Double]) -> Double {
        percentile(samples, 50)
    }

    /// The nearest-rank percentile `p` (0–100); 0 when there are no samples.
    static func percentile(_ samples: [Double], _ p: Double) -> Double {
        guard !samples.isEmpty else { return 0 }
        let sorted = samples.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Seconds since 1970, as Python's `time.time()` gives them (the callback's clock).
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

/// Formatting figures for the report.
enum Figure {
    static func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    static func s(_ seconds: Double) -> String { String(format: "%.2f s", seconds) }
    static func ratio(_ value: Double) -> String { String(format: "%.3f", value) }
    static func count(_ value: Double) -> String { String(format: "%.0f", value) }
    static func mib(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
    static func verdict(_ met: Bool) -> String { met ? "met" : "**not met**" }
}

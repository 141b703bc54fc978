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

/// Repeats a closure for a time budget and reports the median time per
/// call over several samples; medians shrug off the noise of a shared
/// 2-core machine better than means.
enum Stopwatch {
    /// Sink that keeps the optimiser from deleting measured work.
    nonisolated(unsafe) static var sink: UInt64 = 0

    static func nanosecondsPerCall(samples: Int = 7, seconds: Double, _ body: () -> UInt64) -> Double {
        let clock = ContinuousClock()
        // Calibrate: how many calls fit in about a tenth of the budget.
        var batch = 1
        while true {
            let elapsed = clock.measure { for _ in 0..<batch { sink &+= body() } }
            if elapsed > .milliseconds(Int(seconds * 100)) || batch >= 1 << 30 { break }
            batch *= 2
        }
        let callsPerSample = max(1, Int(Double(batch) * 10 * seconds / Double(samples)))
        var results: [Double] = []
        for _ in 0..<samples {
            let elapsed = clock.measure { for _ in 0..<callsPerSample { sink &+= body() } }
            let (s, attos) = elapsed.components
            results.append((Double(s) * 1e9 + Double(attos) / 1e9) / Double(callsPerSample))
        }
        results.sort()
        return results[results.count / 2]
    }
}

import DAMCWire

// damc-bench: DAMC benchmarks. Not tests: they print figures beside a
// reference measured in the same run and never fail on timing.
//
//   swift run -c release damc-bench wire     codec: encode/decode vs a plain copy
//
// Results and the commands that produced them go in docs/performance.md.

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "wire"?:
    WireBenchmark.run(seconds: arguments.count > 1 ? Double(arguments[1]) ?? 0.3 : 0.3)
case "worst-case"?:
    // One worst-case input for the allocation check (scripts/alloc-check.sh);
    // -1 builds the input without decoding it (the baseline).
    let index = arguments.count > 1 ? Int(arguments[1]) ?? -2 : -2
    if index == -1, arguments.count > 2, let base = Int(arguments[2]) {
        print("baseline: \(WorstCases.cases[base].1().count) bytes")
    } else {
        WorstCases.run(index)
    }
case "profile-decode"?:
    // A loop for profilers (perf, callgrind): decode one case N times.
    let cases = WireBenchmark.cases()
    let index = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 0
    let count = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
    let bytes = cases[min(index, cases.count - 1)].message.encode()
    var decoded = 0
    for _ in 0..<count where (try? DAMCMessage.decode(bytes)) != nil { decoded += 1 }
    print("decoded \(decoded) x \(bytes.count) bytes")
default:
    print("""
        usage: damc-bench wire [SECONDS-PER-SAMPLE]

        wire   encode and decode of a hello, a 50-prefix LSA and an LSA at
               the largest size allowed (\(16_384) bytes), in ns per message
               and MB/s, beside a plain copy of the same bytes.
        """)
}

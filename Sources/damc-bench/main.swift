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
case "spf"?:
    RoutingBenchmark.spf()
case "profile-spf"?:
    RoutingBenchmark.spf(profileIterations: arguments.count > 1 ? Int(arguments[1]) ?? 300 : 300)
case "fib"?:
    RoutingBenchmark.fib(sizes: arguments.count > 1 ? arguments.dropFirst().compactMap { Int($0) } : [100_000, 1_000_000])
case "profile-fib"?:
    RoutingBenchmark.profileLookups(size: 100_000, count: arguments.count > 1 ? Int(arguments[1]) ?? 5_000_000 : 5_000_000)
case "ccdr"?:
    // CCDR placing 1,000 flows on RFC 8735's 500-node topology beside plain Dijkstra (issue 8).
    CCDRBenchmark.run()
case "sim"?:
    RoutingBenchmark.simulation(routers: arguments.count > 1 ? Int(arguments[1]) ?? 400 : 400,
                                gateways: arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100)
case "routing"?:
    RoutingBenchmark.spf()
    RoutingBenchmark.fib(sizes: [100_000, 1_000_000])
    RoutingBenchmark.simulation(routers: 400, gateways: 100)
case "loopback"?:
    // Daemons on loopback (issue 5): convergence after a link failure,
    // memory and idle CPU. Needs the release daemons next to damc-bench.
    LoopbackBenchmark.run(topologyPath: arguments.count > 1 ? arguments[1] : "examples/figure2.json")
case "security"?:
    // Grants signed and verified per second beside openssl speed ed25519 (issue 6).
    SecurityBenchmark.run(seconds: arguments.count > 1 ? Double(arguments[1]) ?? 2 : 2)
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
        usage: damc-bench wire [SECONDS-PER-SAMPLE] | spf | fib [SIZES...] | sim [ROUTERS GATEWAYS] | routing

        wire   encode and decode of a hello, a 50-prefix LSA and an LSA at
               the largest size allowed (\(16_384) bytes), in ns per message
               and MB/s, beside a plain copy of the same bytes.
        ccdr   1,000 flows placed by CCDR on the RFC 8735 topology (500
               nodes, 22,000+ arcs), beside 1,000 plain Dijkstra searches.
        spf    full SPF + RIB + FIB on 1,000 nodes / 4,000 links / 10,000
               prefixes, beside a textbook binary-heap Dijkstra.
        fib    longest-prefix lookup and memory at 100,000 and 1,000,000
               prefixes, beside a dictionary and a linear scan.
        sim    a 500-node simulation: cold start, flooding cost of one
               origination against 2 x links, wall time of a link failure.
        routing  spf, fib and sim together.
        """)
}

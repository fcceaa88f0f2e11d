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
default:
    print("""
        usage: damc-bench wire [SECONDS-PER-SAMPLE]

        wire   encode and decode of a hello, a 50-prefix LSA and an LSA at
               the largest size allowed (\(16_384) bytes), in ns per message
               and MB/s, beside a plain copy of the same bytes.
        """)
}

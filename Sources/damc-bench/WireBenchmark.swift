import DAMCWire

/// Codec throughput: encode and decode of three messages that bracket
/// what the flooding layer sends, beside a plain copy of the same bytes
/// (allocate + memcpy), which is the floor for producing owned bytes.
enum WireBenchmark {
    struct Case {
        let name: String
        let message: DAMCMessage
    }

    static func grant(_ prefix: ServiceName, serial: UInt64) -> Grant {
        Grant(prefix: prefix, gateway: try! NodeID("sg4"), pod: try! PodID("pod-\(serial % 97)"),
              notBefore: 1_795_000_000, notAfter: 1_795_086_400, serial: serial, keyID: try! KeyID("spa-2026a"),
              signature: (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(serial)) })
    }

    static func prefixLSA(entries: Int) -> LSA {
        let list = (0..<entries).map { index -> PrefixEntry in
            let name = try! ServiceName("/shop/svc-\(index)/v1")
            return PrefixEntry(prefix: name, metric: 10, grant: grant(name, serial: UInt64(index)))
        }
        return LSA(origin: try! NodeID("sg4"), sequence: 12_345, lifetime: 3600, body: .servicePrefix(list))
    }

    /// The largest service-prefix LSA that fits in `Limits.maxLSASize`.
    static func largestLSA() -> LSA {
        var count = 1
        while prefixLSA(entries: count + 1).encode().count <= Limits.maxLSASize + 4 { count += 1 }
        return prefixLSA(entries: count)
    }

    static func cases() -> [Case] {
        let hello = Hello(sender: try! NodeID("sr1"), role: .router, helloIntervalMs: 1000, deadIntervalMs: 4000,
                          neighbors: [try! NodeID("sg1"), try! NodeID("sr2"), try! NodeID("sr3")],
                          trailer: AuthTrailer(keyNumber: 1, sequence: 99, mac: Array(repeating: 0xAB, count: 32)))
        let sender = try! NodeID("sg4")
        return [
            Case(name: "hello", message: .hello(hello)),
            Case(name: "LSU, 50-prefix LSA", message: .linkStateUpdate(LinkStateUpdate(sender: sender, lsas: [prefixLSA(entries: 50)]))),
            Case(name: "LSU, largest LSA", message: .linkStateUpdate(LinkStateUpdate(sender: sender, lsas: [largestLSA()]))),
        ]
    }

    static func copy(_ bytes: [UInt8]) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            bytes.withUnsafeBufferPointer { source in
                _ = buffer.initialize(fromContentsOf: source)
            }
            count = bytes.count
        }
    }

    static func run(seconds: Double) {
        print("DAMC codec benchmark (release build; median of 7 samples; MB = 10^6 bytes)")
        print("reference: plain copy of the same bytes (allocate + memcpy) in the same run\n")
        let header = ["message", "bytes", "encode ns", "encode MB/s", "decode ns", "decode MB/s",
                      "copy ns", "copy MB/s", "decode/copy", "CRC-32C ns"]
        var rows: [[String]] = []
        for item in cases() {
            let bytes = item.message.encode()
            precondition((try? DAMCMessage.decode(bytes)) == item.message, "benchmark message does not round-trip")
            let encode = Stopwatch.nanosecondsPerCall(seconds: seconds) { UInt64(item.message.encode().count) }
            let decode = Stopwatch.nanosecondsPerCall(seconds: seconds) {
                (try? DAMCMessage.decode(bytes)) == nil ? 0 : 1
            }
            let copied = Stopwatch.nanosecondsPerCall(seconds: seconds) { UInt64(copy(bytes).count) }
            let crc = Stopwatch.nanosecondsPerCall(seconds: seconds) { UInt64(CRC32C.checksum(bytes)) }
            func mbps(_ ns: Double) -> String { format(Double(bytes.count) / ns * 1000, 1) }
            rows.append([item.name, "\(bytes.count)", format(encode, 0), mbps(encode), format(decode, 0), mbps(decode),
                         format(copied, 0), mbps(copied), format(decode / copied, 1) + "x", format(crc, 0)])
        }
        printTable(header, rows)
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = Double(Int(value * scale + 0.5)) / scale
        var text = decimals == 0 ? String(Int(rounded)) : String(rounded)
        if decimals > 0, let dot = text.firstIndex(of: ".") {
            let have = text.distance(from: dot, to: text.endIndex) - 1
            if have < decimals { text += String(repeating: "0", count: decimals - have) }
        }
        return text
    }

    static func printTable(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }
}

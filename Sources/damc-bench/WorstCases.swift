import DAMCWire

/// Inputs built to make the decoder allocate as much as it can per input
/// byte: the smallest possible elements, repeated up to each limit. Used
/// by `scripts/alloc-check.sh`, which runs `damc-bench worst-case K` under
/// valgrind's DHAT and compares peak live heap with the input size.
enum WorstCases {
    static func tlv(_ type: ElementType, _ value: [UInt8]) -> [UInt8] {
        var writer = TLVWriter()
        writer.write(type, bytes: value)
        return writer.bytes
    }

    static func int(_ type: ElementType, _ value: UInt64) -> [UInt8] {
        var writer = TLVWriter()
        writer.write(type, integer: value)
        return writer.bytes
    }

    static func message(_ type: MessageType, _ elements: [UInt8]) -> [UInt8] {
        var writer = TLVWriter()
        writer.nested(rawType: type.rawValue) { writer in
            writer.bytes.append(DAMCMessage.version)
            writer.bytes.append(contentsOf: elements)
        }
        return writer.bytes
    }

    static let node = tlv(.nodeID, [0x61])
    static let tinyName = tlv(.name, tlv(.nameComponent, [0x61]))


    static let cases: [(String, @Sendable () -> [UInt8])] = [
        ("hello, 1024 one-byte neighbours", {
            message(.hello, node + int(.role, 2) + int(.helloInterval, 1) + int(.deadInterval, 1) + int(.flags, 0)
                + Array((0..<Limits.maxHelloNeighbors).map { _ in tlv(.neighbor, [0x62]) }.joined()))
        }),
        ("ack, 4096 minimal LSA headers", {
            let header = tlv(.lsaHeader, node + int(.lsaType, 1) + int(.lsaFragment, 0) + int(.lsaSequence, 1)
                + int(.lsaLifetime, 0) + tlv(.lsaChecksum, [0, 0, 0, 0]))
            return message(.linkStateAck, node + Array(repeatElement(header, count: Limits.maxHeadersPerPacket).joined()))
        }),
        ("LSU, prefix LSA of 1024 minimal entries", {
            let entries = (0..<Limits.maxPrefixesPerLSA).map { _ in
                PrefixEntry(prefix: try! ServiceName("/a"), metric: 0)
            }
            let lsa = LSA(origin: try! NodeID("a"), sequence: 1, lifetime: 1, body: .servicePrefix(entries))
            return LinkStateUpdate(sender: try! NodeID("a"), lsas: [lsa]).encode()
        }),
        ("LSU, 256 minimal adjacency LSAs", {
            let lsa = LSA(origin: try! NodeID("a"), sequence: 1, lifetime: 1, body: .adjacency(flags: [], adjacencies: []))
            return LinkStateUpdate(sender: try! NodeID("a"), lsas: Array(repeating: lsa, count: Limits.maxLSAsPerUpdate)).encode()
        }),
        ("telemetry, 8192 minimal instance reports", {
            let endpoint = Endpoint(address: .v4(127, 0, 0, 1), port: 0)
            let report = InstanceReport(prefix: .root, endpoint: endpoint, rttMicros: nil, lossPPM: 0, available: false)
            return Telemetry(reporter: try! NodeID("a"), timestampMs: 0,
                             instances: Array(repeating: report, count: Limits.maxInstanceReports)).encode()
        }),
        ("hello, 32 one-byte extensions", {
            message(.hello, node + int(.role, 2) + int(.helloInterval, 1) + int(.deadInterval, 1) + int(.flags, 0)
                + Array((0..<Limits.maxExtensions).map { _ in tlv(ElementType(rawValue: 0xFA), [1]) }.joined()))
        }),
        ("announce, name of 32 one-byte components", {
            PrefixAnnounce(requestID: 0, pod: try! PodID("a"),
                           prefix: try! ServiceName(components: Array(repeating: [0x61], count: 32)),
                           endpoint: Endpoint(address: .v4(127, 0, 0, 1), port: 0), weight: 0).encode()
        }),
    ]

    /// Decodes case `index` once and keeps the result alive until exit, so
    /// that DHAT's peak includes it.
    static func run(_ index: Int) {
        guard index >= 0 && index < cases.count else {
            for (number, item) in cases.enumerated() { print(number, item.0) }
            return
        }
        let input = cases[index].1()
        let decoded = try? DAMCMessage.decode(input)
        print("\(cases[index].0): \(input.count) bytes, decoded: \(decoded != nil)")
        withExtendedLifetime(decoded) {}
    }
}

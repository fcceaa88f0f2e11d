import DAMCWire
import PropertyBased

/// Random *valid* values of every DAMC type, for round-trip properties.
/// Every value respects the limits of docs/wire.md §6, so encoding it and
/// decoding the result must give it back.
enum Arbitrary {
    static let identifierAlphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)

    static func int<R: RandomNumberGenerator>(_ range: ClosedRange<Int>, _ rng: inout R) -> Int {
        Int.random(in: range, using: &rng)
    }

    /// Integers spread over every encoded width (1, 2, 4, 8 bytes).
    static func u64<R: RandomNumberGenerator>(_ rng: inout R) -> UInt64 {
        switch UInt8.random(in: 0...3, using: &rng) {
        case 0: return UInt64.random(in: 0...0xFF, using: &rng)
        case 1: return UInt64.random(in: 0...0xFFFF, using: &rng)
        case 2: return UInt64.random(in: 0...0xFFFF_FFFF, using: &rng)
        default: return UInt64.random(in: 0...UInt64.max, using: &rng)
        }
    }

    static func u32<R: RandomNumberGenerator>(_ rng: inout R) -> UInt32 {
        UInt32(truncatingIfNeeded: u64(&rng) % (UInt64(UInt32.max) + 1))
    }

    static func bytes<R: RandomNumberGenerator>(_ count: ClosedRange<Int>, _ rng: inout R) -> [UInt8] {
        (0..<int(count, &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func identifierText<R: RandomNumberGenerator>(_ rng: inout R) -> String {
        let length = Bool.random(using: &rng) ? int(1...8, &rng) : int(1...Limits.maxIdentifierBytes, &rng)
        let first = identifierAlphabet.prefix(62).randomElement(using: &rng)!
        let rest = (1..<length).map { _ in identifierAlphabet.randomElement(using: &rng)! }
        return String(decoding: [first] + rest, as: UTF8.self)
    }

    static func node<R: RandomNumberGenerator>(_ rng: inout R) -> NodeID { try! NodeID(identifierText(&rng)) }
    static func pod<R: RandomNumberGenerator>(_ rng: inout R) -> PodID { try! PodID(identifierText(&rng)) }
    static func key<R: RandomNumberGenerator>(_ rng: inout R) -> KeyID { try! KeyID(identifierText(&rng)) }

    static func component<R: RandomNumberGenerator>(_ rng: inout R) -> [UInt8] {
        while true {
            let short = Bool.random(using: &rng)
            let component: [UInt8] = short
                ? (0..<int(1...10, &rng)).map { _ in identifierAlphabet.randomElement(using: &rng)! }
                : bytes(1...Limits.maxComponentBytes, &rng)
            if component != [0x2E] && component != [0x2E, 0x2E] { return component }
        }
    }

    static func name<R: RandomNumberGenerator>(_ rng: inout R, maxComponents: Int = 6) -> ServiceName {
        let count = int(0...maxComponents, &rng)
        return try! ServiceName(components: (0..<count).map { _ in component(&rng) })
    }

    /// A name with many long components, up to the limits.
    static func bigName<R: RandomNumberGenerator>(_ rng: inout R) -> ServiceName {
        name(&rng, maxComponents: Limits.maxNameComponents)
    }

    static func text<R: RandomNumberGenerator>(_ rng: inout R) -> String {
        let scalars = ["a", "é", "中", "🙂", " ", "-", "Z", "\n"]
        var text = ""
        for _ in 0..<int(0...40, &rng) { text += scalars.randomElement(using: &rng)! }
        return text
    }

    static func optional<T, R: RandomNumberGenerator>(_ rng: inout R, _ make: (inout R) -> T) -> T? {
        Bool.random(using: &rng) ? make(&rng) : nil
    }

    /// Unknown non-critical elements, with types that take 1, 3 and 5 bytes.
    static func extensions<R: RandomNumberGenerator>(_ rng: inout R) -> [RawElement] {
        guard int(0...3, &rng) == 0 else { return [] }
        return (0..<int(1...3, &rng)).map { _ in
            let types: [UInt64] = [0xF8, 0xFA, 0x1000, 0x2_0000]
            return RawElement(type: types.randomElement(using: &rng)!, value: bytes(0...20, &rng))
        }
    }

    static func address<R: RandomNumberGenerator>(_ rng: inout R) -> IPAddress {
        try! IPAddress(bytes: bytes(Bool.random(using: &rng) ? 4...4 : 16...16, &rng))
    }

    static func endpoint<R: RandomNumberGenerator>(_ rng: inout R) -> Endpoint {
        Endpoint(address: address(&rng), port: UInt16.random(in: 0...UInt16.max, using: &rng),
                 extensions: extensions(&rng))
    }

    static func trailer<R: RandomNumberGenerator>(_ rng: inout R) -> AuthTrailer {
        AuthTrailer(keyNumber: UInt16.random(in: 0...UInt16.max, using: &rng), sequence: u64(&rng),
                    mac: bytes(Limits.macBytes, &rng), extensions: extensions(&rng))
    }

    static func grant<R: RandomNumberGenerator>(_ rng: inout R) -> Grant {
        let start = u64(&rng) / 2
        return Grant(prefix: name(&rng), gateway: node(&rng), pod: pod(&rng), notBefore: start,
                     notAfter: start + u64(&rng) / 2, serial: u64(&rng), keyID: key(&rng),
                     extensions: extensions(&rng), signature: bytes(1...80, &rng))
    }

    static func adjacency<R: RandomNumberGenerator>(_ rng: inout R) -> Adjacency {
        Adjacency(neighbor: node(&rng), cost: max(1, u32(&rng)), capacityKbps: u64(&rng),
                  linkID: optional(&rng) { u32(&$0) }, extensions: extensions(&rng))
    }

    static func prefixEntry<R: RandomNumberGenerator>(_ rng: inout R) -> PrefixEntry {
        PrefixEntry(prefix: name(&rng, maxComponents: 3), metric: u32(&rng),
                    grant: optional(&rng) { grant(&$0) }, extensions: extensions(&rng))
    }

    static func lsa<R: RandomNumberGenerator>(_ rng: inout R) -> LSA {
        while true {
            let body: LSABody = Bool.random(using: &rng)
                ? .adjacency(flags: NodeFlags(rawValue: u64(&rng)),
                             adjacencies: (0..<int(0...8, &rng)).map { _ in adjacency(&rng) })
                : .servicePrefix((0..<int(0...6, &rng)).map { _ in prefixEntry(&rng) })
            let lsa = LSA(origin: node(&rng), fragment: UInt16.random(in: 0...UInt16.max, using: &rng),
                          sequence: max(1, u64(&rng)), lifetime: UInt16.random(in: 0...UInt16.max, using: &rng),
                          body: body, extensions: extensions(&rng))
            if lsa.encode().count <= Limits.maxLSASize { return lsa }
        }
    }

    static func lsaKey<R: RandomNumberGenerator>(_ rng: inout R) -> LSAKey {
        LSAKey(origin: node(&rng), type: LSAType.allCases.randomElement(using: &rng)!,
               fragment: UInt16.random(in: 0...UInt16.max, using: &rng))
    }

    static func lsaHeader<R: RandomNumberGenerator>(_ rng: inout R) -> LSAHeader {
        LSAHeader(key: lsaKey(&rng), sequence: max(1, u64(&rng)),
                  lifetime: UInt16.random(in: 0...UInt16.max, using: &rng), checksum: u32(&rng))
    }

    static func policyAction<R: RandomNumberGenerator>(_ rng: inout R) -> PolicyAction {
        while true {
            let action = PolicyAction(
                path: optional(&rng) { rng in ExplicitPath(hops: (0..<int(1...8, &rng)).map { _ in node(&rng) }) },
                targetGateway: optional(&rng) { node(&$0) },
                targetInstance: optional(&rng) { endpoint(&$0) },
                extensions: extensions(&rng))
            if action.path != nil || action.targetGateway != nil || action.targetInstance != nil { return action }
        }
    }

    // MARK: Messages

    static func prefixAnnounce<R: RandomNumberGenerator>(_ rng: inout R) -> PrefixAnnounce {
        PrefixAnnounce(requestID: u64(&rng), pod: pod(&rng), prefix: bigName(&rng), endpoint: endpoint(&rng),
                       weight: UInt16.random(in: 0...UInt16.max, using: &rng),
                       token: optional(&rng) { bytes(Limits.podTokenBytes, &$0) }, extensions: extensions(&rng))
    }

    static func prefixWithdraw<R: RandomNumberGenerator>(_ rng: inout R) -> PrefixWithdraw {
        PrefixWithdraw(requestID: u64(&rng), pod: pod(&rng), prefix: name(&rng), endpoint: endpoint(&rng),
                       token: optional(&rng) { bytes(Limits.podTokenBytes, &$0) }, extensions: extensions(&rng))
    }

    static func prefixAnswer<R: RandomNumberGenerator>(_ rng: inout R) -> PrefixAnswer {
        let status = AnswerStatus.allCases.randomElement(using: &rng)!
        let reason: ReasonCode? = status == .denied || Bool.random(using: &rng)
            ? ReasonCode(rawValue: UInt16.random(in: 0...UInt16.max, using: &rng)) : nil
        return PrefixAnswer(requestID: u64(&rng), prefix: name(&rng), status: status, reason: reason,
                            reasonText: optional(&rng) { text(&$0) }, grantExpiry: optional(&rng) { u64(&$0) },
                            extensions: extensions(&rng))
    }

    static func hello<R: RandomNumberGenerator>(_ rng: inout R) -> Hello {
        let interval = max(1, u32(&rng) / 2)
        return Hello(sender: node(&rng), role: NodeRole.allCases.randomElement(using: &rng)!,
                     helloIntervalMs: interval, deadIntervalMs: interval + u32(&rng) / 2,
                     flags: HelloFlags(rawValue: u64(&rng)),
                     neighbors: (0..<int(0...20, &rng)).map { _ in node(&rng) },
                     extensions: extensions(&rng), trailer: optional(&rng) { trailer(&$0) })
    }

    static func linkStateUpdate<R: RandomNumberGenerator>(_ rng: inout R) -> LinkStateUpdate {
        LinkStateUpdate(sender: node(&rng), lsas: (0..<int(1...4, &rng)).map { _ in lsa(&rng) },
                        extensions: extensions(&rng), trailer: optional(&rng) { trailer(&$0) })
    }

    static func linkStateAck<R: RandomNumberGenerator>(_ rng: inout R) -> LinkStateAck {
        LinkStateAck(sender: node(&rng), headers: (0..<int(1...10, &rng)).map { _ in lsaHeader(&rng) },
                     extensions: extensions(&rng), trailer: optional(&rng) { trailer(&$0) })
    }

    static func databaseSummary<R: RandomNumberGenerator>(_ rng: inout R) -> DatabaseSummary {
        DatabaseSummary(sender: node(&rng), flags: SummaryFlags(rawValue: u64(&rng)),
                        headers: (0..<int(0...10, &rng)).map { _ in lsaHeader(&rng) },
                        extensions: extensions(&rng), trailer: optional(&rng) { trailer(&$0) })
    }

    static func linkStateRequest<R: RandomNumberGenerator>(_ rng: inout R) -> LinkStateRequest {
        LinkStateRequest(sender: node(&rng), keys: (0..<int(1...10, &rng)).map { _ in lsaKey(&rng) },
                         extensions: extensions(&rng), trailer: optional(&rng) { trailer(&$0) })
    }

    static func authRequest<R: RandomNumberGenerator>(_ rng: inout R) -> AuthRequest {
        AuthRequest(requestID: u64(&rng), gateway: node(&rng), pod: pod(&rng), prefix: name(&rng),
                    nonce: bytes(Limits.nonceBytes, &rng), endpoint: optional(&rng) { endpoint(&$0) },
                    extensions: extensions(&rng))
    }

    static func authGrant<R: RandomNumberGenerator>(_ rng: inout R) -> AuthGrant {
        AuthGrant(requestID: u64(&rng), nonce: bytes(Limits.nonceBytes, &rng), grant: grant(&rng),
                  extensions: extensions(&rng))
    }

    static func authDeny<R: RandomNumberGenerator>(_ rng: inout R) -> AuthDeny {
        AuthDeny(requestID: u64(&rng), nonce: bytes(Limits.nonceBytes, &rng), prefix: name(&rng),
                 reason: ReasonCode(rawValue: UInt16.random(in: 0...UInt16.max, using: &rng)),
                 reasonText: optional(&rng) { text(&$0) }, extensions: extensions(&rng))
    }

    static func revoke<R: RandomNumberGenerator>(_ rng: inout R) -> Revoke {
        Revoke(serial: u64(&rng), prefix: name(&rng), gateway: node(&rng),
               reason: ReasonCode(rawValue: UInt16.random(in: 0...UInt16.max, using: &rng)),
               reasonText: optional(&rng) { text(&$0) }, extensions: extensions(&rng))
    }

    static func telemetry<R: RandomNumberGenerator>(_ rng: inout R) -> Telemetry {
        Telemetry(
            reporter: node(&rng), timestampMs: u64(&rng),
            instances: (0..<int(0...6, &rng)).map { _ in
                InstanceReport(prefix: name(&rng), pod: optional(&rng) { pod(&$0) }, endpoint: endpoint(&rng),
                               rttMicros: optional(&rng) { u32(&$0) },
                               lossPPM: UInt32.random(in: 0...1_000_000, using: &rng),
                               available: Bool.random(using: &rng), extensions: extensions(&rng))
            },
            links: (0..<int(0...6, &rng)).map { _ in
                LinkReport(neighbor: node(&rng), linkID: optional(&rng) { u32(&$0) }, loadKbps: u64(&rng),
                           capacityKbps: u64(&rng), extensions: extensions(&rng))
            },
            extensions: extensions(&rng))
    }

    static func policyInstall<R: RandomNumberGenerator>(_ rng: inout R) -> PolicyInstall {
        PolicyInstall(policyID: u64(&rng), version: u64(&rng), issuer: node(&rng),
                      match: PolicyMatch(prefix: name(&rng), flowClass: optional(&rng) { UInt8.random(in: 0...255, using: &$0) },
                                         extensions: extensions(&rng)),
                      action: policyAction(&rng), lifetimeSeconds: max(1, u32(&rng)),
                      extensions: extensions(&rng))
    }

    static func policyAck<R: RandomNumberGenerator>(_ rng: inout R) -> PolicyAck {
        PolicyAck(policyID: u64(&rng), version: u64(&rng), node: node(&rng),
                  status: PolicyStatus.allCases.randomElement(using: &rng)!,
                  reasonText: optional(&rng) { text(&$0) }, extensions: extensions(&rng))
    }

    static func policyWithdraw<R: RandomNumberGenerator>(_ rng: inout R) -> PolicyWithdraw {
        PolicyWithdraw(policyID: u64(&rng), version: u64(&rng), issuer: node(&rng), extensions: extensions(&rng))
    }

    static func forwardHeader<R: RandomNumberGenerator>(_ rng: inout R) -> ForwardHeader {
        let proto = ApplicationProtocol(rawValue: Bool.random(using: &rng) ? 3 : UInt8.random(in: 0...255, using: &rng))
        return ForwardHeader(name: name(&rng), flowID: u64(&rng), hopLimit: UInt8.random(in: 0...255, using: &rng),
                             origin: node(&rng), policyID: optional(&rng) { u64(&$0) }, applicationProtocol: proto,
                             targetGateway: proto == .resume ? node(&rng) : optional(&rng) { node(&$0) },
                             resumeToken: proto == .resume ? u64(&rng) : optional(&rng) { u64(&$0) }, extensions: extensions(&rng))
    }

    static func traceHop<R: RandomNumberGenerator>(_ rng: inout R) -> TraceHop {
        TraceHop(node: node(&rng), matched: optional(&rng) { name(&$0) }, policyID: optional(&rng) { u64(&$0) },
                 nextNode: optional(&rng) { node(&$0) }, instance: optional(&rng) { endpoint(&$0) },
                 extensions: extensions(&rng))
    }

    static func forwardReply<R: RandomNumberGenerator>(_ rng: inout R) -> ForwardReply {
        let status = ForwardStatus.allCases.randomElement(using: &rng)!
        return ForwardReply(status: status, node: node(&rng),
                            reason: status == .failed ? ReasonCode(rawValue: UInt16.random(in: 0...UInt16.max, using: &rng))
                                : optional(&rng) { ReasonCode(rawValue: UInt16.random(in: 0...UInt16.max, using: &$0)) },
                            reasonText: optional(&rng) { text(&$0) },
                            trace: (0..<Int.random(in: 0...4, using: &rng)).map { _ in traceHop(&rng) },
                            resumeToken: status == .parked ? u64(&rng) : optional(&rng) { u64(&$0) },
                            extensions: extensions(&rng))
    }

    /// A random message of the given type.
    static func message<R: RandomNumberGenerator>(_ type: MessageType, _ rng: inout R) -> DAMCMessage {
        switch type {
        case .prefixAnnounce: return .prefixAnnounce(prefixAnnounce(&rng))
        case .prefixWithdraw: return .prefixWithdraw(prefixWithdraw(&rng))
        case .prefixAnswer: return .prefixAnswer(prefixAnswer(&rng))
        case .hello: return .hello(hello(&rng))
        case .linkStateUpdate: return .linkStateUpdate(linkStateUpdate(&rng))
        case .linkStateAck: return .linkStateAck(linkStateAck(&rng))
        case .databaseSummary: return .databaseSummary(databaseSummary(&rng))
        case .linkStateRequest: return .linkStateRequest(linkStateRequest(&rng))
        case .authRequest: return .authRequest(authRequest(&rng))
        case .authGrant: return .authGrant(authGrant(&rng))
        case .authDeny: return .authDeny(authDeny(&rng))
        case .revoke: return .revoke(revoke(&rng))
        case .telemetry: return .telemetry(telemetry(&rng))
        case .policyInstall: return .policyInstall(policyInstall(&rng))
        case .policyAck: return .policyAck(policyAck(&rng))
        case .policyWithdraw: return .policyWithdraw(policyWithdraw(&rng))
        case .forwardHeader: return .forwardHeader(forwardHeader(&rng))
        case .forwardReply: return .forwardReply(forwardReply(&rng))
        }
    }

    /// A property-based generator of random messages of one type.
    static func generator(_ type: MessageType) -> Generator<DAMCMessage, Shrink.None<DAMCMessage>> {
        Generator(run: { rng in
            var source = rng
            defer { rng = source }
            return message(type, &source)
        })
    }
}

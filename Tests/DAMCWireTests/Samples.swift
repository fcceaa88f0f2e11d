import DAMCWire

/// One fixed, realistic value of every message type: the content of the
/// golden vectors in Fixtures/ (one file per message type). The names follow
/// Figure 2 of draft-li-icnrg-damc: gateways sg1..sg4, routers sr1..sr3.
enum Samples {
    static func name(_ text: String) -> ServiceName { try! ServiceName(text) }
    static func node(_ text: String) -> NodeID { try! NodeID(text) }
    static func pod(_ text: String) -> PodID { try! PodID(text) }

    static let instance = Endpoint(address: .v4(127, 0, 1, 4), port: 8080)
    static let nonce: [UInt8] = Array(0x10...0x1F)
    static let signature: [UInt8] = (0..<64).map { UInt8($0 * 3 & 0xFF) }
    static let grant = Grant(prefix: name("/B"), gateway: node("sg4"), pod: pod("pod4"),
                             notBefore: 1_795_000_000, notAfter: 1_795_003_600, serial: 42,
                             keyID: try! KeyID("spa-2026a"), signature: signature)
    static let trailer = AuthTrailer(keyNumber: 1, sequence: 1000, mac: Array(repeating: 0xAB, count: 32))
    static let adjacencyLSA = LSA(
        origin: node("sr1"), sequence: 7, lifetime: 3600,
        body: .adjacency(flags: [], adjacencies: [
            Adjacency(neighbor: node("sg1"), cost: 10, capacityKbps: 1_000_000),
            Adjacency(neighbor: node("sr2"), cost: 5, capacityKbps: 10_000_000, linkID: 2),
        ]))
    static let prefixLSA = LSA(
        origin: node("sg4"), sequence: 3, lifetime: 3600,
        body: .servicePrefix([PrefixEntry(prefix: name("/B"), metric: 0, grant: grant)]))

    static let all: [(String, DAMCMessage)] = [
        ("PrefixAnnounce", .prefixAnnounce(PrefixAnnounce(
            requestID: 1, pod: pod("pod4"), prefix: name("/B"), endpoint: instance, weight: 100))),
        ("PrefixWithdraw", .prefixWithdraw(PrefixWithdraw(
            requestID: 2, pod: pod("pod4"), prefix: name("/B"), endpoint: instance))),
        ("PrefixAnswer", .prefixAnswer(PrefixAnswer(
            requestID: 1, prefix: name("/B"), status: .denied, reason: .notAuthorized,
            reasonText: "pod4 may not serve /B on sg4"))),
        ("Hello", .hello(Hello(
            sender: node("sr1"), role: .router, helloIntervalMs: 1000, deadIntervalMs: 4000,
            neighbors: [node("sg1"), node("sr2")], trailer: trailer))),
        ("LinkStateUpdate", .linkStateUpdate(LinkStateUpdate(
            sender: node("sr1"), lsas: [adjacencyLSA, prefixLSA]))),
        ("LinkStateAck", .linkStateAck(LinkStateAck(
            sender: node("sr2"), headers: [adjacencyLSA.header, prefixLSA.header], trailer: trailer))),
        ("DatabaseSummary", .databaseSummary(DatabaseSummary(
            sender: node("sr1"), flags: .more, headers: [adjacencyLSA.header]))),
        ("LinkStateRequest", .linkStateRequest(LinkStateRequest(
            sender: node("sr2"), keys: [prefixLSA.key]))),
        ("AuthRequest", .authRequest(AuthRequest(
            requestID: 9, gateway: node("sg4"), pod: pod("pod4"), prefix: name("/B"), nonce: nonce,
            endpoint: instance))),
        ("AuthGrant", .authGrant(AuthGrant(requestID: 9, nonce: nonce, grant: grant))),
        ("AuthDeny", .authDeny(AuthDeny(
            requestID: 9, nonce: nonce, prefix: name("/shop/admin"), reason: .notAuthorized,
            reasonText: "no rule allows pod4 on sg4"))),
        ("Revoke", .revoke(Revoke(serial: 42, prefix: name("/B"), gateway: node("sg4"), reason: .revoked,
                                  reasonText: "operator request"))),
        ("Telemetry", .telemetry(Telemetry(
            reporter: node("sg1"), timestampMs: 1_795_000_000_123,
            instances: [InstanceReport(prefix: name("/B"), pod: pod("pod4"), endpoint: instance,
                                       rttMicros: 850, lossPPM: 0, available: true)],
            links: [LinkReport(neighbor: node("sr1"), loadKbps: 420_000, capacityKbps: 1_000_000)]))),
        ("PolicyInstall", .policyInstall(PolicyInstall(
            policyID: 5, version: 2, issuer: node("scsc"),
            match: PolicyMatch(prefix: name("/B"), flowClass: 1),
            action: PolicyAction(path: ExplicitPath(hops: [node("sg1"), node("sr1"), node("sr3"), node("sg4")]),
                                 targetGateway: node("sg4"), targetInstance: instance),
            lifetimeSeconds: 30))),
        ("PolicyAck", .policyAck(PolicyAck(policyID: 5, version: 2, node: node("sr1"), status: .installed))),
        ("PolicyWithdraw", .policyWithdraw(PolicyWithdraw(policyID: 5, version: 2, issuer: node("scsc")))),
        ("ForwardHeader", .forwardHeader(ForwardHeader(
            name: name("/B/items/42"), flowID: 0x1234_5678_9ABC, hopLimit: 16, origin: node("sg1"), targetGateway: node("sg4")))),
        ("ForwardReply", .forwardReply(ForwardReply(
            status: .failed, node: node("sr3"), reason: .nextHopDown, reasonText: "sg4 refused the connection",
            trace: [TraceHop(node: node("sg1"), matched: name("/B"), nextNode: node("sr1"))]))),
    ]
}

import DAMCForwarding
import DAMCRouting
import DAMCTopology
import DAMCWire
import Testing

/// QoS forwarding policies at one node: install, refresh, versions,
/// withdrawal, expiry, and the decisions they make before the FIB.
@Suite("QoS policies")
struct PolicyTableTests {
    static func name(_ text: String) -> ServiceName { try! ServiceName(text) }
    static func node(_ text: String) -> NodeID { try! NodeID(text) }
    static let second: Int64 = 1_000_000_000

    static func install(_ id: UInt64, version: UInt64 = 1, prefix: String = "/B", path: [String]? = nil,
                        gateway: String? = nil, lifetime: UInt32 = 30, flowClass: UInt8? = nil) -> PolicyInstall {
        PolicyInstall(policyID: id, version: version, issuer: node("scsc"),
                      match: PolicyMatch(prefix: name(prefix), flowClass: flowClass),
                      action: PolicyAction(path: path.map { ExplicitPath(hops: $0.map(node)) }, targetGateway: gateway.map(node)),
                      lifetimeSeconds: lifetime)
    }

    @Test("install, refresh, older versions, withdrawal and expiry")
    func lifecycle() {
        var table = PolicyTable(node: Self.node("sr1"))
        let r1 = table.install(Self.install(7, path: ["sg1", "sr1", "sr3", "sg4"]), now: 0)
        #expect(r1 == .installed)
        let r2 = table.install(Self.install(7, path: ["sg1", "sr1", "sr3", "sg4"]), now: 10 * Self.second)
        #expect(r2 == .refreshed)
        #expect(table.entry(7, now: 35 * Self.second) != nil)        // refreshed at 10 s for 30 s
        #expect(table.entry(7, now: 40 * Self.second) == nil)
        let r3 = table.install(Self.install(7, version: 2, path: ["sg1", "sr1", "sg4"]), now: 11 * Self.second)
        #expect(r3 == .installed)
        guard case .rejected = table.install(Self.install(7, version: 1, path: ["sg1", "sr1", "sg4"]), now: 12 * Self.second) else {
            Issue.record("an older version must be refused")
            return
        }
        #expect(table.entries[7]?.version == 2)
        // Withdrawing version 1 leaves version 2; withdrawing 2 removes it.
        let r4 = table.withdraw(PolicyWithdraw(policyID: 7, version: 1, issuer: Self.node("scsc")))
        #expect(!r4)
        let r5 = table.withdraw(PolicyWithdraw(policyID: 7, version: 2, issuer: Self.node("scsc")))
        #expect(r5)
        #expect(table.entries.isEmpty)
        let r6 = table.install(Self.install(8, lifetime: 5), now: 0)
        #expect(r6 == .installed)
        #expect(table.nextExpiry == 5 * Self.second)
        let r7 = table.expire(now: 4 * Self.second)
        #expect(r7.isEmpty)
        let r8 = table.expire(now: 5 * Self.second)
        #expect(r8 == [8])
        #expect(table.expiries == 1 && table.withdrawals == 1 && table.rejections == 1)
    }

    @Test("a node never installs a path that does not pass through it, or that loops")
    func refusals() {
        var table = PolicyTable(node: Self.node("sr2"))
        let r9 = table.install(Self.install(1, path: ["sg1", "sr1", "sg4"]), now: 0)
        #expect(r9
                == .rejected("the path sg1-sr1-sg4 does not pass through sr2"))
        let r10 = table.install(Self.install(2, path: ["sg1", "sr2", "sr1", "sr2", "sg4"]), now: 0)
        #expect(r10
                == .rejected("the path sg1-sr2-sr1-sr2-sg4 visits a node twice"))
        #expect(table.entries.isEmpty)
        // A policy without a path (only a target gateway) is the ingress's business: accepted.
        let r11 = table.install(Self.install(3, gateway: "sg4"), now: 0)
        #expect(r11 == .installed)
    }

    @Test("longest prefix wins, then the lowest id; a class-bound policy needs that class")
    func matching() {
        var table = PolicyTable(node: Self.node("sg1"))
        _ = table.install(Self.install(5, prefix: "/B", gateway: "sg4"), now: 0)
        _ = table.install(Self.install(4, prefix: "/B", gateway: "sg3"), now: 0)
        _ = table.install(Self.install(9, prefix: "/B/admin", gateway: "sg2"), now: 0)
        _ = table.install(Self.install(2, prefix: "/B/x", gateway: "sg2", flowClass: 3), now: 0)
        #expect(table.match(Self.name("/B/items/1"), now: 1)?.id == 4)
        #expect(table.match(Self.name("/B/admin/users"), now: 1)?.id == 9)
        #expect(table.match(Self.name("/B/x/1"), now: 1)?.id == 4)
        #expect(table.match(Self.name("/B/x/1"), flowClass: 3, now: 1)?.id == 2)
        #expect(table.match(Self.name("/Bx"), now: 1) == nil)
        #expect(table.match(Self.name("/B/items/1"), now: 31 * Self.second) == nil)   // expired
    }

    /// sg1 with a FIB sending /B via sr1, links to sr1 (1) and sr2 (2).
    static func forwarding(_ policies: [PolicyInstall], at node: String = "sg1") -> ForwardingTable {
        var fib = FIB()
        fib.apply(.add(name("/B"), [.neighbor(link: 1, node: Self.node("sr1"))]))
        var table = PolicyTable(node: Self.node(node))
        for policy in policies { _ = table.install(policy, now: 0) }
        return ForwardingTable(node: Self.node(node), fib: fib,
                               nodes: [Self.node("sg4"): [.neighbor(link: 1, node: Self.node("sr1"))]],
                               policies: table, links: [Self.node("sr1"): [1], Self.node("sr2"): [2]])
    }

    @Test("further along a path, a policy steers only the calls that name it")
    func transitMatching() {
        let table = Self.forwarding([Self.install(7, path: ["sg9", "sg1", "sr2", "sg4"])])
        // A call to /B entering here is not steered by sg9's policy...
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, now: Self.second)
                == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/B"), target: nil, policy: nil))
        // ...but a call that sg9 sent along it is.
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, policy: 7, now: Self.second)
                == .forward(link: 2, node: Self.node("sr2"), matched: Self.name("/B"), target: nil, policy: 7))
    }

    @Test("a live policy steers before the FIB; expired, broken or absent, the FIB decides")
    func decisions() {
        let table = Self.forwarding([Self.install(7, path: ["sg1", "sr2", "sr3", "sg4"], gateway: "sg4")])
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, now: Self.second)
                == .forward(link: 2, node: Self.node("sr2"), matched: Self.name("/B"), target: Self.node("sg4"), policy: 7))
        // After its lifetime the FIB's route again.
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, now: 31 * Self.second)
                == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/B"), target: nil, policy: nil))
        // A call carrying an unknown policy id: the FIB.
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, policy: 99, now: Self.second)
                == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/B"), target: nil, policy: nil))
        // The next node on the path is not a neighbour (its link went down): the FIB.
        let broken = Self.forwarding([Self.install(7, path: ["sg1", "sr9", "sg4"])])
        #expect(broken.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, now: Self.second)
                == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/B"), target: nil, policy: nil))
        // Hop limit still applies.
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 0, flowID: 1, now: Self.second)
                == .refuse(.hopLimitExceeded, "hop limit reached 0 at sg1 for /B/1"))
        // A policy with only a target gateway pins the call there.
        let pinned = Self.forwarding([Self.install(3, gateway: "sg4")])
        #expect(pinned.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, now: Self.second)
                == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/B"), target: Self.node("sg4"), policy: 3))
    }

    @Test("the target gateway of a policy with a target instance hands its calls to that instance")
    func targetInstance() {
        let instance = Endpoint(address: .v4(127, 0, 0, 9), port: 9009)
        var install = Self.install(5, path: ["sg9", "sr2", "sg4"], gateway: "sg4")
        install.action.targetInstance = instance
        let atTarget = Self.forwarding([install], at: "sg4")
        #expect(atTarget.targetInstance(policy: 5, now: Self.second) == instance)
        #expect(atTarget.targetInstance(policy: nil, now: Self.second) == nil)
        #expect(atTarget.targetInstance(policy: 5, now: 31 * Self.second) == nil)   // expired
        // On the way there it means nothing.
        let onTheWay = Self.forwarding([install], at: "sr2")
        #expect(onTheWay.targetInstance(policy: 5, now: Self.second) == nil)
        // The pool takes it while it is healthy, and balances otherwise.
        var health = ForwardingSettings.Health()
        health.fall = 1
        var pool = InstancePool(policy: health)
        let other = Endpoint(address: .v4(127, 0, 0, 8), port: 9008)
        pool.sync([(Self.name("/B"), nil, other, 100), (Self.name("/B"), nil, instance, 100)])
        for draw in 0..<20 {
            #expect(pool.choose(for: Self.name("/B"), preferring: instance, random: (UInt64(draw), UInt64(draw * 7 + 1))) == instance)
        }
        _ = pool.failed(instance, because: "reset", now: 1)
        #expect(pool.choose(for: Self.name("/B"), preferring: instance, random: (1, 2)) == other)
    }

    @Test("the ingress steers by flow class: DAMC-Flow-Class read strictly, class-bound policies only for their class")
    func flowClasses() throws {
        let table = Self.forwarding([Self.install(4, path: ["sg1", "sr2", "sg4"], gateway: "sg4", flowClass: 7)])
        #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, flowClass: 7, now: Self.second)
                == .forward(link: 2, node: Self.node("sr2"), matched: Self.name("/B"), target: Self.node("sg4"), policy: 4))
        for other: UInt8? in [nil, 8] {
            #expect(table.decide(name: Self.name("/B/1"), hopLimit: 8, flowID: 1, flowClass: other, now: Self.second)
                    == .forward(link: 1, node: Self.node("sr1"), matched: Self.name("/B"), target: nil, policy: nil))
        }
        let parser = HTTPHeadParser()
        func head(_ fields: String) throws -> HTTPHead {
            try #require(try parser.parse(Array("GET /B/1 HTTP/1.1\r\nHost: t\r\n\(fields)\r\n".utf8), kind: .request))
        }
        #expect(try FlowClassField.value(in: head("damc-flow-class: 7\r\n")) == 7)
        #expect(try FlowClassField.value(in: head("")) == nil)
        for bad in ["DAMC-Flow-Class: 256\r\n", "DAMC-Flow-Class: seven\r\n", "DAMC-Flow-Class: 1\r\nDAMC-Flow-Class: 2\r\n"] {
            #expect(throws: HTTPError.self) { try FlowClassField.value(in: head(bad)) }
        }
    }
}

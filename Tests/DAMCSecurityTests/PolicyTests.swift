import DAMCSecurity
import DAMCTopology
import DAMCWire
import Foundation
import Testing

/// The SPA policy (issue 6): exact and subtree rules, most specific wins,
/// default deny, contradictions and unknown keys refused.
@Suite("SPA policy")
struct PolicyTests {
    static func parse(_ text: String) throws(ConfigError) -> SPAPolicy {
        try SPAPolicy.parse(Data(text.utf8), file: "policy.json")
    }

    static let policy = try! parse("""
    { "rules": [
        { "prefix": "/shop/**", "gateways": ["sg1", "sg4"], "pods": "*", "action": "allow" },
        { "prefix": "/shop/admin/**", "gateways": "*", "pods": "*", "action": "deny" },
        { "prefix": "/shop/admin/status", "gateways": ["sg1"], "pods": ["ops"], "action": "allow" },
        { "prefix": "/**", "gateways": ["sg9"], "pods": ["root"], "action": "allow" } ] }
    """)

    static func decide(_ prefix: String, _ gateway: String, _ pod: String) -> SPAPolicy.Action {
        policy.decide(prefix: try! ServiceName(prefix), gateway: try! NodeID(gateway), pod: try! PodID(pod)).action
    }

    @Test("subtree, exact, most specific first, default deny")
    func matching() {
        #expect(Self.decide("/shop", "sg1", "p") == .allow)            // /shop/** covers /shop itself
        #expect(Self.decide("/shop/cart/items", "sg4", "p") == .allow)
        #expect(Self.decide("/shop/cart", "sg2", "p") == .deny)        // gateway not listed: no rule
        #expect(Self.decide("/shopping", "sg1", "p") == .deny)         // whole components only
        #expect(Self.decide("/shop/admin/users", "sg1", "p") == .deny) // the longer deny wins
        #expect(Self.decide("/shop/admin/status", "sg1", "ops") == .allow)   // exact beats subtree
        #expect(Self.decide("/shop/admin/status", "sg1", "other") == .deny)
        #expect(Self.decide("/anything/at/all", "sg9", "root") == .allow)
        #expect(Self.decide("/anything", "sg9", "other") == .deny)
        #expect(Self.policy.decide(prefix: try! ServiceName("/x"), gateway: try! NodeID("sg1"), pod: try! PodID("p")).ruleIndex == nil)
    }

    @Test("bad policy files name the rule and the reason", arguments: [
        (#"{ "rules": [ { "prefix": "/a", "gateways": "*", "pods": "*", "action": "allow", "colour": 1 } ] }"#, "rules[0].colour", "unknown key"),
        (#"{ "rules": [ { "prefix": "/a", "gateways": "*", "pods": "*", "action": "maybe" } ] }"#, "rules[0].action", "not allow or deny"),
        (#"{ "rules": [ { "prefix": "a b", "gateways": "*", "pods": "*", "action": "allow" } ] }"#, "rules[0].prefix", ""),
        (#"{ "rules": [ { "prefix": "/a", "gateways": [], "pods": "*", "action": "allow" } ] }"#, "rules[0].gateways", "non-empty"),
        (#"{ "rules": [ { "prefix": "/a", "gateways": ["bad id!"], "pods": "*", "action": "allow" } ] }"#, "rules[0].gateways", "not a valid id"),
        (#"{ "rules": [ { "prefix": "/a/**", "gateways": ["sg1"], "pods": "*", "action": "allow" }, { "prefix": "/a/**", "gateways": "*", "pods": ["p"], "action": "deny" } ] }"#, "rules[1]", "contradicts rules[0]"),
        (#"{ "rules": [] , "extra": true }"#, "extra", "unknown key"),
    ])
    func badFiles(_ text: String, _ keyPath: String, _ reason: String) {
        do {
            _ = try Self.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "policy.json")
            #expect(error.keyPath == keyPath, "\(error)")
            #expect(reason.isEmpty || error.reason.contains(reason), "\(error)")
        }
    }

    @Test("the same pattern with disjoint gateways may allow and deny: no contradiction")
    func disjoint() throws {
        let policy = try Self.parse("""
        { "rules": [ { "prefix": "/a", "gateways": ["sg1"], "pods": "*", "action": "allow" },
                     { "prefix": "/a", "gateways": ["sg2"], "pods": "*", "action": "deny" } ] }
        """)
        #expect(policy.decide(prefix: try ServiceName("/a"), gateway: try NodeID("sg1"), pod: try PodID("p")).action == .allow)
        #expect(policy.decide(prefix: try ServiceName("/a"), gateway: try NodeID("sg2"), pod: try PodID("p")).action == .deny)
    }
}

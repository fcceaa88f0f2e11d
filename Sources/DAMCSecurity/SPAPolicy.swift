import DAMCWire

/// The SPA's authorisation policy (issue 6; docs/spa.md): which pods behind
/// which gateways may serve which prefixes.
///
/// A rule names a prefix pattern (`/shop/cart` exactly, or `/shop/**` for
/// `/shop` and everything below it), the gateways and pods it covers (a
/// list, or `*`), and `allow` or `deny`. For a request, the most specific
/// matching rule decides: the longer pattern, and at equal length an exact
/// pattern over a subtree; with no matching rule the answer is deny.
/// Two rules with the same pattern whose gateways and pods overlap but
/// whose actions differ are contradictory, and the policy is refused.
public struct SPAPolicy: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable { case allow, deny }

    /// A set of names, or every name.
    public enum Selector: Sendable, Equatable {
        case any
        case only(Set<String>)

        public func contains(_ name: String) -> Bool {
            switch self {
            case .any: return true
            case let .only(names): return names.contains(name)
            }
        }

        func overlaps(_ other: Selector) -> Bool {
            switch (self, other) {
            case (.any, _), (_, .any): return true
            case let (.only(a), .only(b)): return !a.isDisjoint(with: b)
            }
        }
    }

    public struct Rule: Sendable, Equatable {
        public var prefix: ServiceName
        /// True for `/prefix/**`: the prefix and everything below it.
        public var subtree: Bool
        public var gateways: Selector
        public var pods: Selector
        public var action: Action

        public init(prefix: ServiceName, subtree: Bool, gateways: Selector, pods: Selector, action: Action) {
            self.prefix = prefix
            self.subtree = subtree
            self.gateways = gateways
            self.pods = pods
            self.action = action
        }

        public func matches(prefix name: ServiceName, gateway: NodeID, pod: PodID) -> Bool {
            (subtree ? prefix.isPrefix(of: name) : prefix == name)
                && gateways.contains(gateway.rawValue) && pods.contains(pod.rawValue)
        }

        /// Longer patterns first; exact before subtree at the same length.
        var specificity: Int { prefix.count * 2 + (subtree ? 0 : 1) }
    }

    /// The decision for one request, with the rule that made it (nil: no
    /// rule matched, so deny).
    public struct Decision: Sendable, Equatable {
        public var action: Action
        public var ruleIndex: Int?
    }

    public let rules: [Rule]

    /// Refuses contradictory rules: the error names both (0-based).
    public init(rules: [Rule]) throws(PolicyError) {
        for i in rules.indices {
            for j in rules.indices where j > i {
                let a = rules[i], b = rules[j]
                if a.prefix == b.prefix && a.subtree == b.subtree && a.action != b.action
                    && a.gateways.overlaps(b.gateways) && a.pods.overlaps(b.pods) {
                    throw PolicyError(ruleIndex: j, reason: "contradicts rules[\(i)]: same prefix pattern, overlapping gateways and pods, opposite action")
                }
            }
        }
        self.rules = rules
    }

    public func decide(prefix: ServiceName, gateway: NodeID, pod: PodID) -> Decision {
        // One pass: the most specific match wins; at equal specificity deny
        // beats allow (init refuses the overlapping contradictions, so this
        // only settles rules that cover different gateways or pods), and
        // otherwise the first rule stays.
        var best: (index: Int, rule: Rule)?
        for (index, rule) in rules.enumerated() where rule.matches(prefix: prefix, gateway: gateway, pod: pod) {
            guard let current = best else { best = (index, rule); continue }
            if rule.specificity > current.rule.specificity
                || (rule.specificity == current.rule.specificity && rule.action == .deny && current.rule.action == .allow) {
                best = (index, rule)
            }
        }
        guard let best else { return Decision(action: .deny, ruleIndex: nil) }
        return Decision(action: best.rule.action, ruleIndex: best.index)
    }
}

/// A policy rule refused at load: which rule and why.
public struct PolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var ruleIndex: Int
    public var reason: String
    public var description: String { "rules[\(ruleIndex)]: \(reason)" }
}

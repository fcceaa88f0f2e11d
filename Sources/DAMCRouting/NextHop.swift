import DAMCWire

/// Where a forwarding decision sends a call: to a local instance (this
/// gateway serves the prefix) or out of a link to a neighbour.
public enum NextHop: Hashable, Comparable, Sendable, CustomStringConvertible {
    case local
    case neighbor(link: LinkID, node: NodeID)

    public var description: String {
        switch self {
        case .local: return "local"
        case let .neighbor(link, node): return "\(node)@\(link)"
        }
    }

    public static func < (lhs: NextHop, rhs: NextHop) -> Bool {
        switch (lhs, rhs) {
        case (.local, .local): return false
        case (.local, .neighbor): return true
        case (.neighbor, .local): return false
        case let (.neighbor(l1, n1), .neighbor(l2, n2)): return (n1, l1) < (n2, l2)
        }
    }
}

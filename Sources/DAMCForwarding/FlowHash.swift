import DAMCWire

/// Spreads calls over equal-cost next hops (draft-li-icnrg-damc §7.2,
/// ECMP as in RFC 2992): a call's flow id, mixed with the deciding node's
/// id so that consecutive hops do not all pick the same rank (hash
/// polarisation), chooses one next hop. The same call always takes the
/// same path; different calls spread evenly.
public enum FlowHash {
    /// Index in `0..<count` for `flowID` at the node whose `seed` this is.
    public static func pick(flowID: UInt64, seed: UInt64, count: Int) -> Int {
        precondition(count > 0)
        return Int(mix(flowID ^ seed) % UInt64(count))
    }

    /// A per-node constant (FNV-1a over the id's bytes).
    public static func seed(_ node: NodeID) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in node.rawValue.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }

    /// SplitMix64's finaliser: every input bit moves every output bit.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

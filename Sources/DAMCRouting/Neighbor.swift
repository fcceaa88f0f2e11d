import DAMCWire

/// What a node knows about the node at the other end of one link
/// (docs/routing.md §2).
public struct Neighbor: Sendable {
    /// Adjacency states: `heard` once a hello arrives, `up` once that hello
    /// lists us (two-way). Only `up` neighbours are advertised and flooded to.
    public enum State: Sendable, Equatable { case heard, up }

    public var id: NodeID
    public var role: NodeRole
    public var state: State
    public var lastHeard: Instant
    /// The dead interval the neighbour asked for in its hello.
    public var deadInterval: Duration
    /// LSAs sent (or to be sent) and not yet acknowledged, with when to
    /// (re)send them (OSPF's link-state retransmission list).
    var retransmit: [LSAKey: Retransmission] = [:]
    var retransmitDue: Instant?
    /// True from our side's adjacency-up until the neighbour's database
    /// summary has arrived; while true our `initial` summary is re-sent
    /// every retransmit interval (`summaryDue`). An `initial` summary
    /// arriving while false means the neighbour restarted its side of the
    /// adjacency without us seeing it go down (or lost our reply), and
    /// triggers a full resynchronisation answered by a non-initial summary.
    var expectingSummary = false
    var summaryDue: Instant?

    struct Retransmission: Sendable {
        var sequence: UInt64
        var checksum: UInt32
        var due: Instant
        var sentBefore: Bool
    }

    /// When the neighbour is declared dead without a new hello.
    public var deadline: Instant { lastHeard + deadInterval }

    /// Number of LSAs waiting for an acknowledgement.
    public var retransmitCount: Int { retransmit.count }

    mutating func schedule(_ key: LSAKey, sequence: UInt64, checksum: UInt32, due: Instant) {
        if let existing = retransmit[key] {
            retransmit[key] = Retransmission(sequence: sequence, checksum: checksum,
                                             due: min(existing.due, due), sentBefore: existing.sentBefore)
        } else {
            retransmit[key] = Retransmission(sequence: sequence, checksum: checksum, due: due, sentBefore: false)
        }
        retransmitDue = retransmitDue.map { min($0, due) } ?? due
    }

    /// Takes `key` off the list if the neighbour now holds `header` or newer.
    mutating func acknowledge(_ header: LSAHeader) {
        guard let entry = retransmit[header.key] else { return }
        let order = LSAOrder.compare(sequence: header.sequence, checksum: header.checksum, lifetime: header.lifetime,
                                     to: (entry.sequence, entry.checksum, 1))
        if order != .older { retransmit.removeValue(forKey: header.key) }
    }
}

/// One link of a node: its advertised parameters, hello timer and neighbour.
struct LinkState: Sendable {
    var id: LinkID
    var parameters: LinkParameters
    var nextHello: Instant
    var neighbor: Neighbor?
}

/// A node's links, kept in link-id order in an array so that they can be
/// read and changed in place (a dictionary's getter would copy the link,
/// and with it the neighbour's retransmission list, on every access).
struct LinkTable: Sendable {
    private(set) var slots: [LinkState] = []
    private var index: [LinkID: Int] = [:]

    func contains(_ link: LinkID) -> Bool { index[link] != nil }

    /// The link `link`; it must exist (check `contains` first).
    subscript(link: LinkID) -> LinkState {
        _read { yield slots[index[link]!] }
        _modify { yield &slots[index[link]!] }
    }

    /// Link ids in ascending order.
    var ids: [LinkID] { slots.map(\.id) }

    mutating func insert(_ state: LinkState) {
        let position = slots.firstIndex { $0.id > state.id } ?? slots.count
        slots.insert(state, at: position)
        reindex()
    }

    @discardableResult
    mutating func remove(_ link: LinkID) -> LinkState? {
        guard let position = index[link] else { return nil }
        let state = slots.remove(at: position)
        reindex()
        return state
    }

    private mutating func reindex() {
        index = Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($0.element.id, $0.offset) })
    }
}

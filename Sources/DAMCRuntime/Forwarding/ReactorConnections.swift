import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// One pod-facing connection on an ingress loop.
final class IngressConnection {
    let id: UInt64
    let client: Int32
    /// Bytes from the client not yet part of a handled request.
    var input: [UInt8]
    /// Bytes for the client that did not fit in its socket yet.
    var output = PendingOutput()
    /// When the connection is dropped if nothing happens (header, idle or
    /// call timeout, whichever applies now).
    var deadline: Int64 = 0
    /// When the current partial request head began arriving.
    var headStarted: Int64?
    /// Requests served on this loop (before the first, the header timeout
    /// applies while waiting; after, the idle timeout).
    var requests = 0
    var call: HopCall?
    /// Close once the output is out (an error that ends the connection,
    /// or a response that does not allow another request).
    var closeAfterFlush = false
    /// The client shut down its sending side (requests already read are served).
    var clientEnded = false
    /// The events the client's descriptor is registered for.
    var interest = UInt32(EPOLLIN.rawValue)

    var hasOutput: Bool { !output.isEmpty }

    init(id: UInt64, client: Int32, input: [UInt8]) {
        self.id = id
        self.client = client
        self.input = input
    }
}

/// A call under way on an ingress loop: the request went out on a hop
/// connection of its own (`lease`) or as a stream of a multiplexed one
/// (`mux`); the reply, DATA frames and END come back (docs/wire.md §5.8,
/// §5.9).
final class HopCall {
    enum Phase { case reply, frameHeader, payload(Int) }
    let head: HTTPHead
    let name: ServiceName
    let next: NodeID
    let lease: HopLease?
    let mux: MuxLink?
    let stream: UInt32
    /// The link the call went out on.
    let link: LinkID
    /// The hop limit the call left with (a resume call gets the same).
    let hopLimit: UInt8
    var phase = Phase.reply
    /// Bytes read from upstream; those before `offset` are consumed.
    var buffer: [UInt8] = []
    var offset = 0
    /// Response bytes until its final head is complete.
    var headBuffer: [UInt8] = []
    var response: HTTPHead?
    /// An interim (1xx) head already went to the client.
    var sentSomething = false
    var responseBytes = 0
    /// END arrived after a complete response.
    var completed = false
    /// Reading stopped until the client takes what is pending.
    var paused = false

    init(head: HTTPHead, name: ServiceName, next: NodeID, lease: HopLease, hopLimit: UInt8) {
        self.head = head
        self.name = name
        self.next = next
        self.lease = lease
        mux = nil
        stream = 0
        link = lease.key
        self.hopLimit = hopLimit
    }

    init(head: HTTPHead, name: ServiceName, next: NodeID, mux: MuxLink, stream: UInt32, hopLimit: UInt8) {
        self.head = head
        self.name = name
        self.next = next
        lease = nil
        self.mux = mux
        self.stream = stream
        link = mux.link
        self.hopLimit = hopLimit
    }
}

/// A multiplexed connection this loop opened to the neighbour on `link`
/// (docs/wire.md §5.9): many bodiless calls at once, each a stream whose
/// answer comes back whole; what the loop stages for it leaves in one
/// send at the end of the wake-up.
final class MuxLink {
    /// Who waits for a stream's answer.
    enum Owner {
        /// A pod's call at this gateway.
        case ingress(IngressConnection)
        /// A call relayed here (a router), from a neighbour's multiplexed
        /// connection, on its stream.
        case relay(NeighborConnection, UInt32, NodeID)
        /// Given up (the client left, a timeout): the answer is dropped.
        case abandoned
    }

    let id: UInt64
    let fd: Int32
    let link: LinkID
    var input: [UInt8] = []
    var output = PendingOutput()
    var streams: [UInt32: Owner] = [:]
    private var lastStream: UInt32 = 0
    var interest = UInt32(EPOLLIN.rawValue)
    /// Waiting in the loop's list of connections to flush.
    var queued = false

    init(id: UInt64, fd: Int32, link: LinkID) {
        self.id = id
        self.fd = fd
        self.link = link
    }

    /// A stream id not in use (1 to 2^32-1, then around again).
    func newStream() -> UInt32 {
        repeat {
            lastStream = lastStream == UInt32.max ? 1 : lastStream + 1
        } while streams[lastStream] != nil
        return lastStream
    }
}

/// A neighbour's connection on a forwarding loop: between calls it waits
/// for the next forwarding header; during a call carried here, the call's
/// response goes out on it.
final class NeighborConnection {
    let id: UInt64
    let fd: Int32
    /// The inbound link (replies leave by it) and the splice pipes that
    /// the calls handed to workers use.
    let pipes: ForwardingPlane.Pipes
    /// No call has arrived yet (the header timeout applies).
    var first = true
    /// Bytes read from the neighbour that are not part of a call taken yet
    /// (a forwarding header still arriving).
    var input: [UInt8] = []
    var deadline: Int64 = 0
    var call: EgressCall?
    var relay: RelayCall?
    /// Close once the output is out (a relayed call that failed).
    var closeAfterFlush = false
    /// Bytes for the neighbour that did not fit in its socket yet.
    var output = PendingOutput()
    var interest = UInt32(EPOLLIN.rawValue)
    /// Reading paused during a call (the neighbour sent early; it is read
    /// when the call is over).
    var quiet = false
    /// The neighbour made this a multiplexed connection (docs/wire.md §5.9):
    /// its calls are `muxCalls` (to local instances) and `muxRelays` (sent
    /// on, by stream of the onward connection).
    var multiplexed = false
    var muxCalls: [UInt32: EgressCall] = [:]
    var muxRelays: [UInt32: (link: MuxLink, stream: UInt32)] = [:]
    /// Waiting in the loop's list of connections to flush.
    var queued = false

    var hasOutput: Bool { !output.isEmpty }
    /// A call is under way on the connection.
    var busy: Bool { call != nil || relay != nil }

    init(id: UInt64, fd: Int32, pipes: ForwardingPlane.Pipes) {
        self.id = id
        self.fd = fd
        self.pipes = pipes
    }
}

/// A call to a local instance carried on a forwarding loop.
final class EgressCall {
    let lease: InstanceLease
    let prefix: ServiceName
    let request: HTTPHead
    /// `connected`, sent with the first bytes of the response (one write).
    var pendingReply: [UInt8]?
    /// Bytes from the instance not yet framed.
    var buffer: [UInt8] = []
    /// The final response head, once parsed.
    var response: HTTPHead?
    /// Body bytes framed so far, and still to come (a length-framed body).
    var moved: UInt64 = 0
    var remaining: UInt64 = 0
    /// Body bytes already counted as link load, in steps of `loadStep`.
    var counted: UInt64 = 0
    static let loadStep: UInt64 = 16_384
    /// Reading the instance stopped until the neighbour catches up.
    var paused = false
    /// Passive evidence against the instance, if the call failed on it.
    var failure: String?
    /// On a multiplexed connection: the stream it answers and the
    /// connection (the lease's owner is then the call itself); bytes of
    /// interim (1xx) heads before the final one.
    var stream: UInt32 = 0
    weak var muxConnection: NeighborConnection?
    var interim = 0
    /// On a multiplexed connection: the bytes of the whole response
    /// (interim heads, head, body), known once its final head is parsed.
    var answerLength = 0
    /// On a multiplexed connection: when the call fails if the instance
    /// has sent nothing more (`idle_timeout_ms` after its last bytes).
    var deadline: Int64 = .max

    var endpoint: Endpoint { lease.key }

    init(lease: InstanceLease, prefix: ServiceName, request: HTTPHead, pendingReply: [UInt8]) {
        self.lease = lease
        self.prefix = prefix
        self.request = request
        self.pendingReply = pendingReply
    }
}

/// A call relayed on a forwarding loop (a router): the request went on to
/// the next hop in one write; what comes back passes through verbatim.
final class RelayCall {
    let lease: HopLease
    let next: NodeID
    var scanner: RelayScanner
    var responseBytes: UInt64 = 0
    /// Reading the next hop stopped until the previous one catches up.
    var paused = false

    init(lease: HopLease, next: NodeID, replyLimit: Int) {
        self.lease = lease
        self.next = next
        scanner = RelayScanner(replyLimit: replyLimit)
    }
}

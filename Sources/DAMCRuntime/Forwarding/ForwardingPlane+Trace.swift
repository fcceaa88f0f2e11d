import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// `damcctl trace NAME` (docs/forwarding.md §trace): a header with the
/// trace protocol travels the path a call would take; every hop decides
/// as for a call, asks the next hop, and puts its own decision in front of
/// the hops' answer. The egress gateway names the instance it would pick.
extension ForwardingPlane {
    /// One hop's part of a trace, from a neighbour's connection.
    func serveTrace(_ fd: Int32, _ header: ForwardHeader) {
        counters.withLock { $0.add(.traces) }
        let reply = trace(header.name, target: header.targetGateway, hopLimit: header.hopLimit, flowID: header.flowID,
                          policy: header.policyID)
        try? ForwardingIO.write(fd, reply.encode(), timeoutMs: settings.connectTimeoutMs)
    }

    /// The trace from this node on: what it decides, then what the hops
    /// after it answer.
    public func trace(_ name: ServiceName, target: NodeID? = nil, hopLimit: UInt8, flowID: UInt64,
                      policy: UInt64? = nil) -> ForwardReply {
        let box = tables
        var decision = box.table.decide(name: name, target: target, hopLimit: hopLimit, flowID: flowID, policy: policy,
                                    now: Self.nowNanoseconds())
        if case let .local(matched) = decision {
            var rng = SystemRandomNumberGenerator()
            if let endpoint = pool.withLock({ $0.choose(for: matched, random: (rng.next(), rng.next())) }) {
                pool.withLock { $0.finished(endpoint, prefix: matched) }
                return ForwardReply(status: .connected, node: node,
                                    trace: [TraceHop(node: node, matched: matched, instance: endpoint)])
            }
            decision = target == nil
                ? box.table.decideElsewhere(name: name, matched: matched, hopLimit: hopLimit, flowID: flowID)
                : .refuse(.noHealthyInstance, "no healthy instance of \(matched) at \(node), nor at the gateway that redirected here")
        }
        switch decision {
        case let .refuse(reason, text):
            return ForwardReply(status: .failed, node: node, reason: reason, reasonText: text, trace: [TraceHop(node: node)])
        case .local:
            return ForwardReply(status: .failed, node: node, reason: .noHealthyInstance, reasonText: "no healthy instance",
                                trace: [TraceHop(node: node)])
        case let .forward(link, next, matched, pinned, steering):
            let own = TraceHop(node: node, matched: matched, policyID: steering, nextNode: next)
            func failed(_ reason: ReasonCode, _ text: String) -> ForwardReply {
                ForwardReply(status: .failed, node: node, reason: reason, reasonText: text, trace: [own])
            }
            guard let address = neighborAddress(link) else { return failed(.nextHopDown, "no address for link \(link)") }
            let downstream: Int32
            do {
                downstream = try ForwardingIO.connect(address, timeoutMs: settings.connectTimeoutMs)
            } catch {
                return failed(.nextHopDown, "\(node) could not reach \(next): \(error)")
            }
            defer { close(downstream) }
            let header = ForwardHeader(name: name, flowID: flowID, hopLimit: hopLimit - 1, origin: node, policyID: steering,
                                       applicationProtocol: .trace, targetGateway: pinned)
            do {
                try ForwardingIO.write(downstream, header.encode(), timeoutMs: settings.connectTimeoutMs)
                let message = try HopFrames.readMessage(downstream, limit: Self.maxHeaderFrame, timeoutMs: settings.idleTimeoutMs)
                guard case var .forwardReply(reply) = message else {
                    return failed(.malformed, "\(next) answered the trace with \(message.messageType)")
                }
                reply.trace.insert(own, at: 0)
                if reply.trace.count > Limits.maxPathHops { reply.trace.removeLast(reply.trace.count - Limits.maxPathHops) }
                return reply
            } catch let error as ForwardingIOError {
                return failed(error == .closed ? .malformed : .timeout, "\(next) did not answer the trace: \(error)")
            } catch {
                return failed(.malformed, "\(next) sent a malformed trace reply: \(error)")
            }
        }
    }
}

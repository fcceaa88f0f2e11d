import CLinuxEvents
import DAMCForwarding
import DAMCRouting
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// The multiplexed connections a loop opens to its neighbours (docs/wire.md
/// §5.9; docs/forwarding.md §multiplexed hops): the ingress and relaying
/// routers send bodiless calls on them as streams, the calls of one
/// wake-up in one send, and take each stream's answer whole. A worker
/// opens the connection (connect and the `multiplex` handshake block) and
/// hands it to the loop; until then, and for a while after a neighbour
/// refused, calls go the serial way.
extension ForwardingReactor {
    /// How long a link stays serial-only after its neighbour refused a
    /// multiplexed connection or one broke.
    static let muxRetryMs: Int64 = 10_000
    /// Output a multiplexed connection may hold that its peer has not taken:
    /// beyond it the peer is stuck and the connection is given up.
    static let muxOutputLimit = 8 * 1024 * 1024

    /// This loop's open multiplexed connection on `link`; nil while there is
    /// none (one is being opened then, unless the link is serial-only now).
    func muxLink(_ link: LinkID) -> MuxLink? {
        if let mux = muxLinks[link] { return mux }
        guard plane.settings.multiplexHops, !plane.isStopping, !muxOpening.contains(link),
              (muxRetryAt[link] ?? 0) <= now else { return nil }
        muxOpening.insert(link)
        let plane = self.plane
        let reactor = self
        let spawned = plane.workers.run {
            if let fd = plane.openMultiplexed(link) {
                reactor.adopt(.mux(fd: fd, link: link))
            } else {
                reactor.adopt(.muxRefused(link: link))
            }
        }
        if !spawned { muxOpening.remove(link) }
        return nil
    }

    /// A multiplexed connection a worker opened for this loop.
    func adoptMux(_ fd: Int32, link: LinkID) {
        muxOpening.remove(link)
        guard muxLinks[link] == nil, !plane.isStopping else {
            close(fd)
            return
        }
        let mux = MuxLink(id: makeID(), fd: fd, link: link)
        guard register(fd, mux.id << 2 | Tag.lease, UInt32(EPOLLIN.rawValue)) else {
            close(fd)
            return
        }
        muxLinks[link] = mux
        muxByID[mux.id] = mux
        record { $0.add(.muxLinksOpened) }
    }

    /// The neighbour on `link` refused a multiplexed connection (or could
    /// not be reached): serial calls only, for a while.
    func muxRefused(_ link: LinkID) {
        muxOpening.remove(link)
        muxRetryAt[link] = now + Self.muxRetryMs * 1_000_000
        record { $0.add(.muxLinkFailures) }
    }

    /// Stages `body` (a whole call: header, DATA, END) as a new stream; it
    /// leaves with the wake-up's other output.
    func sendOnMux(_ mux: MuxLink, _ body: [UInt8], owner: MuxLink.Owner) -> UInt32 {
        let stream = mux.newStream()
        var header: [UInt8] = []
        MuxFrame.appendHeader(stream: stream, length: body.count, to: &header)
        mux.output.stage(header)
        mux.output.stage(body)
        mux.streams[stream] = owner
        if !mux.queued {
            mux.queued = true
            muxToFlush.append(mux)
        }
        return stream
    }

    /// Sends what the wake-up staged on multiplexed connections, one send
    /// each (called once per wake-up, after its events).
    func flushMultiplexed() {
        for mux in muxToFlush {
            mux.queued = false
            guard muxByID[mux.id] != nil, mux.output.hasStaged else { continue }
            settleMux(mux, mux.output.sendStaged(to: mux.fd))
        }
        muxToFlush.removeAll(keepingCapacity: true)
        for connection in muxAnswersToFlush {
            connection.queued = false
            guard neighbors[connection.id] != nil, connection.output.hasStaged else { continue }
            settleNeighbor(connection, connection.output.sendStaged(to: connection.fd))
            if neighbors[connection.id] != nil, connection.output.pendingCount > Self.muxOutputLimit {
                record { $0.add(.muxLinkFailures) }
                dropNeighbor(connection)
            }
        }
        muxAnswersToFlush.removeAll(keepingCapacity: true)
    }

    private func settleMux(_ mux: MuxLink, _ outcome: PendingOutput.Outcome) {
        switch outcome {
        case .broken:
            failMux(mux, "send failed")
        case .pending where mux.output.pendingCount > Self.muxOutputLimit:
            failMux(mux, "\(mux.output.pendingCount) bytes not taken")
        case .done, .pending:
            let events = UInt32(EPOLLIN.rawValue) | (mux.output.isEmpty ? 0 : UInt32(EPOLLOUT.rawValue))
            if events != mux.interest {
                mux.interest = events
                modify(mux.fd, mux.id << 2 | Tag.lease, events)
            }
        }
    }

    func muxLinkEvent(_ mux: MuxLink, _ mask: UInt32) {
        if mask & (UInt32(EPOLLOUT.rawValue) | UInt32(EPOLLERR.rawValue)) != 0, !mux.output.isEmpty {
            settleMux(mux, mux.output.flush(to: mux.fd))
            guard muxByID[mux.id] != nil else { return }
        }
        guard mask & (UInt32(EPOLLIN.rawValue) | UInt32(EPOLLHUP.rawValue) | UInt32(EPOLLERR.rawValue)) != 0 else { return }
        switch receive(mux.fd, into: &mux.input, max: MuxFrame.maxBody + MuxFrame.headerSize) {
        case .bytes:
            takeAnswers(mux)
        case .wouldBlock:
            break
        case .closed:
            failMux(mux, "closed by the neighbour")
        }
    }

    /// Hands every whole answer in the input to the stream's owner.
    private func takeAnswers(_ mux: MuxLink) {
        var offset = 0
        while muxByID[mux.id] != nil {
            let next = Self.nextFrame(mux.input, at: offset)
            guard case let .frame(stream, body) = next else {
                if case let .malformed(error) = next {
                    record { $0.add(.muxMalformed) }
                    return failMux(mux, "\(error)")
                }
                break
            }
            offset = body.upperBound
            guard let owner = mux.streams.removeValue(forKey: stream) else {
                record { $0.add(.muxMalformed) }
                return failMux(mux, "an answer on stream \(stream), which is not open")
            }
            switch owner {
            case let .ingress(connection):
                deliverAnswer(connection, Array(mux.input[body]), mux: mux, stream: stream)
            case let .relay(connection, theirs, next):
                connection.muxRelays[theirs] = nil
                relayAnswer(connection, theirs, mux.input[body], next: next)
            case .abandoned:
                continue
            }
        }
        if muxByID[mux.id] != nil { mux.input.removeFirst(offset) }
    }

    enum NextFrame {
        case frame(UInt32, Range<Int>)
        case incomplete
        case malformed(MuxFrameError)
    }

    /// The frame at `offset` of `input`, with its body's place in `input`.
    static func nextFrame(_ input: [UInt8], at offset: Int) -> NextFrame {
        input.withUnsafeBufferPointer { bytes in
            do throws(MuxFrameError) {
                guard let frame = try MuxFrame.next(in: UnsafeBufferPointer(rebasing: bytes[offset...])) else { return .incomplete }
                return .frame(frame.stream, (offset + frame.body.lowerBound)..<(offset + frame.body.upperBound))
            } catch {
                return .malformed(error)
            }
        }
    }

    /// A stream's answer for a pod's call: read as a serial connection's
    /// bytes would be (reply, DATA, END), all of it here at once.
    private func deliverAnswer(_ connection: IngressConnection, _ answer: [UInt8], mux: MuxLink, stream: UInt32) {
        guard connections[connection.id] != nil, let call = connection.call, call.mux === mux, call.stream == stream else { return }
        call.buffer = answer
        call.offset = 0
        guard consume(connection, call), connection.call === call else { return }
        _ = badResponse(connection, call, "\(call.next): an incomplete answer on a multiplexed connection")
    }

    /// A stream's answer for a call relayed here: back unchanged, on the
    /// neighbour's stream.
    private func relayAnswer(_ connection: NeighborConnection, _ stream: UInt32, _ answer: ArraySlice<UInt8>, next: NodeID) {
        record {
            $0.add(.muxAnswers)
            $0.flowEnded(next.rawValue)
            $0.sent(UInt64(answer.count), on: connection.pipes.inbound)
        }
        stageAnswer(connection, stream, answer)
    }

    /// The multiplexed connection is over: its open streams fail (their
    /// requests may have run, so nothing is sent again), and the link is
    /// serial-only for a while.
    func failMux(_ mux: MuxLink, _ why: String) {
        guard muxByID.removeValue(forKey: mux.id) != nil else { return }
        muxLinks[mux.link] = nil
        muxRetryAt[mux.link] = now + Self.muxRetryMs * 1_000_000
        unregister(mux.fd)
        close(mux.fd)
        record { $0.add(.muxLinkFailures) }
        let streams = mux.streams
        mux.streams = [:]
        for (_, owner) in streams {
            switch owner {
            case let .ingress(connection):
                guard connections[connection.id] != nil, let call = connection.call, call.mux === mux else { continue }
                _ = badResponse(connection, call, "\(call.next): the multiplexed connection failed: \(why)")
            case let .relay(connection, theirs, next):
                connection.muxRelays[theirs] = nil
                record { $0.flowEnded(next.rawValue) }
                let text = "\(plane.node): the multiplexed connection on link \(mux.link) failed: \(why)"
                stageAnswer(connection, theirs, ForwardReply(status: .failed, node: plane.node, reason: .nextHopDown,
                                                             reasonText: text).encode())
            case .abandoned:
                continue
            }
        }
    }
}

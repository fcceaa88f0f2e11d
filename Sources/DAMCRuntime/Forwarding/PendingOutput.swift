import CLinuxEvents
#if canImport(Glibc)
import Glibc
#endif

/// Bytes for a peer of a forwarding loop that its socket has not taken
/// yet: a loop never waits for a write. New bytes go out at once when
/// nothing is pending, else queue behind what is.
struct PendingOutput {
    private var bytes: [UInt8] = []
    private var offset = 0
    /// Bytes gathered to leave together (`stage`, then `sendStaged`): what
    /// one read brought, framed, in one send. Kept for the connection's
    /// life, so its buffer is reused from call to call.
    private var staged: [UInt8] = []

    enum Outcome {
        /// Everything is out.
        case done
        /// Some is left: wait until the socket is writable, then `flush`.
        case pending
        /// The connection is broken.
        case broken
    }

    var isEmpty: Bool { offset >= bytes.count }

    /// Bytes waiting for the socket.
    var pendingCount: Int { bytes.count - offset }

    /// What is still to go out.
    var remaining: ArraySlice<UInt8> { bytes[offset...] }

    var hasStaged: Bool { !staged.isEmpty }

    /// Adds bytes to those that leave with the next `sendStaged`.
    mutating func stage(_ data: some Collection<UInt8>) {
        staged.append(contentsOf: data)
    }

    /// Sends the staged bytes, as `send` does.
    mutating func sendStaged(to fd: Int32) -> Outcome {
        var gathered: [UInt8] = []
        swap(&gathered, &staged)
        let outcome = send(gathered, to: fd)
        gathered.removeAll(keepingCapacity: true)
        staged = gathered
        return outcome
    }

    /// Sends `data` to `fd` now, keeping what the socket does not take.
    mutating func send(_ data: some Collection<UInt8>, to fd: Int32) -> Outcome {
        guard !data.isEmpty else { return isEmpty ? .done : .pending }
        guard isEmpty else {
            bytes.append(contentsOf: data)
            return .pending
        }
        // Straight from the caller's bytes; only what the socket leaves is copied.
        let direct = data.withContiguousStorageIfAvailable { data -> Outcome in
            var sentSoFar = 0
            while sentSoFar < data.count {
                let sent = Glibc.send(fd, data.baseAddress! + sentSoFar, data.count - sentSoFar, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if sent > 0 {
                    sentSoFar += sent
                } else if sent < 0 && errno == EINTR {
                    continue
                } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    bytes = Array(data[sentSoFar...])
                    offset = 0
                    return .pending
                } else {
                    return .broken
                }
            }
            return .done
        }
        if let direct { return direct }
        bytes = Array(data)
        offset = 0
        return flush(to: fd)
    }

    /// Writes what is pending, as far as the socket takes it.
    mutating func flush(to fd: Int32) -> Outcome {
        while !isEmpty {
            let sent = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .pending
            } else {
                return .broken
            }
        }
        bytes = []
        offset = 0
        return .done
    }
}

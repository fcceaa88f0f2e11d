/// Why a multiplexed hop connection's bytes are not a frame (docs/wire.md
/// §5.9). Any of these closes the connection.
public enum MuxFrameError: Error, Equatable, Sendable, CustomStringConvertible {
    case zeroStream
    case emptyBody(stream: UInt32)
    case tooLarge(stream: UInt32, length: Int, limit: Int)

    public var description: String {
        switch self {
        case .zeroStream: return "frame on stream 0"
        case let .emptyBody(stream): return "empty frame on stream \(stream)"
        case let .tooLarge(stream, length, limit): return "frame of \(length) bytes on stream \(stream) (limit \(limit))"
        }
    }
}

/// The frames of a multiplexed hop connection (docs/wire.md §5.9):
/// `stream (4 bytes) | length (4 bytes) | body`, big-endian, where a body
/// is one whole bodiless call or one whole answer in the serial framing
/// of §5.8. Sans-I/O: the caller owns the buffers and the socket.
public enum MuxFrame {
    /// Bytes before a body.
    public static let headerSize = 8
    /// The largest body a peer may send (docs/wire.md §5.9).
    public static let maxBody = 262_144

    /// Appends a frame's header for `length` body bytes on `stream`.
    public static func appendHeader(stream: UInt32, length: Int, to out: inout [UInt8]) {
        precondition(stream != 0 && length > 0 && length <= UInt32.max, "mux frame header")
        withUnsafeBytes(of: stream.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(length).bigEndian) { out.append(contentsOf: $0) }
    }

    /// A frame whose body is `body`.
    public static func encode(stream: UInt32, body: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(headerSize + body.count)
        appendHeader(stream: stream, length: body.count, to: &out)
        out.append(contentsOf: body)
        return out
    }

    /// The frame at the front of `bytes`: its stream and where its body
    /// lies in `bytes`; nil while it is not all there. A frame header that
    /// cannot be valid throws as soon as it is complete, before its body.
    public static func next(in bytes: UnsafeBufferPointer<UInt8>, limit: Int = maxBody) throws(MuxFrameError)
        -> (stream: UInt32, body: Range<Int>)? {
        guard bytes.count >= headerSize else { return nil }
        let stream = word(bytes, at: 0)
        let length = Int(word(bytes, at: 4))
        guard stream != 0 else { throw .zeroStream }
        guard length > 0 else { throw .emptyBody(stream: stream) }
        guard length <= limit else { throw .tooLarge(stream: stream, length: length, limit: limit) }
        guard bytes.count >= headerSize + length else { return nil }
        return (stream, headerSize..<(headerSize + length))
    }

    private static func word(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }
}

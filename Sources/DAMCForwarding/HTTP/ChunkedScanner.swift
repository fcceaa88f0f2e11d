/// Follows `Transfer-Encoding: chunked` framing (RFC 9112 §7.1) as the
/// bytes of a body pass through, without decoding or storing them: the
/// forwarding plane sends the bytes on unchanged and only needs to know
/// where the body ends. While inside a chunk's data, `dataRemaining` says
/// how many bytes may be moved in bulk (spliced) without looking at them.
public struct ChunkedScanner: Sendable {
    enum State: Sendable, Equatable {
        case size(digits: Int, value: UInt64, inExtension: Bool)
        case sizeLF(value: UInt64)
        case data(UInt64)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case trailerLF(empty: Bool)
        case done
    }

    /// The longest chunk-size line (digits and extensions) accepted.
    public static let maxSizeLine = 4096
    /// The largest trailer section accepted.
    public static let maxTrailerBytes = 16 * 1024

    var state = State.size(digits: 0, value: 0, inExtension: false)
    var lineBytes = 0
    var trailerBytes = 0

    public init() {}

    /// Whether the last chunk and the trailer section have passed.
    public var isDone: Bool { state == .done }

    /// Bytes of chunk data that follow before the next framing byte.
    public var dataRemaining: UInt64 {
        if case let .data(remaining) = state { return remaining }
        return 0
    }

    /// Notes that `count` bytes of chunk data went by in bulk (at most
    /// `dataRemaining`).
    public mutating func skipData(_ count: UInt64) {
        guard case let .data(remaining) = state else { return }
        let left = remaining - min(count, remaining)
        state = left == 0 ? .dataCR : .data(left)
    }

    /// Scans `bytes`; returns how many of them belong to the body (all of
    /// them unless the body ends inside, then the bytes up to its end).
    public mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> Int {
        var index = 0
        while index < bytes.count {
            if state == .done { return index }
            if case let .data(remaining) = state {
                let take = Int(min(remaining, UInt64(bytes.count - index)))
                index += take
                skipData(UInt64(take))
                continue
            }
            try step(bytes[index])
            index += 1
        }
        return index
    }

    /// Scans an array (tests and small buffers).
    public mutating func scan(_ bytes: [UInt8]) throws(HTTPError) -> Int {
        var result: Result<Int, HTTPError> = .success(0)
        bytes.withUnsafeBytes { raw in
            do throws(HTTPError) { result = .success(try scan(raw)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    mutating func step(_ byte: UInt8) throws(HTTPError) {
        switch state {
        case let .size(digits, value, inExtension):
            lineBytes += 1
            guard lineBytes <= Self.maxSizeLine else { throw .malformedChunk("chunk-size line too long") }
            if byte == 0x0D {
                guard digits > 0 else { throw .malformedChunk("no chunk size") }
                state = .sizeLF(value: value)
            } else if inExtension {
                guard byte >= 0x20 || byte == 0x09 else { throw .malformedChunk("control byte in chunk extension") }
            } else if let digit = Self.hexDigit(byte) {
                guard digits < 16 else { throw .malformedChunk("chunk size too large") }
                state = .size(digits: digits + 1, value: value << 4 | UInt64(digit), inExtension: false)
            } else if byte == UInt8(ascii: ";") || byte == 0x20 || byte == 0x09 {
                guard digits > 0 else { throw .malformedChunk("no chunk size") }
                state = .size(digits: digits, value: value, inExtension: true)
            } else {
                throw .malformedChunk("byte \(byte) in chunk size")
            }
        case let .sizeLF(value):
            guard byte == 0x0A else { throw .malformedChunk("CR without LF after chunk size") }
            lineBytes = 0
            state = value == 0 ? .trailerLineStart : .data(value)
        case .data:
            break   // handled in bulk by scan
        case .dataCR:
            guard byte == 0x0D else { throw .malformedChunk("chunk data longer than its size") }
            state = .dataLF
        case .dataLF:
            guard byte == 0x0A else { throw .malformedChunk("CR without LF after chunk data") }
            state = .size(digits: 0, value: 0, inExtension: false)
        case .trailerLineStart, .trailerLine:
            trailerBytes += 1
            guard trailerBytes <= Self.maxTrailerBytes else { throw .malformedChunk("trailer section too large") }
            if byte == 0x0D {
                state = .trailerLF(empty: state == .trailerLineStart)
            } else {
                state = .trailerLine
            }
        case let .trailerLF(empty):
            guard byte == 0x0A else { throw .malformedChunk("CR without LF in trailer") }
            state = empty ? .done : .trailerLineStart
        case .done:
            break
        }
    }

    static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x37
        case 0x61...0x66: return byte - 0x57
        default: return nil
        }
    }
}

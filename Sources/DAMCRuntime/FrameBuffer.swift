import DAMCWire

/// Bytes received on a stream, cut into DAMC messages by their own TLV
/// length (docs/wire.md §2). Shared by the plain and the TLS streams.
struct FrameBuffer {
    private var input: [UInt8] = []
    let maxFrame: Int

    init(maxFrame: Int) { self.maxFrame = maxFrame }

    mutating func append(_ bytes: ArraySlice<UInt8>) { input += bytes }

    /// The next whole message, nil if more bytes are needed, or the reason
    /// the stream must be dropped.
    mutating func next() -> Result<DAMCMessage?, FrameError> {
        let length: Int?
        do { length = try DAMCMessage.frameLength(of: input) } catch {
            return .failure(FrameError(reason: "malformed frame: \(error)"))
        }
        guard let length else {
            return input.count > maxFrame ? .failure(FrameError(reason: "frame over \(maxFrame) bytes")) : .success(nil)
        }
        guard length <= maxFrame else { return .failure(FrameError(reason: "frame of \(length) bytes")) }
        let frame = Array(input[0..<length])
        input.removeFirst(length)
        do { return .success(try DAMCMessage.decode(frame)) } catch {
            return .failure(FrameError(reason: "malformed message: \(error)"))
        }
    }
}

extension FrameBuffer {
    /// Hands every whole message to `handler` while `open()` holds (a
    /// handler may close the stream); returns why the stream must close.
    mutating func drain(while open: () -> Bool, _ handler: (DAMCMessage) -> Void) -> FrameError? {
        while open() {
            switch next() {
            case let .success(message?): handler(message)
            case .success(nil): return nil
            case let .failure(error): return error
            }
        }
        return nil
    }
}

/// Why a stream's framing failed (the stream is then closed).
struct FrameError: Error {
    var reason: String
}

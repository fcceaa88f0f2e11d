import CLinuxEvents
import DAMCWire
#if canImport(Glibc)
import Glibc
#endif

/// A plain stream socket carrying DAMC messages framed by their own TLV
/// length (class 1 between pods and their gateway), driven by the event
/// loop. A frame that does not decode closes the stream and is reported.
public final class FramedStream {
    public let fd: Int32
    private let loop: EventLoop
    private var registration: EventLoop.Registration?
    private var frames: FrameBuffer
    private var output: [UInt8] = []
    public private(set) var closed = false
    public var onMessage: ((DAMCMessage) -> Void)?
    public var onClose: ((String) -> Void)?

    /// Class 1 messages are small: a frame over 64 KiB closes the stream.
    public init(fd: Int32, loop: EventLoop) throws(SystemError) {
        self.fd = fd
        self.loop = loop
        frames = FrameBuffer(maxFrame: 64 * 1024)
        registration = try loop.register(fd) { [weak self] events in self?.service(events) }
    }

    deinit { if !closed { shutdown(reason: nil) } }

    public func send(_ message: DAMCMessage) {
        guard !closed else { return }
        output += message.encode()
        flush()
    }

    public func close() { shutdown(reason: nil) }

    private func service(_ events: UInt32) {
        if events & EventLoop.readable != 0 || events & EventLoop.failed != 0 {
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
            while !closed {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 { frames.append(buffer[0..<count]); deliver(); continue }
                if count == 0 { shutdown(reason: "closed by peer"); return }
                if errno == EAGAIN || errno == EINTR { break }
                shutdown(reason: "read failed: \(SystemError("read").description)")
                return
            }
        }
        if events & EventLoop.writable != 0 { flush() }
    }

    private func deliver() {
        if let error = frames.drain(while: { !closed }, { onMessage?($0) }) { shutdown(reason: error.reason) }
    }

    private func flush() {
        while !output.isEmpty && !closed {
            let count = output.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if count > 0 { output.removeFirst(count); continue }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { break }
            shutdown(reason: "write failed")
            return
        }
        if let registration, !closed {
            loop.modify(registration, events: EventLoop.readable | (output.isEmpty ? 0 : EventLoop.writable))
        }
    }

    private func shutdown(reason: String?) {
        guard !closed else { return }
        closed = true
        if let registration { loop.unregister(registration) }
        registration = nil
        Glibc.close(fd)
        if let reason { onClose?(reason) }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and errno's text. Every
/// runtime error that reaches a log line or an exit message is one of these.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    public var call: String
    public var subject: String
    public var code: Int32

    public init(_ call: String, _ subject: String = "", code: Int32 = errno) {
        self.call = call
        self.subject = subject
        self.code = code
    }

    public var description: String {
        let reason = String(cString: strerror(code))
        return subject.isEmpty ? "\(call): \(reason)" : "\(call) \(subject): \(reason)"
    }
}

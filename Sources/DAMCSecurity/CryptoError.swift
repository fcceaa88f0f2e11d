import COpenSSL

/// A failure inside OpenSSL or a refused key: what was being done, and
/// OpenSSL's own reason from its error queue when there is one.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    public var operation: String
    public var reason: String

    public init(_ operation: String, reason: String? = nil) {
        self.operation = operation
        self.reason = reason ?? CryptoError.drainQueue()
    }

    public var description: String { reason.isEmpty ? operation : "\(operation): \(reason)" }

    /// Empties OpenSSL's thread-local error queue, returning its first entry
    /// (empty if there was none).
    public static func drainQueue() -> String {
        var first = ""
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if first.isEmpty {
                var buffer = [CChar](repeating: 0, count: 256)
                ERR_error_string_n(code, &buffer, buffer.count)
                first = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return first
    }
}

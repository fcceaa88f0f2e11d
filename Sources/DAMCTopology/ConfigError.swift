/// A problem in a configuration or topology file, named the way an
/// operator needs it: the file, the key path inside it (`links[3].cost`),
/// and the reason (DESIGN.md §3).
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var keyPath: String
    public var reason: String

    public init(file: String, keyPath: String, reason: String) {
        self.file = file
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String {
        keyPath.isEmpty ? "\(file): \(reason)" : "\(file): \(keyPath): \(reason)"
    }
}

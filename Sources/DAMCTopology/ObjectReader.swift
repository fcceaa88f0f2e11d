import DAMCWire

/// Reads one JSON object key by key, tracking the key path, and refuses
/// keys nobody asked for (`finish()`), wrong types and bad values with a
/// `ConfigError` that names file, path and reason.
public struct ObjectReader {
    public let file: String
    public let path: String
    private let object: [String: JSONValue]
    private var used: Set<String> = []

    public init(_ value: JSONValue, file: String, path: String) throws(ConfigError) {
        guard case let .object(object) = value else {
            throw ConfigError(file: file, keyPath: path, reason: "expected an object, found \(value.typeName)")
        }
        self.file = file
        self.path = path
        self.object = object
    }

    public func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func error(_ key: String, _ reason: String) -> ConfigError {
        ConfigError(file: file, keyPath: child(key), reason: reason)
    }

    /// The raw value of `key`, if present.
    public mutating func value(_ key: String) -> JSONValue? {
        used.insert(key)
        return object[key]
    }

    public mutating func required(_ key: String) throws(ConfigError) -> JSONValue {
        guard let value = value(key) else { throw ConfigError(file: file, keyPath: child(key), reason: "missing") }
        return value
    }

    public mutating func string(_ key: String) throws(ConfigError) -> String {
        let value = try required(key)
        guard case let .string(text) = value else { throw error(key, "expected a string, found \(value.typeName)") }
        return text
    }

    /// An `IP:PORT` string at `key`.
    public mutating func address(_ key: String) throws(ConfigError) -> TransportAddress {
        let text = try string(key)
        do { return try TransportAddress(parsing: text) } catch { throw self.error(key, error.reason) }
    }

    /// A node id string at `key`.
    public mutating func nodeID(_ key: String) throws(ConfigError) -> NodeID {
        let text = try string(key)
        do { return try NodeID(text) } catch { throw self.error(key, "\(error)") }
    }

    public mutating func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key), value != .null else { return nil }
        guard case let .string(text) = value else { throw error(key, "expected a string, found \(value.typeName)") }
        return text
    }

    public mutating func integer(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64 {
        try checkInteger(key, try required(key), range)
    }

    public mutating func optionalInteger(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let value = value(key), value != .null else { return nil }
        return try checkInteger(key, value, range)
    }

    private func checkInteger(_ key: String, _ value: JSONValue, _ range: ClosedRange<Int64>) throws(ConfigError) -> Int64 {
        guard case let .integer(number) = value else { throw error(key, "expected an integer, found \(value.typeName)") }
        guard range.contains(number) else {
            throw error(key, "\(number) is out of range \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    public mutating func optionalBool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key), value != .null else { return nil }
        guard case let .bool(flag) = value else { throw error(key, "expected a boolean, found \(value.typeName)") }
        return flag
    }

    /// The elements of an array, each with its own path (`links[2]`).
    public mutating func array(_ key: String, required isRequired: Bool = true) throws(ConfigError) -> [(String, JSONValue)] {
        guard let value = value(key), value != .null else {
            if isRequired { throw ConfigError(file: file, keyPath: child(key), reason: "missing") }
            return []
        }
        guard case let .array(items) = value else { throw error(key, "expected an array, found \(value.typeName)") }
        return items.enumerated().map { ("\(child(key))[\($0.offset)]", $0.element) }
    }

    /// Refuses every key that was never read.
    public func finish() throws(ConfigError) {
        for key in object.keys.sorted() where !used.contains(key) {
            throw ConfigError(file: file, keyPath: child(key), reason: "unknown key")
        }
    }
}

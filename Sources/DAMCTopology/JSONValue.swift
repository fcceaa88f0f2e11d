#if canImport(FoundationEssentials)
import FoundationEssentials   // JSONDecoder, Data, FileManager without ICU: smaller daemons
#else
import Foundation
#endif

/// A JSON document as a value, decoded with Foundation's JSONDecoder, so
/// that configuration readers can check every key and type themselves and
/// name the exact key path of any problem (Foundation's keyed decoding
/// silently ignores unknown keys).
public enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    /// The JSON type's name, for messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Parses a document; a syntax error becomes a `ConfigError` naming the file.
    public static func parse(_ data: Data, file: String) throws(ConfigError) -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            let detail = context.underlyingError.map { String(describing: $0) } ?? context.debugDescription
            throw ConfigError(file: file, keyPath: "", reason: "not valid JSON: \(detail)")
        } catch {
            throw ConfigError(file: file, keyPath: "", reason: "not valid JSON: \(error)")
        }
        if let duplicate = duplicateKey(in: data) {
            throw ConfigError(file: file, keyPath: duplicate.path, reason: "duplicate key (JSON keeps only one of them)")
        }
        return value
    }

    /// The first key that appears twice in one object of an already valid
    /// JSON text, with its path; Foundation's decoder silently keeps one,
    /// which would hide a config mistake.
    static func duplicateKey(in data: Data) -> (path: String, key: String)? {
        let bytes = [UInt8](data)
        // One frame per open container: its keys so far (objects), the path
        // to it, the key awaiting its value, and the array index.
        struct Frame { var isObject: Bool; var keys: Set<String> = []; var path: String; var pendingKey: String?; var index = 0 }
        var stack: [Frame] = []
        var expectingKey = false
        var index = 0
        func childPath(_ frame: Frame) -> String {
            if frame.isObject { return frame.path.isEmpty ? (frame.pendingKey ?? "") : "\(frame.path).\(frame.pendingKey ?? "")" }
            return "\(frame.path)[\(frame.index)]"
        }
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let path = stack.last.map(childPath) ?? ""
                stack.append(Frame(isObject: byte == UInt8(ascii: "{"), path: path))
                expectingKey = byte == UInt8(ascii: "{")
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                stack.removeLast()
                expectingKey = false
            case UInt8(ascii: ","):
                if let last = stack.indices.last {
                    if stack[last].isObject { expectingKey = true } else { stack[last].index += 1 }
                }
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1 }
                if expectingKey, let last = stack.indices.last {
                    let key = String(decoding: bytes[(index + 1)..<min(end, bytes.count)], as: UTF8.self)
                    if !stack[last].keys.insert(key).inserted {
                        stack[last].pendingKey = key
                        return (childPath(stack[last]), key)
                    }
                    stack[last].pendingKey = key
                    expectingKey = false
                }
                index = end
            default:
                break
            }
            index += 1
        }
        return nil
    }
}

import DAMCTopology
import Foundation

/// Checks a JSON value against the subset of JSON Schema used in
/// docs/schemas (type, enum, required, properties, additionalProperties,
/// items). Returns every violation with its path; empty means valid.
enum SchemaValidator {
    static let schemas: JSONValue = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/schemas/management.json").path
        return try! JSONValue.parse(FileManager.default.contents(atPath: path)!, file: path)
    }()

    static func schema(for command: String) -> JSONValue? { schemas["commands"]?[command] }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    static func validate(_ value: JSONValue, _ schema: JSONValue, path: String = "$") -> [String] {
        var problems: [String] = []
        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            // As in JSON Schema, an integer is also a number (0.0 is written as 0).
            let integerAsNumber = typeName(value) == "integer" && allowed.contains("number")
            if !allowed.contains(typeName(value)) && !integerAsNumber {
                return ["\(path): \(typeName(value)), expected \(allowed.joined(separator: " or "))"]
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(value) {
            problems.append("\(path): \(value.text()) is not one of \(JSONValue.array(options).text())")
        }
        if case let .object(members) = value {
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[key] == nil {
                problems.append("\(path).\(key): missing")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] {
                    problems += validate(member, property, path: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] {
                    if extra == .bool(false) {
                        problems.append("\(path).\(key): not in the schema")
                    } else if case .object = extra {
                        problems += validate(member, extra, path: "\(path).\(key)")
                    }
                }
            }
        }
        if case let .array(items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { problems += validate(item, itemSchema, path: "\(path)[\(index)]") }
        }
        return problems
    }
}

import DAMCTopology
import DAMCWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reading the SPA's policy file (docs/spa.md):
///
/// ```json
/// { "rules": [
///     { "prefix": "/shop/**", "gateways": ["sg1", "sg4"], "pods": "*", "action": "allow" },
///     { "prefix": "/shop/admin", "gateways": "*", "pods": "*", "action": "deny" } ] }
/// ```
extension SPAPolicy {
    public static func load(path: String) throws(ConfigError) -> SPAPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, keyPath: "", reason: "cannot be read")
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(ConfigError) -> SPAPolicy {
        var root = try ObjectReader(JSONValue.parse(data, file: file), file: file, path: "")
        var rules: [Rule] = []
        for (path, value) in try root.array("rules") {
            var reader = try ObjectReader(value, file: file, path: path)
            var text = try reader.string("prefix")
            let subtree = text.hasSuffix("/**")
            if subtree { text = String(text.dropLast(3)); if text.isEmpty { text = "/" } }
            let prefix: ServiceName
            do { prefix = try ServiceName(text) } catch { throw reader.error("prefix", "'\(text)': \(error)") }
            func selector(_ key: String, _ validate: (String) -> Bool) throws(ConfigError) -> Selector {
                let value = try reader.required(key)
                if value == .string("*") { return .any }
                guard let items = value.arrayValue, !items.isEmpty else {
                    throw reader.error(key, "expected \"*\" or a non-empty array of ids")
                }
                var names: Set<String> = []
                for item in items {
                    guard let name = item.stringValue, validate(name) else {
                        throw reader.error(key, "\(item.text()) is not a valid id")
                    }
                    names.insert(name)
                }
                return .only(names)
            }
            let gateways = try selector("gateways") { (try? NodeID($0)) != nil }
            let pods = try selector("pods") { (try? PodID($0)) != nil }
            let actionText = try reader.string("action")
            guard let action = Action(rawValue: actionText) else {
                throw reader.error("action", "'\(actionText)' is not allow or deny")
            }
            try reader.finish()
            rules.append(Rule(prefix: prefix, subtree: subtree, gateways: gateways, pods: pods, action: action))
        }
        try root.finish()
        do { return try SPAPolicy(rules: rules) } catch {
            throw ConfigError(file: file, keyPath: "rules[\(error.ruleIndex)]", reason: error.reason)
        }
    }
}

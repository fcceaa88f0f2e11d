import DAMCWire
#if canImport(FoundationEssentials)
import FoundationEssentials   // JSONDecoder, Data, FileManager without ICU: smaller daemons
#else
import Foundation
#endif

/// A network described once and used everywhere: the simulator, the
/// loopback tests, the namespace lab and the CCDR tools (DESIGN.md §3).
/// docs/topology.md describes the file.
public struct Topology: Sendable, Equatable {
    /// A service a gateway's pod serves.
    public struct Service: Sendable, Equatable {
        public var prefix: ServiceName
        public var pod: PodID
        public var metric: UInt32
        public var weight: UInt16
        /// Instances that serve it without registering over class 1
        /// (static backends, as in a load balancer's config).
        public var endpoints: [Endpoint]

        public init(prefix: ServiceName, pod: PodID, metric: UInt32 = 0, weight: UInt16 = 100, endpoints: [Endpoint] = []) {
            self.prefix = prefix
            self.pod = pod
            self.metric = metric
            self.weight = weight
            self.endpoints = endpoints
        }
    }

    public struct Node: Sendable, Equatable {
        public var id: NodeID
        public var role: NodeRole
        public var services: [Service]

        public init(id: NodeID, role: NodeRole, services: [Service] = []) {
            self.id = id
            self.role = role
            self.services = services
        }
    }

    /// A point-to-point link; `cost` applies in both directions.
    public struct Link: Sendable, Equatable {
        public var a: NodeID
        public var b: NodeID
        public var cost: UInt32
        public var capacityMbps: UInt64

        public init(a: NodeID, b: NodeID, cost: UInt32 = 10, capacityMbps: UInt64 = 1000) {
            self.a = a
            self.b = b
            self.cost = cost
            self.capacityMbps = capacityMbps
        }
    }

    public var name: String
    public var nodes: [Node]
    public var links: [Link]

    public init(name: String, nodes: [Node], links: [Link]) {
        self.name = name
        self.nodes = nodes
        self.links = links
    }

    public func node(_ id: NodeID) -> Node? { nodes.first { $0.id == id } }

    /// Reads and validates a topology file.
    public static func load(path: String) throws(ConfigError) -> Topology {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, keyPath: "", reason: "cannot be read")
        }
        return try parse(data, file: path)
    }

    static let roles: [String: NodeRole] = ["sg": .gateway, "sr": .router, "spa": .authenticator, "scsc": .scheduler]

    /// Reads a role name (`sg`, `sr`, `spa`, `scsc`) at `key`.
    static func role(_ reader: inout ObjectReader, _ key: String) throws(ConfigError) -> NodeRole {
        let text = try reader.string(key)
        guard let role = roles[text] else { throw reader.error(key, "'\(text)' is not one of sg, sr, spa, scsc") }
        return role
    }

    /// Validates a topology document: unknown keys, types, ranges, names,
    /// duplicate ids and dangling or looping links are all refused with the
    /// file, the key path and the reason.
    public static func parse(_ data: Data, file: String) throws(ConfigError) -> Topology {
        var root = try ObjectReader(JSONValue.parse(data, file: file), file: file, path: "")
        let name = try root.optionalString("name") ?? file
        _ = try root.optionalString("description")
        var nodes: [Node] = []
        var seen: Set<NodeID> = []
        for (path, value) in try root.array("nodes") {
            var reader = try ObjectReader(value, file: file, path: path)
            let idText = try reader.string("id")
            let id: NodeID
            do { id = try NodeID(idText) } catch { throw reader.error("id", "\(error)") }
            guard seen.insert(id).inserted else { throw reader.error("id", "duplicate node id '\(id)'") }
            let role = try Topology.role(&reader, "role")
            let services = try Service.parseList(&reader, role: role)
            try reader.finish()
            nodes.append(Node(id: id, role: role, services: services))
        }
        var links: [Link] = []
        for (path, value) in try root.array("links", required: false) {
            var reader = try ObjectReader(value, file: file, path: path)
            var ends: [NodeID] = []
            for key in ["a", "b"] {
                let text = try reader.string(key)
                guard let end = try? NodeID(text), seen.contains(end) else {
                    throw reader.error(key, "'\(text)' is not a node of this topology")
                }
                ends.append(end)
            }
            guard ends[0] != ends[1] else { throw reader.error("b", "a link cannot join '\(ends[0])' to itself") }
            let cost = try reader.optionalInteger("cost", in: 1...Int64(UInt32.max)) ?? 10
            let capacity = try reader.optionalInteger("capacity_mbps", in: 1...1_000_000_000) ?? 1000
            try reader.finish()
            links.append(Link(a: ends[0], b: ends[1], cost: UInt32(cost), capacityMbps: UInt64(capacity)))
        }
        try root.finish()
        return Topology(name: name, nodes: nodes, links: links)
    }
}

extension Topology.Service {
    /// Reads the optional `services` array of a node or daemon config
    /// (docs/topology.md, docs/config.md); only gateways may have one.
    static func parseList(_ reader: inout ObjectReader, role: NodeRole) throws(ConfigError) -> [Topology.Service] {
        var services: [Topology.Service] = []
        for (path, value) in try reader.array("services", required: false) {
            guard role == .gateway else {
                throw ConfigError(file: reader.file, keyPath: path, reason: "only gateways (role sg) serve services")
            }
            var service = try ObjectReader(value, file: reader.file, path: path)
            let prefixText = try service.string("prefix")
            let prefix: ServiceName
            do { prefix = try ServiceName(prefixText) } catch { throw service.error("prefix", "'\(prefixText)': \(error)") }
            let podText = try service.string("pod")
            let pod: PodID
            do { pod = try PodID(podText) } catch { throw service.error("pod", "\(error)") }
            let metric = try service.optionalInteger("metric", in: 0...Int64(UInt32.max)) ?? 0
            let weight = try service.optionalInteger("weight", in: 0...Int64(UInt16.max)) ?? 100
            var endpoints: [Endpoint] = []
            for (endpointPath, item) in try service.array("endpoints", required: false) {
                guard let text = item.stringValue else {
                    throw ConfigError(file: reader.file, keyPath: endpointPath, reason: "expected \"IPV4:PORT\" or \"[IPV6]:PORT\"")
                }
                do { endpoints.append(try TransportAddress(parsing: text).endpoint) } catch {
                    throw ConfigError(file: reader.file, keyPath: endpointPath, reason: error.reason)
                }
            }
            try service.finish()
            services.append(Topology.Service(prefix: prefix, pod: pod, metric: UInt32(metric), weight: UInt16(weight),
                                             endpoints: endpoints))
        }
        return services
    }
}

extension Topology {
    /// The topology as a JSON document in the file format `parse` reads.
    public func jsonText() -> String {
        func quote(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        let roleNames: [NodeRole: String] = [.gateway: "sg", .router: "sr", .authenticator: "spa", .scheduler: "scsc"]
        var lines = ["{", "  \"name\": \(quote(name)),", "  \"nodes\": ["]
        for (index, node) in nodes.enumerated() {
            var line = "    { \"id\": \(quote(node.id.rawValue)), \"role\": \"\(roleNames[node.role]!)\""
            if !node.services.isEmpty {
                let services = node.services.map { service in
                    var text = "{ \"prefix\": \(quote(service.prefix.description)), \"pod\": \(quote(service.pod.rawValue))"
                    if service.metric != 0 { text += ", \"metric\": \(service.metric)" }
                    if service.weight != 100 { text += ", \"weight\": \(service.weight)" }
                    if !service.endpoints.isEmpty {
                        text += ", \"endpoints\": [\(service.endpoints.map { quote($0.description) }.joined(separator: ", "))]"
                    }
                    return text + " }"
                }
                line += ", \"services\": [\(services.joined(separator: ", "))]"
            }
            lines.append(line + " }" + (index < nodes.count - 1 ? "," : ""))
        }
        lines.append("  ],")
        lines.append("  \"links\": [")
        for (index, link) in links.enumerated() {
            lines.append("    { \"a\": \(quote(link.a.rawValue)), \"b\": \(quote(link.b.rawValue)), \"cost\": \(link.cost), \"capacity_mbps\": \(link.capacityMbps) }"
                         + (index < links.count - 1 ? "," : ""))
        }
        lines.append("  ]")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

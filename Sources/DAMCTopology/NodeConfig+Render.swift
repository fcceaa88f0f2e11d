import DAMCWire

/// Deriving each node's config from one topology file (issue 5): the
/// loopback mesh, the lab and the simulator then share one description.
extension NodeConfig {
    /// How rendered configs place nodes on the network.
    public struct RenderOptions: Sendable {
        /// Node number `i` (1-based, in topology order) gets the address
        /// `127.<addressBlock>.<i / 256>.<i % 256>`: loopback, no root needed.
        public var addressBlock: UInt8 = 31
        /// A link's two ends both use `basePort + link index` (topology
        /// order) on their own node's address.
        public var basePort: UInt16 = 17000
        /// Management sockets go to `<socketDirectory>/<node-id>.sock`.
        public var socketDirectory: String = NodeConfig.defaultSocketDirectory
        public var timers = Timers()
        /// A gateway's pod-facing HTTP ingress listens on its own address at
        /// this port (nil: no ingress).
        public var ingressPort: UInt16? = 18080
        /// A scheduling centre (role scsc) listens on its own address at
        /// this port. With `scheduling`, every gateway and router reports to
        /// the topology's SCSC (class 4). TLS files are
        /// `<pkiDirectory>/<node-id>.crt`, `.key` and `<pkiDirectory>/ca.crt`
        /// (deploy/make-lab-pki.sh makes them; a relative directory is taken
        /// from the config's own when it is loaded).
        public var schedulerPort: UInt16 = 17700
        public var scheduling = false
        public var pkiDirectory = "/etc/damc/pki"
        public var telemetryIntervalMs: Int64 = 1000
        /// With `authorisation`, gateways ask the topology's SPA (role spa,
        /// listening at `spaPort`) for grants over TLS (class 3), and every
        /// gateway, router and SCSC accepts a prefix only with a valid grant
        /// signed by key `spa1` (public key `<pkiDirectory>/grant.key.pub`;
        /// the SPA signs with `<pkiDirectory>/grant.key` and decides by
        /// `spaPolicyFile`, relative to its config's directory).
        public var authorisation = false
        /// Gateways probe their instances with an HTTP GET of this path
        /// (nil: a TCP connect, the daemons' default).
        public var healthPath: String?
        public var spaPort: UInt16 = 17400
        public var spaPolicyFile = "spa-policy.json"
        /// Namespace lab addressing (deploy/lab/damc-lab): link `i` (0-based,
        /// topology order) is a /30 from 198.18.0.0/15, its first end at
        /// `.4i+1` and its second at `.4i+2`, both on `basePort`. Class 3
        /// and 4 (SPA and SCSC sessions) run over a management network:
        /// node `i` has `labManagementAddress(nodeIndex: i)`. A gateway's
        /// ingress is on 127.0.0.1 inside its namespace.
        public var lab = false

        public init() {}
    }

    /// The loopback address of the node at `index` (0-based) in the topology.
    public static func loopbackAddress(nodeIndex index: Int, options: RenderOptions) -> String {
        let number = index + 1
        return "127.\(options.addressBlock).\(number / 256).\(number % 256)"
    }

    /// The two ends of lab link `linkIndex` (0-based): a /30 in 198.18.0.0/15.
    public static func labAddresses(linkIndex: Int) -> (a: String, b: String) {
        let base = linkIndex * 4
        func host(_ offset: Int) -> String {
            let value = base + offset
            return "198.\(18 + value >> 16).\(value >> 8 & 0xFF).\(value & 0xFF)"
        }
        return (host(1), host(2))
    }

    /// Lab links take /30s from 198.18.0.0 upwards; they must stay below
    /// the management network.
    public static let maxLabLinks = 24_576

    /// The management-network address of lab node `index` (0-based, topology
    /// order): 198.19.128.0/17, host `index + 1`.
    public static func labManagementAddress(nodeIndex index: Int) -> String {
        let value = 0x8000 + index + 1
        return "198.19.\(value >> 8).\(value & 0xFF)"
    }

    /// Where `id`'s class 3/4 listener is reached (its SPA or SCSC port).
    static func serviceAddress(of id: NodeID, in topology: Topology, port: UInt16, options: RenderOptions) -> TransportAddress {
        let position = topology.nodes.firstIndex { $0.id == id }!
        let host = options.lab ? labManagementAddress(nodeIndex: position) : loopbackAddress(nodeIndex: position, options: options)
        return try! TransportAddress(host: host, port: port)
    }

    /// The TLS files of `node` in the render's PKI directory.
    static func tlsFiles(_ node: NodeID, options: RenderOptions) -> TLSFiles {
        TLSFiles(certificateFile: "\(options.pkiDirectory)/\(node.rawValue).crt",
                 privateKeyFile: "\(options.pkiDirectory)/\(node.rawValue).key", caFile: "\(options.pkiDirectory)/ca.crt")
    }

    /// The config of `node` in `topology`. Link ids are numbered per node
    /// in topology order from 1, exactly as the simulator numbers them, so
    /// FIBs from the simulator and from daemons compare equal.
    public static func render(topology: Topology, node id: NodeID, options: RenderOptions = RenderOptions(),
                              file: String = "topology") throws(ConfigError) -> NodeConfig {
        guard let index = topology.nodes.firstIndex(where: { $0.id == id }) else {
            throw ConfigError(file: file, keyPath: "nodes", reason: "no node '\(id)'")
        }
        guard topology.links.count < (options.lab ? maxLabLinks : Int(UInt16.max - options.basePort)) else {
            throw ConfigError(file: file, keyPath: "links", reason: "too many links for base port \(options.basePort)")
        }
        let node = topology.nodes[index]
        var config = NodeConfig(nodeID: id, role: node.role)
        config.timers = options.timers
        config.services = node.services
        config.managementSocket = "\(options.socketDirectory)/\(id.rawValue).sock"
        func address(of nodeID: NodeID, port: UInt16) -> TransportAddress {
            serviceAddress(of: nodeID, in: topology, port: port, options: options)
        }
        if node.role == .gateway, let path = options.healthPath { config.forwarding.health.httpPath = path }
        if node.role == .gateway, let port = options.ingressPort {
            config.forwarding.ingress = options.lab ? try! TransportAddress(host: "127.0.0.1", port: port) : address(of: id, port: port)
        }
        if node.role == .scheduler {
            config.scheduler = SchedulerSettings(listen: address(of: id, port: options.schedulerPort), tls: tlsFiles(id, options: options))
        } else if options.scheduling, node.role == .gateway || node.role == .router,
                  let centre = topology.nodes.first(where: { $0.role == .scheduler }) {
            config.scsc = SCSCClientConfig(address: address(of: centre.id, port: options.schedulerPort), nodeID: centre.id,
                                           tls: tlsFiles(id, options: options), telemetryIntervalMs: options.telemetryIntervalMs)
        }
        if options.authorisation, let authority = topology.nodes.first(where: { $0.role == .authenticator }) {
            config.grantKeys = [GrantKey(keyID: try! KeyID("spa1"), publicKeyFile: "\(options.pkiDirectory)/grant.key.pub")]
            if node.role == .gateway {
                config.spa = SPAClientConfig(address: address(of: authority.id, port: options.spaPort), nodeID: authority.id,
                                             tls: tlsFiles(id, options: options))
            }
        }
        var nextLinkID: UInt32 = 1
        for (linkIndex, link) in topology.links.enumerated() where link.a == id || link.b == id {
            let peer = link.a == id ? link.b : link.a
            let local: TransportAddress, remote: TransportAddress
            if options.lab {
                let ends = labAddresses(linkIndex: linkIndex)
                let mine = link.a == id ? ends.a : ends.b, theirs = link.a == id ? ends.b : ends.a
                local = try! TransportAddress(host: mine, port: options.basePort)
                remote = try! TransportAddress(host: theirs, port: options.basePort)
            } else {
                let port = options.basePort + UInt16(linkIndex)
                local = address(of: id, port: port)
                remote = address(of: peer, port: port)
            }
            config.links.append(Link(id: nextLinkID, name: peer.rawValue, local: local, peer: remote, cost: link.cost,
                                     capacityMbps: link.capacityMbps))
            nextLinkID += 1
        }
        return config
    }

    /// The SPA's own config (docs/spa.md) for `node`, a node of role spa in
    /// `topology`: its TLS listener on its address at `spaPort`, signing
    /// with `<pkiDirectory>/grant.key` as key `spa1`, deciding by
    /// `spaPolicyFile`.
    public static func renderSPA(topology: Topology, node id: NodeID, options: RenderOptions = RenderOptions(),
                                 file: String = "topology") throws(ConfigError) -> SPAConfig {
        guard let node = topology.nodes.first(where: { $0.id == id }) else {
            throw ConfigError(file: file, keyPath: "nodes", reason: "no node '\(id)'")
        }
        guard node.role == .authenticator else {
            throw ConfigError(file: file, keyPath: "nodes", reason: "'\(id)' has role \(node.role), not spa")
        }
        var config = SPAConfig(nodeID: id, listen: serviceAddress(of: id, in: topology, port: options.spaPort, options: options),
                               tls: tlsFiles(id, options: options), signingKeyID: try! KeyID("spa1"),
                               signingKeyFile: "\(options.pkiDirectory)/grant.key", policyFile: options.spaPolicyFile)
        config.managementSocket = "\(options.socketDirectory)/\(id.rawValue).sock"
        return config
    }
}

import DAMCWire
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Certificate, key and CA files for TLS 1.3 with mutual authentication.
public struct TLSFiles: Sendable, Equatable {
    public var certificateFile: String
    public var privateKeyFile: String
    public var caFile: String

    public init(certificateFile: String, privateKeyFile: String, caFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.caFile = caFile
    }

    /// Reads `{ "certificate_file", "private_key_file", "ca_file" }`,
    /// resolving relative paths against `directory`.
    static func parse(_ reader: inout ObjectReader, directory: String) throws(ConfigError) -> TLSFiles {
        func path(_ key: String) throws(ConfigError) -> String {
            let text = try reader.string(key)
            return text.hasPrefix("/") ? text : "\(directory)/\(text)"
        }
        let files = TLSFiles(certificateFile: try path("certificate_file"), privateKeyFile: try path("private_key_file"),
                             caFile: try path("ca_file"))
        try reader.finish()
        return files
    }

    var json: JSONValue {
        .object(["certificate_file": .string(certificateFile), "private_key_file": .string(privateKeyFile),
                 "ca_file": .string(caFile)])
    }
}

/// A gateway's connection to its SPA (docs/config.md): where it listens,
/// the name its certificate must carry, and our TLS files.
public struct SPAClientConfig: Sendable, Equatable {
    public var address: TransportAddress
    /// The SPA's node id: its certificate's common name must match.
    public var nodeID: NodeID
    public var tls: TLSFiles

    public init(address: TransportAddress, nodeID: NodeID, tls: TLSFiles) {
        self.address = address
        self.nodeID = nodeID
        self.tls = tls
    }
}

/// The configuration of `damc-spa` (docs/spa.md).
public struct SPAConfig: Sendable, Equatable {
    public var nodeID: NodeID
    /// TLS listener for gateways.
    public var listen: TransportAddress
    public var managementSocket: String?
    public var tls: TLSFiles
    /// The grant-signing key and the id routers know it by.
    public var signingKeyID: KeyID
    public var signingKeyFile: String
    public var policyFile: String
    /// Validity of a grant; gateways renew at two thirds of it.
    public var grantLifetimeS: Int64 = 3600

    public var managementSocketPath: String {
        managementSocket ?? "\(NodeConfig.defaultSocketDirectory)/\(nodeID.rawValue).sock"
    }

    public init(nodeID: NodeID, listen: TransportAddress, tls: TLSFiles, signingKeyID: KeyID, signingKeyFile: String,
                policyFile: String) {
        self.nodeID = nodeID
        self.listen = listen
        self.tls = tls
        self.signingKeyID = signingKeyID
        self.signingKeyFile = signingKeyFile
        self.policyFile = policyFile
    }

    public static func load(path: String) throws(ConfigError) -> SPAConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, keyPath: "", reason: "cannot be read")
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(ConfigError) -> SPAConfig {
        let directory = file.lastIndex(of: "/").map { String(file[..<$0]) } ?? "."
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : "\(directory)/\(path)" }
        var root = try ObjectReader(JSONValue.parse(data, file: file), file: file, path: "")
        let id = try root.nodeID("node_id")
        guard try Topology.role(&root, "role") == .authenticator else {
            throw root.error("role", "damc-spa needs role spa")
        }
        let listen = try root.address("listen")
        let socket = try root.optionalString("management_socket")
        if let socket, !socket.hasPrefix("/") || socket.utf8.count >= 108 {
            throw root.error("management_socket", "'\(socket)' must be an absolute path under 108 bytes")
        }
        var tlsReader = try ObjectReader(try root.required("tls"), file: file, path: "tls")
        let tls = try TLSFiles.parse(&tlsReader, directory: directory)
        var signing = try ObjectReader(try root.required("signing_key"), file: file, path: "signing_key")
        let keyText = try signing.string("key_id")
        let keyID: KeyID
        do { keyID = try KeyID(keyText) } catch { throw signing.error("key_id", "\(error)") }
        let keyFile = resolve(try signing.string("private_key_file"))
        try signing.finish()
        let policy = resolve(try root.string("policy_file"))
        var config = SPAConfig(nodeID: id, listen: listen, tls: tls, signingKeyID: keyID, signingKeyFile: keyFile,
                               policyFile: policy)
        config.managementSocket = socket
        config.grantLifetimeS = try root.optionalInteger("grant_lifetime_s", in: 10...86_400) ?? 3600
        try root.finish()
        return config
    }

    public var json: JSONValue {
        var root: [String: JSONValue] = [
            "node_id": .string(nodeID.rawValue), "role": .string("spa"), "listen": .string(listen.description),
            "tls": tls.json,
            "signing_key": .object(["key_id": .string(signingKeyID.rawValue), "private_key_file": .string(signingKeyFile)]),
            "policy_file": .string(policyFile), "grant_lifetime_s": .integer(grantLifetimeS),
        ]
        if let managementSocket { root["management_socket"] = .string(managementSocket) }
        return .object(root)
    }

    public func jsonText() -> String { json.text(pretty: true) + "\n" }
}

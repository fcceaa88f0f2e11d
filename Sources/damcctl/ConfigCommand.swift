import ArgumentParser
import DAMCTopology
import DAMCWire
import Foundation

/// `damcctl config render TOPOLOGY [NODE]`: daemon configs from one
/// topology file, so the simulator, the loopback mesh and the lab share it.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Render and check daemon configs.",
        subcommands: [Render.self, Check.self])

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render the config of NODE (to stdout), or of every node into --out-dir as <node>.json.")

        @Argument(help: "A topology file (docs/topology.md).")
        var topology: String

        @Argument(help: "A node id; omit to render every node (needs --out-dir).")
        var node: String?

        @Option(name: .customLong("out-dir"), help: "Write <node>.json files here.")
        var outDirectory: String?

        @Option(name: .customLong("socket-dir"), help: "Directory of the management sockets.")
        var socketDirectory: String = NodeConfig.defaultSocketDirectory

        @Option(name: .customLong("base-port"), help: "UDP port of the first link; link i uses base + i.")
        var basePort: UInt16 = 17000

        @Option(name: .customLong("address-block"), help: "Node i listens on 127.<block>.<i/256>.<i%256>.")
        var addressBlock: UInt8 = 31

        @Flag(name: .customLong("fast-timers"), help: "100 ms hellos, 300 ms dead interval (tests and labs).")
        var fastTimers = false

        @Flag(help: "Gateways and routers report to the topology's SCSC over TLS (class 4), with files in --pki-dir.")
        var scheduling = false

        @Flag(help: "Gateways ask the topology's SPA for grants (class 3, TLS), and every node accepts only granted prefixes (key spa1, <pki-dir>/grant.key.pub).")
        var spa = false

        @Option(name: .customLong("spa-policy"), help: "The SPA's policy file (relative: to its config's directory).")
        var spaPolicy = "spa-policy.json"

        @Option(name: .customLong("health-path"), help: "Gateways probe instances with an HTTP GET of this path (default: a TCP connect).")
        var healthPath: String?

        @Flag(help: "Namespace lab addressing: link i is a /30 from 198.18.0.0/15 (deploy/lab/damc-lab).")
        var lab = false

        @Option(name: .customLong("pki-dir"), help: "TLS files: <dir>/<node>.crt, .key and <dir>/ca.crt (a relative directory is taken from each config's own).")
        var pkiDirectory = "/etc/damc/pki"

        func run() throws {
            let topology: Topology
            do { topology = try Topology.load(path: self.topology) } catch {
                throw ValidationError("\(error)")
            }
            var options = NodeConfig.RenderOptions()
            options.socketDirectory = socketDirectory
            options.basePort = basePort
            options.addressBlock = addressBlock
            if fastTimers { options.timers = .fast }
            options.scheduling = scheduling
            options.lab = lab
            options.authorisation = spa
            options.spaPolicyFile = spaPolicy
            if let healthPath {
                if let problem = ForwardingSettings.Health.problem(httpPath: healthPath) { throw ValidationError("--health-path \(problem)") }
                options.healthPath = healthPath
            }
            options.pkiDirectory = pkiDirectory
            if let node {
                let id: NodeID
                do { id = try NodeID(node) } catch { throw ValidationError("\(node): \(error)") }
                do {
                    let text = try configText(topology, id, options)
                    if let outDirectory {
                        try write(text, node: id, to: outDirectory)
                    } else {
                        print(text, terminator: "")
                    }
                } catch let error as ConfigError { throw ValidationError("\(error)") }
                return
            }
            guard let outDirectory else { throw ValidationError("rendering every node needs --out-dir") }
            do {
                for node in topology.nodes { try write(try configText(topology, node.id, options), node: node.id, to: outDirectory) }
            } catch let error as ConfigError { throw ValidationError("\(error)") }
        }

        /// A node's config file: the SPA's own format for role spa, the
        /// daemons' format for every other role.
        func configText(_ topology: Topology, _ id: NodeID, _ options: NodeConfig.RenderOptions) throws(ConfigError) -> String {
            if topology.nodes.first(where: { $0.id == id })?.role == .authenticator {
                return try NodeConfig.renderSPA(topology: topology, node: id, options: options, file: self.topology).jsonText()
            }
            return try NodeConfig.render(topology: topology, node: id, options: options, file: self.topology).jsonText()
        }

        func write(_ text: String, node: NodeID, to directory: String) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = "\(directory)/\(node.rawValue).json"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            print(path)
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a daemon config file.")

        @Argument(help: "A daemon config file (docs/config.md).")
        var file: String

        func run() throws {
            do {
                let config = try NodeConfig.load(path: file)
                print("\(file): ok (node \(config.nodeID), role \(config.role), \(config.links.count) links)")
            } catch {
                FileHandle.standardError.write(Data("damcctl: \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}

import ArgumentParser
import DAMCTopology
import Foundation

/// Which daemon to talk to: `-s SOCKET`, or `-n NODE` resolved in the
/// socket directory (`--socket-dir`, else `$DAMC_SOCKET_DIR`, else
/// `/run/damc`), as DESIGN.md §3 says.
struct Target: ParsableArguments {
    @Option(name: .customShort("s"), help: "The daemon's management socket.")
    var socket: String?

    @Option(name: .customShort("n"), help: "The node id; its socket is <socket-dir>/<node>.sock.")
    var node: String?

    @Option(name: .customLong("socket-dir"), help: "Where -n looks for sockets (default $DAMC_SOCKET_DIR or /run/damc).")
    var socketDirectory: String?

    @Flag(help: "Print the daemon's JSON reply instead of a table.")
    var json = false

    func socketPath() throws -> String {
        if let socket { return socket }
        guard let node else { throw ValidationError("say which daemon: -s SOCKET or -n NODE") }
        let directory = socketDirectory ?? ProcessInfo.processInfo.environment["DAMC_SOCKET_DIR"] ?? NodeConfig.defaultSocketDirectory
        return "\(directory)/\(node).sock"
    }
}

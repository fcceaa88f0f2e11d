import ArgumentParser
import DAMCRuntime
import DAMCTopology
import Foundation

/// `damcctl show WHAT`: a daemon's state as an aligned table or, with
/// `--json`, the stable JSON of docs/management.md.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a daemon's neighbors, lsdb, rib, fib, interfaces, counters, version, pods, grants, instances, flows, policies, sessions, telemetry or issued.")

    @OptionGroup var target: Target

    @Argument(help: "neighbors | lsdb | rib | fib | interfaces | counters | version | flows | policies | pods | grants | instances (gateways) | sessions (SPA) | telemetry | issued (SCSC)")
    var what: String

    @Argument(help: "For lsdb: an origin node id to show only its LSAs.")
    var rest: [String] = []

    @Flag(help: "For lsdb: the adjacencies and prefixes inside each LSA.")
    var detail = false

    func run() throws {
        var args = ["show", what]
        if detail { args.append("--detail") }
        args += rest
        try Remote.run(args, target: target, table: { Tables.render(what, $0, detail: detail) })
    }
}

/// `damcctl lookup NAME`: the FIB entry a call to NAME would use, and why.
struct Lookup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the FIB entry that a name matches (longest prefix on whole components) and why.")

    @OptionGroup var target: Target

    @Argument(help: "A service name, e.g. /shop/cart/items/42.")
    var name: String

    func run() throws {
        try Remote.run(["lookup", name], target: target, table: { Tables.render("lookup", $0, detail: false) })
    }
}

/// `damcctl trace NAME`: the hops a call to NAME takes right now, each
/// with the table entry it used, and the instance at the end.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the hops a call to a name takes now: each hop's FIB or policy entry, and the instance it reaches.")

    @OptionGroup var target: Target

    @Argument(help: "A service name, e.g. /shop/cart/items/42.")
    var name: String

    func run() throws {
        try Remote.run(["trace", name], target: target, table: { Tables.render("trace", $0, detail: false) })
    }
}

/// `damcctl revoke SERIAL` (on the SPA): the gateway withdraws the prefix.
struct RevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a grant on the SPA; its gateway withdraws the prefix at once.")

    @OptionGroup var target: Target

    @Argument(help: "The grant's serial (damcctl show grants).")
    var serial: String

    func run() throws {
        try Remote.run(["revoke", serial], target: target, table: { Tables.render("revoke", $0, detail: false) })
    }
}

/// `damcctl policy install PREFIX NODE,NODE,... [LIFETIME_S [INSTANCE]] [class=N]` and
/// `damcctl policy withdraw ID` (on the SCSC): an explicit path for a
/// prefix, pushed to every node on it (docs/scheduling.md §policies).
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "On the SCSC: install a QoS policy (prefix, explicit path, lifetime) on the nodes of its path, or withdraw one.")

    @OptionGroup var target: Target

    @Argument(help: "install PREFIX NODE,NODE,... [LIFETIME_S [INSTANCE]] [class=N] | withdraw ID")
    var words: [String]

    func run() throws {
        try Remote.run(["policy"] + words, target: target, table: { reply in
            if reply["withdrawn"] != nil { return "policy \(Tables.cell(reply["id"])) withdrawn\n" }
            return "policy \(Tables.cell(reply["id"])) version \(Tables.cell(reply["version"])) sent to "
                + "\(Tables.cell(reply["sent_to"])); not connected: \(Tables.cell(reply["not_connected"]))\n"
        })
    }
}

/// Sends one request and prints the reply; a failure exits non-zero with
/// the daemon's (or the socket's) message.
enum Remote {
    static func run(_ args: [String], target: Target, table: (JSONValue) -> String) throws {
        let path = try target.socketPath()
        do {
            let data = try ManagementClient.request(args, socketPath: path)
            print(target.json ? data.text(pretty: true) : table(data), terminator: target.json ? "\n" : "")
        } catch {
            FileHandle.standardError.write(Data("damcctl: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

import CLinuxEvents
import DAMCRuntime
import DAMCTopology
import DAMCWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts real daemon processes from the built binaries, talks to them
/// over their management sockets, and always cleans up: every process is
/// killed and the temporary directory removed by `stopAll()` (called by
/// `deinit` too), and each daemon runs with `--exit-with-parent`, so not
/// even a crashed test runner leaves one behind.
final class DaemonHarness: @unchecked Sendable {
    let directory: String
    var socketDirectory: String { directory + "/run" }
    private(set) var processes: [String: Process] = [:]
    private(set) var configs: [String: NodeConfig] = [:]

    /// Where `swift build` put the executables: next to the test binary.
    static let binaries: String = {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().path
    }()

    /// inotify on the directory: daemons' logs and sockets live there, so
    /// a poll re-checks as soon as one of them does something.
    private var activity: Int32 = -1

    init(_ name: String) throws {
        var template = Array("/tmp/damc-\(name)-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw SystemError("mkdtemp") }
        directory = String(cString: path)
        activity = damc_watch_directory(directory)
    }

    deinit { stopAll() }

    /// Renders configs for `nodes` of `topology` into the directory
    /// (loopback block `block`, fast timers unless `timers` says otherwise).
    @discardableResult
    func render(_ topology: Topology, nodes: [String], block: UInt8, basePort: UInt16 = 17000,
                timers: NodeConfig.Timers = .fast) throws -> [String: NodeConfig] {
        var options = NodeConfig.RenderOptions()
        options.addressBlock = block
        options.basePort = basePort
        options.socketDirectory = socketDirectory
        options.timers = timers
        for node in nodes {
            let config = try NodeConfig.render(topology: topology, node: try NodeID(node), options: options)
            try write(config)
        }
        return configs
    }

    func configPath(_ node: String) -> String { "\(directory)/\(node).json" }

    /// Runs a tool to completion (openssl, damc-spa keygen); its output.
    @discardableResult
    func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    func write(_ config: NodeConfig) throws {
        configs[config.nodeID.rawValue] = config
        try config.jsonText().write(toFile: configPath(config.nodeID.rawValue), atomically: true, encoding: .utf8)
    }

    /// Starts the daemon for `node` (damc-sg, damc-sr, damc-scsc, or
    /// damc-spa for a node with no routing config).
    func start(_ node: String, environment: [String: String] = [:]) throws {
        let role = configs[node]?.role ?? .authenticator
        let names: [NodeRole: String] = [.gateway: "damc-sg", .router: "damc-sr", .scheduler: "damc-scsc", .authenticator: "damc-spa"]
        let program = "\(Self.binaries)/\(names[role]!)"
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw SystemError("exec", "\(program) (build the daemons first: swift build, or scripts/test.sh)", code: ENOENT)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["--config", configPath(node), "--exit-with-parent", "--log-level", "debug"]
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "WATCHDOG_USEC")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let log = "\(directory)/\(node).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)!
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = handle
        try process.run()
        processes[node] = process
    }

    func log(_ node: String) -> String {
        (try? String(contentsOfFile: "\(directory)/\(node).log", encoding: .utf8)) ?? ""
    }

    /// Sends `signal`; with `wait`, returns the exit status (or the
    /// terminating signal) once the process is gone.
    @discardableResult
    func signal(_ node: String, _ signal: Int32, wait: Bool = true) -> (status: Int32, reason: Process.TerminationReason)? {
        guard let process = processes[node] else { return nil }
        kill(process.processIdentifier, signal)
        guard wait else { return nil }
        process.waitUntilExit()
        processes.removeValue(forKey: node)
        return (process.terminationStatus, process.terminationReason)
    }

    /// The daemon's reply data, or nil if it is not answering (yet).
    func request(_ node: String, _ args: [String]) -> JSONValue? {
        try? ManagementClient.request(args, socketPath: "\(socketDirectory)/\(node).sock", timeout: .seconds(2))
    }

    /// The daemon's refusal of a request (its message), or nil if it
    /// answered or is not answering.
    func requestError(_ node: String, _ args: [String]) -> String? {
        do {
            _ = try ManagementClient.request(args, socketPath: "\(socketDirectory)/\(node).sock", timeout: .seconds(2))
            return nil
        } catch {
            if case let .refused(text) = error { return text }
            return nil
        }
    }

    /// The FIB as `node prefix hop,hop` lines (the golden-file format).
    func fibLines(_ node: String) -> [String]? {
        guard let entries = request(node, ["show", "fib"])?["entries"]?.arrayValue else { return nil }
        return entries.map { entry in
            let hops = (entry["next_hops"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
            return "\(node) \(entry["prefix"]?.stringValue ?? "?") \(hops)"
        }
    }

    /// Checks `condition` until it holds, for at most `bound` (a bounded
    /// poll: never a fixed sleep). Between checks it waits for activity in
    /// the directory (a daemon logging, a socket appearing), at most 50 ms.
    /// The bound is generous so that a loaded CI machine never fails a
    /// test that would pass; nothing measures how long it took.
    func poll(bound: Duration = .seconds(60), _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + bound
        while ContinuousClock.now < deadline {
            if condition() { return true }
            damc_wait_readable(activity, 50)
        }
        return condition()
    }

    func stopAll() {
        if activity >= 0 { close(activity); activity = -1 }
        for (_, process) in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes.removeAll()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

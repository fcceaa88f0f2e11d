import DAMCRouting
import DAMCRuntime
import DAMCSimulator
import DAMCTopology
import DAMCWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Issue 5's benchmarks: convergence wall time on loopback after a link
/// failure (10-node chain, Figure 2), split into detection, flooding, SPF
/// and FIB from the daemons' monotonic timestamps; resident memory and
/// idle CPU of one daemon. References from the same run: the same failure
/// in the simulator (virtual time, same timers) and an idle daemon with no
/// links.
enum LoopbackBenchmark {
    /// A mesh of daemon processes in a temporary directory.
    final class Mesh {
        let directory: String
        var processes: [String: Process] = [:]
        var configs: [String: NodeConfig] = [:]
        let binaries = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path

        init() {
            var template = Array("/tmp/damc-bench-XXXXXX".utf8CString)
            directory = String(cString: mkdtemp(&template)!)
        }

        func render(_ topology: Topology, block: UInt8) {
            var options = NodeConfig.RenderOptions()
            options.addressBlock = block
            options.socketDirectory = directory + "/run"
            options.timers = .fast
            for node in topology.nodes where node.role == .gateway || node.role == .router {
                configs[node.id.rawValue] = try! NodeConfig.render(topology: topology, node: node.id, options: options)
                write(node.id.rawValue)
            }
        }

        func write(_ node: String) {
            try! configs[node]!.jsonText().write(toFile: "\(directory)/\(node).json", atomically: true, encoding: .utf8)
        }

        func start(_ node: String) {
            let process = Process()
            let program = configs[node]!.role == .gateway ? "damc-sg" : "damc-sr"
            process.executableURL = URL(fileURLWithPath: "\(binaries)/\(program)")
            process.arguments = ["--config", "\(directory)/\(node).json", "--exit-with-parent", "--log-level", "warning"]
            process.standardError = FileHandle.nullDevice
            try! process.run()
            processes[node] = process
        }

        func request(_ node: String, _ args: [String]) -> JSONValue? {
            try? ManagementClient.request(args, socketPath: "\(directory)/run/\(node).sock")
        }

        func fibs() -> [String]? {
            var lines: [String] = []
            for node in processes.keys.sorted() {
                guard let entries = request(node, ["show", "fib"])?["entries"]?.arrayValue else { return nil }
                for entry in entries {
                    let hops = (entry["next_hops"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                    lines.append("\(node) \(entry["prefix"]?.stringValue ?? "") \(hops)")
                }
            }
            return lines.sorted()
        }

        func counter(_ node: String, _ name: String) -> Int64? {
            request(node, ["show", "counters"])?["runtime"]?[name]?.integerValue
        }

        func wait(timeout: Double = 30, _ condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition() { return true }
                usleep(2_000)
            }
            return false
        }

        func stop() {
            for process in processes.values where process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
            processes.removeAll()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func chain(_ count: Int) -> Topology {
        var nodes: [Topology.Node] = []
        for index in 1...count {
            let id = try! NodeID("n\(index)")
            if index == 1 || index == count {
                let name = index == 1 ? "/left" : "/right"
                nodes.append(Topology.Node(id: id, role: .gateway,
                                           services: [Topology.Service(prefix: try! ServiceName(name), pod: try! PodID("p\(index)"))]))
            } else {
                nodes.append(Topology.Node(id: id, role: .router))
            }
        }
        let links = (1..<count).map { Topology.Link(a: try! NodeID("n\($0)"), b: try! NodeID("n\($0 + 1)")) }
        return Topology(name: "chain\(count)", nodes: nodes, links: links)
    }

    /// FIB lines of the mesh's nodes in the simulator, and the virtual time
    /// from a one-sided link failure (end `a` takes it down, end `b` must
    /// notice from silence, as on loopback) to FIBs equal to the daemons'
    /// expected final state.
    static func simulate(_ topology: Topology, failing linkIndex: Int) -> (before: [String], after: [String], virtual: Duration) {
        let sim = Simulator(topology: topology, seed: 1) { config in
            config.helloInterval = .milliseconds(100)
            config.deadInterval = .milliseconds(300)
            config.retransmitInterval = .milliseconds(200)
            config.spfThrottle.initialDelay = .milliseconds(10)
            config.spfThrottle.shortDelay = .milliseconds(50)
            config.spfThrottle.longDelay = .milliseconds(200)
        }
        sim.start()
        for (index, node) in sim.nodes.enumerated() where node.config.role != .gateway && node.config.role != .router {
            sim.crash(index)
        }
        sim.run(for: .seconds(30))
        func lines() -> [String] {
            var result: [String] = []
            for node in sim.nodes where node.alive {
                for (prefix, hops) in node.engine.fib.entries {
                    result.append("\(node.config.nodeID) \(prefix) \(hops.map(\.description).joined(separator: ","))")
                }
            }
            return result.sorted()
        }
        let before = lines()
        let link = sim.links[linkIndex]
        sim.setBlackhole(linkIndex, true)
        sim.deliver(.linkDown(link.linkA), to: link.a)
        let start = sim.now
        var after = lines()
        var settled = start
        for _ in 0..<5000 {
            sim.run(for: .milliseconds(1))
            let current = lines()
            if current != after { after = current; settled = sim.now }
        }
        return (before, after, settled - start)
    }

    static func milliseconds(_ nanoseconds: Int64?) -> String {
        guard let nanoseconds else { return "-" }
        return String(format: "%.1f", Double(nanoseconds) / 1e6)
    }

    /// Converges `topology` on loopback, waits for the SPF back-off to be
    /// quiet, takes link `linkIndex` down at its `a` end (a reload without
    /// it), and times everything until every FIB is the expected one.
    static func failure(_ topology: Topology, linkIndex: Int, block: UInt8) {
        let reference = simulate(topology, failing: linkIndex)
        let mesh = Mesh()
        defer { mesh.stop() }
        mesh.render(topology, block: block)
        for node in mesh.configs.keys.sorted() { mesh.start(node) }
        guard mesh.wait({ mesh.fibs() == reference.before }) else {
            print("\(topology.name): did not converge; FIBs \(mesh.fibs() ?? [])")
            return
        }
        // RFC 8405 HOLDDOWN (10 s of quiet) brings SPF back to its initial wait.
        usleep(11_000_000)
        let link = topology.links[linkIndex]
        let a = link.a.rawValue, b = link.b.rawValue
        var config = mesh.configs[a]!
        let removed = config.links.first { $0.name == b }!
        config.links.removeAll { $0.id == removed.id }
        mesh.configs[a] = config
        mesh.write(a)
        let failedAt = MonotonicClock.now()
        kill(mesh.processes[a]!.processIdentifier, SIGHUP)
        let converged = mesh.wait { mesh.fibs() == reference.after }
        let observed = MonotonicClock.now()
        var lastInstall: Int64 = 0, lastSPF: Int64 = 0, lastFIB: Int64 = 0
        for node in mesh.processes.keys {
            lastInstall = max(lastInstall, mesh.counter(node, "last_lsa_installed_ns") ?? 0)
            lastSPF = max(lastSPF, mesh.counter(node, "last_spf_run_ns") ?? 0)
            lastFIB = max(lastFIB, mesh.counter(node, "last_fib_change_ns") ?? 0)
        }
        // The far end notices from silence (dead interval); the network may
        // have converged before that (the near end's LSA fails the two-way check).
        _ = mesh.wait(timeout: 3) { (mesh.counter(b, "last_adjacency_change_ns") ?? 0) > failedAt }
        let detected = mesh.counter(b, "last_adjacency_change_ns").map { $0 - failedAt }
        print("\(topology.name) (\(mesh.processes.count) daemons, 100/300 ms timers), link \(a)-\(b) fails at \(a), \(b) detects it:")
        print("  all FIBs as expected: \(converged); polled at \(milliseconds(observed - failedAt)) ms")
        print("  from the failure: detection at \(b) \(milliseconds(detected)) ms, last LSA installed \(milliseconds(lastInstall - failedAt)) ms,"
              + " last SPF \(milliseconds(lastSPF - failedAt)) ms, last FIB change \(milliseconds(lastFIB - failedAt)) ms")
        print("  reference: the same failure in the simulator (virtual time, same timers): \(milliseconds(reference.virtual.nanoseconds)) ms")
    }

    /// A field of /proc/PID/smaps_rollup in KiB (Rss, Pss, Anonymous).
    static func memoryKiB(_ pid: Int32, _ field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? 0
    }

    static func cpuTicks(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)   // utime, stime
    }

    /// Resident memory and idle CPU of the Figure 2 daemons, beside an idle
    /// damc-sr with no links.
    static func resources(_ topology: Topology, block: UInt8) {
        let mesh = Mesh()
        defer { mesh.stop() }
        mesh.render(topology, block: block)
        var idle = NodeConfig(nodeID: try! NodeID("idle"), role: .router)
        idle.managementSocket = mesh.directory + "/run/idle.sock"
        mesh.configs["idle"] = idle
        mesh.write("idle")
        for node in mesh.configs.keys.sorted() { mesh.start(node) }
        _ = mesh.wait { mesh.processes.keys.allSatisfy { mesh.request($0, ["show", "version"]) != nil } }
        usleep(3_000_000)
        let ticks = sysconf(Int32(_SC_CLK_TCK))
        let window = 10.0
        let start = mesh.processes.mapValues { cpuTicks($0.processIdentifier) }
        usleep(UInt32(window * 1e6))
        print("resident memory and idle CPU over \(Int(window)) s (100 ms hellos), per daemon:")
        for node in mesh.processes.keys.sorted() {
            let pid = mesh.processes[node]!.processIdentifier
            let cpu = Double(cpuTicks(pid) - start[node]!) / Double(ticks) / window * 100
            let label = node == "idle" ? "idle (reference: damc-sr with no links)" : node
            let rss = memoryKiB(pid, "Rss"), anonymous = memoryKiB(pid, "Anonymous")
            print("  \(label): resident \(String(format: "%.1f", Double(rss) / 1024)) MiB (of which \(String(format: "%.1f", Double(anonymous) / 1024)) MiB"
                  + " private heap and stacks; the rest is shared library pages), CPU \(String(format: "%.2f", cpu))%")
        }
    }

    static func run(topologyPath: String) {
        failure(chain(10), linkIndex: 4, block: 51)
        let figure2 = try! Topology.load(path: topologyPath)
        let sr1sr2 = figure2.links.firstIndex { $0.a.rawValue == "sr1" && $0.b.rawValue == "sr2" }!
        failure(figure2, linkIndex: sr1sr2, block: 52)
        resources(figure2, block: 53)
    }
}

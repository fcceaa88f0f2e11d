import CLinuxEvents
import DAMCTopology
import DAMCWire
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// What every routing daemon's `main` does (DESIGN.md §2: executables are
/// thin): load and validate the config, refuse a config of another role,
/// answer `--check-config`, set up logging to stderr (journald collects it
/// under systemd), and run.
public enum DaemonMain {
    /// Runs a routing daemon; returns the process exit status.
    /// With `exitWithParent`, the kernel sends SIGTERM when the parent
    /// process exits (tests, labs).
    public static func run(program: String, role: NodeRole, configPath: String, checkOnly: Bool,
                           logLevel: Logger.Level, exitWithParent: Bool = false) -> Int32 {
        if exitWithParent { _ = damc_exit_with_parent(SIGTERM) }
        let config: NodeConfig
        do {
            config = try NodeConfig.load(path: configPath)
        } catch {
            printError("\(program): \(error)")
            return 2
        }
        guard config.role == role else {
            printError("\(program): \(configPath): role: '\(config.role)' is not this daemon's role '\(role)'")
            return 2
        }
        let security: SecurityMaterial
        do {
            security = try SecurityMaterial.load(config, file: configPath)
        } catch {
            printError("\(program): \(error)")
            return 2
        }
        if checkOnly {
            print("\(program): \(configPath): ok (node \(config.nodeID), \(config.links.count) links)")
            return 0
        }
        bootstrapLogging(logLevel)
        raiseDescriptorLimit()
        var logger = Logger(label: "\(program)[\(config.nodeID)]")
        logger.logLevel = logLevel
        do {
            let daemon = try RoutingDaemon(program: program, configPath: configPath, config: config, security: security,
                                           logger: logger)
            try daemon.run()
            return 0
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            return 1
        }
    }

    /// Every call holds two sockets and up to two pipes at each hop: the
    /// soft limit on descriptors (often 1024) goes up to the hard limit.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = min(limit.rlim_max, 1 << 20)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// swift-log to stderr at `level` (journald collects it under systemd).
    static func bootstrapLogging(_ level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    static func printError(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

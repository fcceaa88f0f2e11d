import ArgumentParser
import DAMCWire
import Logging

/// The command line every routing daemon shares (DESIGN.md §3):
/// `--config FILE`, `--check-config`, `--log-level`, `--exit-with-parent`.
/// A daemon's main is its name, its role and this.
public struct DaemonOptions: ParsableArguments {
    @Option(help: "The node's config file (docs/config.md).")
    public var config: String

    @Flag(name: .customLong("check-config"),
          help: "Validate the config and exit: 0 if valid, else 2 with the file, key path and reason.")
    public var checkConfig = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    public var logLevel: Logger.Level = .info

    @Flag(name: .customLong("exit-with-parent"), help: "Receive SIGTERM when the parent process exits (tests, labs).")
    public var exitWithParent = false

    public init() {}

    /// Runs the daemon `program` of `role`; exits non-zero on failure.
    public func run(program: String, role: NodeRole) throws {
        let status = DaemonMain.run(program: program, role: role, configPath: config, checkOnly: checkConfig,
                                    logLevel: logLevel, exitWithParent: exitWithParent)
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

import ArgumentParser
import DAMCRuntime
import DAMCWire
import Logging

/// The Service Router daemon: floods service-prefix LSAs, runs SPF and keeps
/// the name FIB (draft-li-icnrg-damc §6-7).
@main
struct DamcSR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-sr",
        abstract: "DAMC Service Router: adjacencies, flooding, SPF and the name FIB on UDP links.",
        version: DAMCVersion.string)

    @Option(help: "The node's config file (docs/config.md).")
    var config: String

    @Flag(name: .customLong("check-config"), help: "Validate the config and exit: 0 if valid, else the file, key path and reason.")
    var checkConfig = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Flag(name: .customLong("exit-with-parent"), help: "Receive SIGTERM when the parent process exits (tests, labs).")
    var exitWithParent = false

    func run() throws {
        let status = DaemonMain.run(program: "damc-sr", role: .router, configPath: config, checkOnly: checkConfig, logLevel: logLevel,
                                        exitWithParent: exitWithParent)
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

import ArgumentParser
import DAMCRuntime
import DAMCWire
import Logging

/// The Service Gateway daemon (control plane): advertises its pods' service prefixes,
/// floods, runs SPF and keeps the name FIB (draft-li-icnrg-damc §5-7).
@main
struct DamcSG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-sg",
        abstract: "DAMC Service Gateway: advertises service prefixes; adjacencies, flooding, SPF and the name FIB.",
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
        let status = DaemonMain.run(program: "damc-sg", role: .gateway, configPath: config, checkOnly: checkConfig, logLevel: logLevel,
                                        exitWithParent: exitWithParent)
        if status != 0 { throw ExitCode(status) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

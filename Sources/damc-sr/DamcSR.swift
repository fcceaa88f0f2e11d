import ArgumentParser
import DAMCRuntime
import DAMCWire

/// The Service Router daemon: floods service-prefix LSAs, runs SPF and keeps
/// the name FIB (draft-li-icnrg-damc §6-7; docs/daemons.md).
@main
struct DamcSR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-sr",
        abstract: "DAMC Service Router: adjacencies, flooding, SPF and the name FIB on UDP links.",
        version: DAMCVersion.string)

    @OptionGroup var options: DaemonOptions

    func run() throws { try options.run(program: "damc-sr", role: .router) }
}

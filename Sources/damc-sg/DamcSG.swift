import ArgumentParser
import DAMCRuntime
import DAMCWire

/// The Service Gateway daemon (control plane): advertises its pods' service
/// prefixes, floods, runs SPF and keeps the name FIB (draft-li-icnrg-damc
/// §5-7; docs/daemons.md). It is never transit.
@main
struct DamcSG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-sg",
        abstract: "DAMC Service Gateway: advertises service prefixes; adjacencies, flooding, SPF and the name FIB.",
        version: DAMCVersion.string)

    @OptionGroup var options: DaemonOptions

    func run() throws { try options.run(program: "damc-sg", role: .gateway) }
}

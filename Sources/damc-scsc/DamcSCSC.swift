import ArgumentParser
import DAMCRuntime
import DAMCWire

/// The Service Mesh Communication Scheduling Center: peers with routers as
/// a listen-only node (it learns the LSDB, originates nothing that draws
/// traffic, is never transit) and takes telemetry from gateways and
/// routers over TLS (draft-li-icnrg-damc §6; docs/scheduling.md).
@main
struct DamcSCSC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-scsc",
        abstract: "DAMC scheduling centre: listen-only routing, telemetry from gateways and routers (class 4).",
        version: DAMCVersion.string)

    @OptionGroup var options: DaemonOptions

    func run() throws { try options.run(program: "damc-scsc", role: .scheduler) }
}

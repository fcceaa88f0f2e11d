import ArgumentParser
import DAMCWire

/// `damcctl`: the operator's tool for DAMC daemons (DESIGN.md §3).
///
/// Management commands (`show ...`) arrive with the daemons (issue 5).
/// Today it decodes DAMC packets, which is what an operator needs to read
/// a capture or a golden vector.
@main
struct DamcCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damcctl",
        abstract: "Inspect and operate DAMC nodes.",
        version: DAMCVersion.string,
        subcommands: [Decode.self, Name.self]
    )
}

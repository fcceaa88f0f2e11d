import ArgumentParser
import DAMCWire

/// `damcctl`: the operator's tool for DAMC daemons (DESIGN.md §3).
///
/// Talks to a daemon over its management socket (`show ...`, `lookup`),
/// renders daemon configs from a topology file, and decodes DAMC packets
/// and names. Target options may come first, as operators of FRR's vtysh
/// or birdc type them: `damcctl -n sr1 show fib` is `damcctl show fib -n sr1`.
@main
struct DamcCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damcctl",
        abstract: "Inspect and operate DAMC nodes.",
        version: DAMCVersion.string,
        subcommands: [Show.self, Lookup.self, Trace.self, Register.self, Withdraw.self, RevokeCommand.self, PolicyCommand.self, ConfigCommand.self, Decode.self, Name.self]
    )
}

extension DamcCtl {
    static func main() {
        main(moveTargetOptions(Array(CommandLine.arguments.dropFirst())))
    }

    /// Moves leading `-s X`, `-n X`, `--socket-dir X` and `--json` after
    /// the subcommand, where the argument parser expects them.
    static func moveTargetOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if ["-s", "-n", "--socket-dir"].contains(argument), index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else if argument == "--json" {
                leading.append(argument)
                index += 1
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        var rest = Array(arguments[index...])
        // After the subcommand name ("show", "lookup"): `show -n X fib` parses.
        rest.insert(contentsOf: leading, at: 1)
        return rest
    }
}

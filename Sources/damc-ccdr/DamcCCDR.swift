import ArgumentParser
import DAMCPath

@main
struct DamcCCDR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-ccdr",
        abstract: "RFC 8735 experiments: CCDR against the OSPF baseline.")

    func run() throws {
        print("damc-ccdr")
    }
}

import ArgumentParser
import DAMCRuntime
import DAMCWire

/// The Service Prefix Authentication server: checks each gateway's request
/// against its policy and answers with an Ed25519-signed grant or a typed
/// denial, over TLS 1.3 with client certificates (draft-li-icnrg-damc §6.2;
/// docs/spa.md).
@main
struct DamcSPA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damc-spa",
        abstract: "DAMC Service Prefix Authentication server.",
        version: DAMCVersion.string,
        subcommands: [Serve.self, Keygen.self],
        defaultSubcommand: Serve.self)

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the server (the default).")
        @OptionGroup var options: DaemonOptions
        func run() throws {
            let status = SPAMain.run(options)
            if status != 0 { throw ExitCode(status) }
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new Ed25519 grant-signing key to FILE and its public key to FILE.pub.")
        @Option(help: "Where to write the private key (mode 0600).")
        var out: String
        func run() throws {
            let status = SPAMain.keygen(path: out)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

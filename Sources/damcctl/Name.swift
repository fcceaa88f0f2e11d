import ArgumentParser
import DAMCWire

/// `damcctl name`: parses service names and shows their canonical form,
/// components and wire encoding, or the component and reason they fail.
struct Name: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check service names and show their canonical and wire forms.",
        discussion: "Exits 0 when every name is valid, 1 otherwise."
    )

    @Argument(help: "Service names such as /shop/cart.")
    var names: [String]

    func run() throws {
        var failed = false
        for text in names {
            do {
                let name = try ServiceName(text)
                var writer = TLVWriter()
                name.encode(into: &writer)
                let hex = writer.bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
                print("\(text)\tcanonical \(name)\tcomponents \(name.count)\twire \(hex)")
            } catch {
                print("\(text)\terror: \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}

import ArgumentParser
import DAMCWire

/// `damcctl decode`: prints the typed content of a DAMC message given in
/// hexadecimal, or the typed error that explains why it is not one.
struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode a DAMC message from hexadecimal.",
        discussion: """
            Reads hex from the argument, or from standard input when the
            argument is '-'. Whitespace and '#' comments are ignored, so the
            golden vectors in Tests/DAMCWireTests/Fixtures can be fed as they are.
            Exits 0 when the bytes are a valid message, 1 otherwise.
            """
    )

    @Argument(help: "Hexadecimal bytes, or '-' for standard input.")
    var hex: String

    func run() throws {
        var text = hex
        if hex == "-" {
            var lines: [String] = []
            while let line = readLine() { lines.append(line) }
            text = lines.joined(separator: "\n")
        }
        guard let bytes = Hex.decode(text) else {
            throw ValidationError("not hexadecimal: an odd number of digits or a non-hex character")
        }
        do {
            let message = try DAMCMessage.decode(bytes)
            print("\(message.messageType) (class \(message.messageType.signallingClass), \(bytes.count) bytes)")
            print(MessagePrinter.render(message.payload))
        } catch {
            print("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Hexadecimal text with optional whitespace and `#` comments.
enum Hex {
    static func decode(_ text: String) -> [UInt8]? {
        var digits: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for byte in content.utf8 where byte != 0x20 && byte != 0x09 && byte != 0x0D {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(byte - 48)
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(byte - 87)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(byte - 55)
                default: return nil
                }
            }
        }
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }
}

import DAMCWire
import Foundation
import Testing

/// Golden byte vectors (Fixtures/*.hex) pin the format: if an encoder
/// change moves one byte, these fail. Regenerate only for a deliberate,
/// documented format change: `DAMC_WRITE_FIXTURES=1 swift test --filter Golden`.
@Suite("Golden vectors")
struct GoldenVectorTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ name: String) -> URL { fixtures.appendingPathComponent("\(name).hex") }

    static func load(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: path(name), encoding: .utf8)
        return try #require(Hex.decode(text), "\(name).hex is not hexadecimal")
    }

    @Test("every message type has a vector")
    func coverage() {
        let covered = Set(Samples.all.map { $0.1.messageType })
        #expect(covered == Set(MessageType.allCases))
    }

    @Test("vector decodes to the sample and the sample encodes to the vector",
          arguments: Samples.all.map { $0.0 })
    func vector(name: String) throws {
        let message = try #require(Samples.all.first { $0.0 == name }?.1)
        let encoded = message.encode()
        if ProcessInfo.processInfo.environment["DAMC_WRITE_FIXTURES"] == "1" {
            try Hex.fixture(encoded, title: "\(name), class \(message.messageType.signallingClass) (docs/wire.md §5)")
                .write(to: Self.path(name), atomically: true, encoding: .utf8)
        }
        let vector = try Self.load(name)
        #expect(Hex.encode(encoded) == Hex.encode(vector))
        #expect(try DAMCMessage.decode(vector) == message)
    }
}

/// Hex helpers for fixtures: whitespace and `#` comments are ignored.
enum Hex {
    static func decode(_ text: String) -> [UInt8]? {
        var digits: [UInt8] = []
        for line in text.split(separator: "\n") {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for byte in content.utf8 where byte != 0x20 && byte != 0x09 {
                switch byte {
                case 0x30...0x39: digits.append(byte - 0x30)
                case 0x61...0x66: digits.append(byte - 0x57)
                case 0x41...0x46: digits.append(byte - 0x37)
                default: return nil
                }
            }
        }
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    static func encode(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    static func fixture(_ bytes: [UInt8], title: String) -> String {
        var lines = ["# DAMC golden vector: \(title)", "# \(bytes.count) bytes"]
        for start in stride(from: 0, to: bytes.count, by: 16) {
            lines.append(bytes[start..<min(start + 16, bytes.count)].map { String(format: "%02x", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

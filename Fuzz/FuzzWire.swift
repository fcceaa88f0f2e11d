// libFuzzer target for the DAMC top-level decoder (docs/wire.md §7).
//
// Compiled together with Sources/DAMCWire into one module by Fuzz/run.sh.
// Oracles: the decoder must not trap (any trap or sanitizer report is a
// crash), and any input it accepts must be canonical: encoding the decoded
// value must reproduce the input byte for byte. The stream framer must
// agree with the decoder on the message length.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let framed = try? DAMCMessage.frameLength(of: bytes)
    do {
        let message = try DAMCMessage.decode(bytes)
        let again = message.encode()
        if again != bytes {
            fatalError("accepted a non-canonical encoding: \(bytes) re-encodes as \(again)")
        }
        if framed != bytes.count {
            fatalError("frame length \(String(describing: framed)) disagrees with a \(bytes.count)-byte message")
        }
    } catch {
        // A typed error is the expected outcome for most inputs.
        _ = error.description
    }
    return 0
}

/// The `DAMC-Hop-Limit` request header field (docs/forwarding.md §loops):
/// the egress gateway writes the hops a call has left into the request it
/// hands to an instance, and an ingress that receives a request carrying
/// it starts from that value instead of its configured limit. A call that
/// leaves DAMC and comes back in (an instance that calls the same name
/// again, or a backend misconfigured to point at a gateway) therefore
/// still runs out of hops, like HTTP's Max-Forwards, instead of looping
/// for ever through fresh calls.
public enum HopLimitField {
    public static let name = "DAMC-Hop-Limit"

    /// The value a request carries, if it carries a valid one.
    public static func value(in head: HTTPHead) -> UInt8? {
        head.value(of: name).flatMap { UInt8($0) }
    }

    /// The head bytes with the field set to `remaining` (any copy of it
    /// the client sent removed), the rest unchanged. One pass, one array
    /// (it runs on every call an egress delivers).
    public static func apply(to head: ArraySlice<UInt8>, remaining: UInt8) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(head.count + 24)
        head.withUnsafeBufferPointer { bytes in
            let end = bytes.count - 2   // before the blank line's CRLF
            var start = 0
            var index = 0
            while index < end {
                guard bytes[index] == 0x0D && bytes[index + 1] == 0x0A else {
                    index += 1
                    continue
                }
                let line = UnsafeBufferPointer(rebasing: bytes[start..<(index + 2)])
                if !isField(line) { out.append(contentsOf: line) }
                index += 2
                start = index
            }
        }
        out.append(contentsOf: "\(name): \(remaining)\r\n\r\n".utf8)
        return out
    }

    /// Whether a line is this field (`damc-hop-limit:` in any case).
    static func isField(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        line.count >= 15 && HTTPHeadParser.equalsLowered(UnsafeBufferPointer(rebasing: line[0..<15]), "damc-hop-limit:")
    }
}

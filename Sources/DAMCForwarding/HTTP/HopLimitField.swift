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
    /// the client sent removed), the rest unchanged.
    public static func apply(to head: ArraySlice<UInt8>, remaining: UInt8) -> [UInt8] {
        let lowered = Array(name.lowercased().utf8) + [UInt8(ascii: ":")]
        var lines: [ArraySlice<UInt8>] = []
        var start = head.startIndex
        var index = head.startIndex
        let end = head.endIndex - 2   // before the blank line's CRLF
        while index + 1 < end + 1 {
            if head[index] == 0x0D && head[index + 1] == 0x0A {
                lines.append(head[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(head.count + 24)
        for line in lines {
            let prefix = line.prefix(lowered.count).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            if prefix == lowered { continue }
            out += line
            out += [0x0D, 0x0A]
        }
        out += Array("\(name): \(remaining)\r\n\r\n".utf8)
        return out
    }
}

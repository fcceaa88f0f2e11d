/// An element that this codec does not know and whose type is
/// non-critical (even). It is skipped for processing but kept verbatim,
/// so a node that floods or relays the message passes on fields that a
/// newer node added (docs/wire.md §2.3). On encoding, kept elements are
/// written after the known ones, where the rules require them to be.
public struct RawElement: Hashable, Sendable {
    /// The TLV-TYPE; always even (non-critical) for a decoded element.
    public var type: UInt64
    /// The TLV-VALUE, unchanged.
    public var value: [UInt8]

    public init(type: UInt64, value: [UInt8]) {
        self.type = type
        self.value = value
    }
}

/// One service prefix in a service-prefix LSA: the prefix, its metric and
/// the SPA grant that authorises the origin to advertise it
/// (draft-li-icnrg-damc §5 step 3, §7.1 steps 2-3). docs/wire.md §5.4.
public struct PrefixEntry: WireElement {
    static let schema: [FieldSpec] = [.required(.name), .required(.metric), .optional(.grant)]

    public var prefix: ServiceName
    /// Added to the path cost; lets a gateway prefer or de-prefer itself
    /// among the gateways that serve the same (anycast) prefix.
    public var metric: UInt32
    /// The SPA's signed grant. Routers that enforce authorisation refuse an
    /// entry without a valid one (issue 6); the codec only carries it.
    public var grant: Grant?
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(prefix: ServiceName, metric: UInt32 = 0, grant: Grant? = nil, extensions: [RawElement] = []) {
        self.prefix = prefix
        self.metric = metric
        self.grant = grant
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "PrefixEntry")
        prefix = try fields.element(.name)
        metric = UInt32(try fields.integer(.metric, max: UInt64(UInt32.max)))
        grant = try fields.optionalElement(.grant)
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .prefixEntry) {
        writer.nested(type) { writer in
            writer.write(.name, element: prefix)
            writer.write(.metric, integer: UInt64(metric))
            if let grant { writer.write(.grant, element: grant) }
            writer.write(extensions)
        }
    }
}

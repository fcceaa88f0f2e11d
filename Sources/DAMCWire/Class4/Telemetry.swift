/// How one service instance is doing, as the gateway's probes see it
/// (draft-li-icnrg-damc §6 item 3 "service measurement").
public struct InstanceReport: WireElement {
    static let schema: [FieldSpec] = [
        .required(.name), .optional(.podID), .required(.endpoint),
        .optional(.rtt), .required(.loss), .required(.available),
    ]

    public var prefix: ServiceName
    public var pod: PodID?
    public var endpoint: Endpoint
    /// Smoothed round-trip time of probes in microseconds; absent when no
    /// probe has succeeded.
    public var rttMicros: UInt32?
    /// Probe loss in parts per million (0...1,000,000).
    public var lossPPM: UInt32
    /// Whether the instance is in service (not ejected).
    public var available: Bool
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(prefix: ServiceName, pod: PodID? = nil, endpoint: Endpoint, rttMicros: UInt32?,
                lossPPM: UInt32, available: Bool, extensions: [RawElement] = []) {
        self.prefix = prefix
        self.pod = pod
        self.endpoint = endpoint
        self.rttMicros = rttMicros
        self.lossPPM = lossPPM
        self.available = available
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "InstanceReport")
        prefix = try fields.element(.name)
        pod = try fields.optionalIdentifier(.podID)
        endpoint = try fields.element(.endpoint)
        rttMicros = try fields.optionalInteger(.rtt, max: UInt64(UInt32.max)).map { UInt32($0) }
        lossPPM = UInt32(try fields.integer(.loss, max: 1_000_000))
        available = try fields.integer(.available, max: 1) == 1
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .instanceReport) {
        writer.nested(type) { writer in
            writer.write(.name, element: prefix)
            if let pod { writer.write(.podID, identifier: pod) }
            writer.write(.endpoint, element: endpoint)
            if let rttMicros { writer.write(.rtt, integer: UInt64(rttMicros)) }
            writer.write(.loss, integer: UInt64(lossPPM))
            writer.write(.available, integer: available ? 1 : 0)
            writer.write(extensions)
        }
    }
}

/// How loaded one link is, from the forwarding plane's counters.
public struct LinkReport: WireElement {
    static let schema: [FieldSpec] = [
        .required(.nodeID), .optional(.linkID), .required(.load), .required(.capacity),
    ]

    /// The node at the far end of the link.
    public var neighbor: NodeID
    public var linkID: UInt32?
    /// Offered load in kbit/s, averaged over the report interval.
    public var loadKbps: UInt64
    public var capacityKbps: UInt64
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(neighbor: NodeID, linkID: UInt32? = nil, loadKbps: UInt64, capacityKbps: UInt64,
                extensions: [RawElement] = []) {
        self.neighbor = neighbor
        self.linkID = linkID
        self.loadKbps = loadKbps
        self.capacityKbps = capacityKbps
        self.extensions = extensions
    }

    public init(decoding bytes: [UInt8], _ range: Range<Int>) throws(WireError) {
        let fields = try TLVFields(bytes, range, schema: Self.schema, context: "LinkReport")
        neighbor = try fields.identifier(.nodeID)
        linkID = try fields.optionalInteger(.linkID, max: UInt64(UInt32.max)).map { UInt32($0) }
        loadKbps = try fields.integer(.load)
        capacityKbps = try fields.integer(.capacity)
        extensions = fields.unknown
    }

    public func encode(into writer: inout TLVWriter, as type: ElementType = .linkReport) {
        writer.nested(type) { writer in
            writer.write(.nodeID, identifier: neighbor)
            if let linkID { writer.write(.linkID, integer: UInt64(linkID)) }
            writer.write(.load, integer: loadKbps)
            writer.write(.capacity, integer: capacityKbps)
            writer.write(extensions)
        }
    }
}

/// Class 4, SG/SR to SCSC: QoS telemetry (draft-li-icnrg-damc §6 item 3,
/// Figure 3 class 4): per-instance probe results and per-link load.
/// docs/wire.md §5.7.
public struct Telemetry: WireMessage {
    public static let messageType = MessageType.telemetry
    public static let context: StaticString = "Telemetry"
    public static let schema: [FieldSpec] = [
        .required(.nodeID), .required(.timestamp),
        .repeated(.instanceReport, max: Limits.maxInstanceReports),
        .repeated(.linkReport, max: Limits.maxLinkReports),
    ]

    public var reporter: NodeID
    /// When the report was taken, Unix milliseconds.
    public var timestampMs: UInt64
    public var instances: [InstanceReport]
    public var links: [LinkReport]
    /// Unknown non-critical elements, kept verbatim.
    public var extensions: [RawElement]

    public init(reporter: NodeID, timestampMs: UInt64, instances: [InstanceReport] = [],
                links: [LinkReport] = [], extensions: [RawElement] = []) {
        self.reporter = reporter
        self.timestampMs = timestampMs
        self.instances = instances
        self.links = links
        self.extensions = extensions
    }

    public init(fields: borrowing TLVFields) throws(WireError) {
        reporter = try fields.identifier(.nodeID)
        timestampMs = try fields.integer(.timestamp)
        instances = try fields.elements(.instanceReport)
        links = try fields.elements(.linkReport)
        extensions = fields.unknown
    }

    public func encodeFields(into writer: inout TLVWriter) {
        writer.write(.nodeID, identifier: reporter)
        writer.write(.timestamp, integer: timestampMs)
        for instance in instances { writer.write(.instanceReport, element: instance) }
        for link in links { writer.write(.linkReport, element: link) }
        writer.write(extensions)
    }
}

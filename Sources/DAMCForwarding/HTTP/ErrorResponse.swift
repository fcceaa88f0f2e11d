import DAMCTopology
import DAMCWire

/// The HTTP response the ingress gateway writes when DAMC cannot carry a
/// call (DESIGN.md §2a: errors name the name, the hop and the reason; an
/// opaque 503 is a defect). The status follows what operators know from
/// Envoy's response flags; the `X-DAMC-Error` and `X-DAMC-Hop` fields and
/// the JSON body say exactly what happened. docs/forwarding.md §errors.
public struct ErrorResponse: Sendable, Equatable {
    public var status: Int
    /// A short code: `no-route`, `hop-limit-exceeded`, `bad-request`, ...
    public var code: String
    /// The name the call was addressed to, when it was read.
    public var name: String?
    /// The node where the call stopped.
    public var hop: String
    /// Why, in words.
    public var reason: String
    /// Whether the client connection stays open afterwards.
    public var keepAlive: Bool

    public init(status: Int, code: String, name: String?, hop: String, reason: String, keepAlive: Bool) {
        self.status = status
        self.code = code
        self.name = name
        self.hop = hop
        self.reason = reason
        self.keepAlive = keepAlive
    }

    /// For a hop's refusal carried back in a `ForwardReply`.
    public init(reply reason: ReasonCode, text: String?, hop: NodeID, name: ServiceName, keepAlive: Bool) {
        self.init(status: Self.status(for: reason), code: reason.description, name: name.description,
                  hop: hop.rawValue, reason: text ?? reason.description, keepAlive: keepAlive)
    }

    /// For a request the ingress could not read.
    public init(_ error: HTTPError, hop: NodeID) {
        self.init(status: error.status, code: "bad-request", name: nil, hop: hop.rawValue,
                  reason: error.description, keepAlive: false)
    }

    /// The status code for a forwarding reason.
    public static func status(for reason: ReasonCode) -> Int {
        switch reason {
        case .noRoute: return 404
        case .hopLimitExceeded: return 508
        case .nextHopDown, .malformed: return 502
        case .noHealthyInstance, .overloaded: return 503
        case .timeout: return 504
        default: return 502
        }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 408: return "Request Timeout"
        case 431: return "Request Header Fields Too Large"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        case 508: return "Loop Detected"
        default: return "Error"
        }
    }

    /// The JSON body: `{"error": …, "hop": …, "name": …, "reason": …}`.
    public var body: String {
        var members: [String: JSONValue] = ["error": .string(code), "hop": .string(hop), "reason": .string(reason)]
        if let name { members["name"] = .string(name) }
        return JSONValue.object(members).text() + "\n"
    }

    /// The whole response, head and body.
    public var bytes: [UInt8] {
        let body = Array(self.body.utf8)
        var head = "HTTP/1.1 \(status) \(Self.reasonPhrase(status))\r\n"
        head += "Content-Type: application/json\r\n"
        head += "Content-Length: \(body.count)\r\n"
        head += "X-DAMC-Error: \(code)\r\n"
        head += "X-DAMC-Hop: \(hop)\r\n"
        if !keepAlive { head += "Connection: close\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }
}

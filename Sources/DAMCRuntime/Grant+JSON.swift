import DAMCTopology
import DAMCWire

extension Grant {
    /// A grant as `show grants` prints it, on gateways and on the SPA alike
    /// (docs/schemas/management.json).
    var managementJSON: JSONValue {
        .object(["serial": .int(serial), "prefix": .string(prefix.description), "gateway": .string(gateway.rawValue),
                 "pod": .string(pod.rawValue), "not_before": .int(notBefore), "not_after": .int(notAfter),
                 "key_id": .string(keyID.rawValue)])
    }
}

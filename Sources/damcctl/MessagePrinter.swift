import DAMCWire

/// Prints a decoded message as an indented outline: one field per line,
/// names and identifiers in their text form, bytes in hex, absent
/// optional fields and empty extension lists left out.
enum MessagePrinter {
    static func render(_ value: Any) -> String {
        var lines: [String] = []
        renderChildren(of: value, indent: "  ", into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func leaf(_ value: Any) -> String? {
        switch value {
        case let bytes as [UInt8]:
            return bytes.isEmpty ? "(empty)" : bytes.map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined() + " (\(bytes.count) bytes)"
        case let name as ServiceName: return name.description
        case let id as NodeID: return id.description
        case let id as PodID: return id.description
        case let id as KeyID: return id.description
        case let endpoint as Endpoint where endpoint.extensions.isEmpty: return endpoint.description
        case let address as IPAddress: return address.description
        case let code as ReasonCode: return "\(code) (\(code.rawValue))"
        case let role as NodeRole: return role.description
        case let type as LSAType: return type.description
        case let key as LSAKey: return key.description
        case let flags as HelloFlags: return "0x" + String(flags.rawValue, radix: 16)
        case let flags as NodeFlags: return "0x" + String(flags.rawValue, radix: 16)
        case let flags as SummaryFlags: return "0x" + String(flags.rawValue, radix: 16)
        case is String, is Bool, is any BinaryInteger: return "\(value)"
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .enum && mirror.children.isEmpty { return "\(value)" }
            return nil
        }
    }

    private static func renderChildren(of value: Any, indent: String, into lines: inout [String]) {
        for child in Mirror(reflecting: value).children {
            render(label: child.label ?? "-", value: child.value, indent: indent, into: &lines)
        }
    }

    private static func render(label: String, value: Any, indent: String, into lines: inout [String]) {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            if let wrapped = mirror.children.first { render(label: label, value: wrapped.value, indent: indent, into: &lines) }
            return
        }
        if let raw = value as? [RawElement] {
            for element in raw {
                lines.append("\(indent)extension type \(element.type): \(leaf(element.value) ?? "")")
            }
            return
        }
        if let text = leaf(value) {
            lines.append("\(indent)\(label): \(text)")
            return
        }
        if mirror.displayStyle == .collection {
            if mirror.children.isEmpty { return }
            lines.append("\(indent)\(label): \(mirror.children.count) item(s)")
            for (index, element) in mirror.children.enumerated() {
                render(label: "[\(index)]", value: element.value, indent: indent + "  ", into: &lines)
            }
            return
        }
        if mirror.displayStyle == .enum, let payload = mirror.children.first {
            if Mirror(reflecting: payload.value).displayStyle == .collection {
                render(label: "\(label) (\(payload.label ?? ""))", value: payload.value, indent: indent, into: &lines)
                return
            }
            lines.append("\(indent)\(label): \(payload.label ?? "")")
            renderChildren(of: payload.value, indent: indent + "  ", into: &lines)
            return
        }
        lines.append("\(indent)\(label):")
        renderChildren(of: value, indent: indent + "  ", into: &lines)
    }
}

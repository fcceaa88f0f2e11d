import DAMCTopology

/// Renders management replies as aligned tables (the columns follow the
/// JSON fields of docs/management.md).
enum Tables {
    static func render(_ what: String, _ data: JSONValue, detail: Bool) -> String {
        let node = data["node"]?.stringValue ?? "?"
        switch what {
        case "neighbors":
            return "Neighbors of \(node)\n" + table(data["neighbors"], [
                ("LINK", "link"), ("INTERFACE", "interface"), ("NEIGHBOR", "neighbor"), ("ROLE", "role"),
                ("STATE", "state"), ("PEER", "peer"), ("HEARD(ms)", "last_heard_ms"), ("RETX", "retransmit_queue")])
        case "lsdb":
            var text = "LSDB of \(node)\n" + table(data["lsas"], [
                ("ORIGIN", "origin"), ("TYPE", "type"), ("FRAG", "fragment"), ("SEQUENCE", "sequence"),
                ("LIFETIME(s)", "lifetime_s"), ("CHECKSUM", "checksum")])
            if detail {
                for lsa in data["lsas"]?.arrayValue ?? [] {
                    let header = "\(cell(lsa["origin"])) \(cell(lsa["type"])) #\(cell(lsa["fragment"]))"
                    if let adjacencies = lsa["adjacencies"]?.arrayValue {
                        text += "\n\(header) flags: \(cell(lsa["flags"]))\n" + table(.array(adjacencies), [
                            ("  NEIGHBOR", "neighbor"), ("COST", "cost"), ("CAPACITY(kbps)", "capacity_kbps"), ("LINK", "link")])
                    } else if let prefixes = lsa["prefixes"]?.arrayValue {
                        text += "\n\(header)\n" + table(.array(prefixes), [("  PREFIX", "prefix"), ("METRIC", "metric"), ("GRANTED", "granted")])
                    }
                }
            }
            return text
        case "rib":
            return "RIB of \(node)\n" + table(data["routes"], [
                ("PREFIX", "prefix"), ("COST", "cost"), ("NEXT HOPS", "next_hops"), ("ORIGINS", "origins")])
        case "fib":
            return "FIB of \(node)\n" + table(data["entries"], [("PREFIX", "prefix"), ("NEXT HOPS", "next_hops")])
        case "interfaces":
            return "Interfaces of \(node)\n" + table(data["interfaces"], [
                ("LINK", "link"), ("NAME", "name"), ("LOCAL", "local"), ("PEER", "peer"), ("COST", "cost"),
                ("MBPS", "capacity_mbps"), ("ADJACENCY", "adjacency"), ("RX", "rx_datagrams"), ("TX", "tx_datagrams"),
                ("REFUSED", "rx_refused")])
        case "pods":
            let spa = data["spa"]?.stringValue.map { "SPA \($0) (\(data["spa_connected"] == .bool(true) ? "connected" : "not connected"))" }
                ?? "no SPA: services advertised without grants"
            return "Pods of \(node); \(spa)\n" + table(data["pods"], [
                ("PREFIX", "prefix"), ("POD", "pod"), ("STATUS", "status"), ("SERIAL", "serial"),
                ("NOT AFTER", "not_after"), ("REASON", "reason")])
        case "grants":
            return "Grants of \(node)\n" + table(data["grants"], [
                ("SERIAL", "serial"), ("PREFIX", "prefix"), ("GATEWAY", "gateway"), ("POD", "pod"),
                ("NOT BEFORE", "not_before"), ("NOT AFTER", "not_after"), ("KEY", "key_id")])
        case "instances":
            return "Instances behind \(node)\n" + table(data["instances"], [
                ("PREFIX", "prefix"), ("POD", "pod"), ("ENDPOINT", "endpoint"), ("WEIGHT", "weight"), ("STATE", "state"),
                ("OUT", "outstanding"), ("CALLS", "calls"), ("RTT(us)", "rtt_us"), ("LOSS(ppm)", "loss_ppm"),
                ("EJECTED BECAUSE", "ejected_because")])
        case "flows":
            return "Active calls at \(node): \(cell(data["active_calls"]))\n" + table(data["flows"], [
                ("NEXT HOP", "next_hop"), ("CALLS", "active_calls")])
        case "policies":
            return "QoS policies at \(node) (installed \(cell(data["installs"])), refreshed \(cell(data["refreshes"])), "
                + "rejected \(cell(data["rejections"])), withdrawn \(cell(data["withdrawals"])), expired \(cell(data["expiries"])))\n"
                + table(data["policies"], [
                    ("ID", "id"), ("VERSION", "version"), ("PREFIX", "prefix"), ("CLASS", "flow_class"), ("PATH", "path"),
                    ("GATEWAY", "target_gateway"), ("INSTANCE", "target_instance"), ("LEFT(ms)", "remaining_ms"),
                    ("ISSUER", "issuer")])
        case "telemetry":
            var rows: [String] = ["Telemetry at \(node) (\(cell(data["sessions"])) sessions)"]
            let reports: [JSONValue] = { if case let .array(items)? = data["reports"] { return items }; return [] }()
            for report in reports {
                rows.append("\(cell(report["node"])): \(cell(report["age_ms"])) ms ago, connected \(cell(report["connected"]))")
                rows.append(table(report["instances"], [
                    ("PREFIX", "prefix"), ("POD", "pod"), ("ENDPOINT", "endpoint"), ("RTT(us)", "rtt_us"),
                    ("LOSS(ppm)", "loss_ppm"), ("AVAILABLE", "available")]))
                rows.append(table(report["links"], [
                    ("NEIGHBOR", "neighbor"), ("LINK", "link"), ("LOAD(kbps)", "load_kbps"), ("CAPACITY(kbps)", "capacity_kbps"),
                    ("UTILISATION", "utilisation")]))
            }
            return rows.joined(separator: "\n")
        case "issued":
            // Each node's state in a word: node:installed, node:rejected(reason), node:unreachable.
            let policies = (data["policies"]?.arrayValue ?? []).map { policy -> JSONValue in
                guard case var .object(members) = policy else { return policy }
                members["nodes"] = .string((policy["nodes"]?.arrayValue ?? []).map { state in
                    let name = state["node"]?.stringValue ?? "?"
                    guard state["connected"] == .bool(true) else { return "\(name):unreachable" }
                    let status = state["status"]?.stringValue ?? "-"
                    return state["reason"]?.stringValue.map { "\(name):\(status)(\($0))" } ?? "\(name):\(status)"
                }.joined(separator: " "))
                return .object(members)
            }
            return "Policies issued by \(node)\n" + table(.array(policies), [
                ("ID", "id"), ("VERSION", "version"), ("PREFIX", "prefix"), ("CLASS", "flow_class"), ("PATH", "path"),
                ("INSTANCE", "target_instance"), ("LIFETIME(s)", "lifetime_s"), ("AGE(ms)", "age_ms"), ("NODES", "nodes")])
        case "trace":
            let outcome = data["status"]?.stringValue == "reachable"
                ? "reachable"
                : "failed at \(cell(data["answered_by"])): \(cell(data["reason"])) (\(cell(data["reason_text"])))"
            return "Trace of \(cell(data["name"])) from \(node): \(outcome)\n" + table(data["hops"], [
                ("HOP", "node"), ("MATCHED", "matched"), ("POLICY", "policy"), ("NEXT", "next"), ("INSTANCE", "instance")])
        case "counters":
            var rows: [JSONValue] = []
            for group in ["routing", "runtime", "forwarding", "counters"] {
                for (key, value) in (data[group]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                    if case .object = value { continue }
                    rows.append(.object(["name": .string("\(group).\(key)"), "value": value]))
                }
            }
            return "Counters of \(node)\n" + table(.array(rows), [("COUNTER", "name"), ("VALUE", "value")])
        default:
            // version, lookup: one key per line.
            let members = (data.objectValue ?? [:]).sorted { $0.key < $1.key }
            let rows = members.map { JSONValue.object(["key": .string($0.key), "value": $0.value]) }
            return table(.array(rows), [("KEY", "key"), ("VALUE", "value")])
        }
    }

    static func cell(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return "-"
        case let .string(text)?: return text
        case let .integer(number)?: return String(number)
        case let .number(number)?: return String(number)
        case let .bool(flag)?: return flag ? "yes" : "no"
        case let .array(items)?: return items.isEmpty ? "-" : items.map { cell($0) }.joined(separator: ",")
        case let .object(members)?: return JSONValue.object(members).text()
        }
    }

    static func table(_ rows: JSONValue?, _ columns: [(header: String, key: String)]) -> String {
        let cells = (rows?.arrayValue ?? []).map { row in columns.map { cell(row[$0.key]) } }
        var widths = columns.map { $0.header.count }
        for row in cells { for (index, text) in row.enumerated() { widths[index] = max(widths[index], text.count) } }
        func line(_ items: [String]) -> String {
            items.enumerated().map { index, text in
                index == items.count - 1 ? text : text + String(repeating: " ", count: widths[index] - text.count)
            }.joined(separator: "  ")
        }
        var lines = [line(columns.map(\.header))]
        lines += cells.map(line)
        if cells.isEmpty { lines.append("(none)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

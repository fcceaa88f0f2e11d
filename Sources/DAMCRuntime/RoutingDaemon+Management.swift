import DAMCRouting
import DAMCTopology
import DAMCWire

/// The management commands of a routing daemon (docs/management.md gives
/// each reply's JSON schema; damcctl renders the tables from it).
extension RoutingDaemon {
    static let usage = "show neighbors | show lsdb [--detail] [ORIGIN] | show rib | show fib | show interfaces"
        + " | show counters | show version | show pods | show grants | show instances | show flows | show policies"
        + " | lookup NAME | trace NAME | (scsc) show telemetry | show issued | policy install PREFIX NODE,... [LIFETIME_S [INSTANCE]] [class=N]"
        + " | policy withdraw ID"

    func command(_ args: [String]) -> Result<JSONValue, ManagementError> {
        let now = Instant(nanoseconds: MonotonicClock.now())
        switch (args.first, args.count > 1 ? args[1] : nil) {
        case ("show", "neighbors"?) where args.count == 2: return .success(showNeighbors(now: now))
        case ("show", "lsdb"?): return showLSDB(Array(args.dropFirst(2)), now: now)
        case ("show", "rib"?) where args.count == 2: return .success(showRIB())
        case ("show", "fib"?) where args.count == 2: return .success(showFIB())
        case ("show", "interfaces"?) where args.count == 2: return .success(showInterfaces())
        case ("show", "counters"?) where args.count == 2: return .success(showCounters())
        case ("show", "version"?) where args.count == 2: return .success(showVersion(now: now))
        case ("show", "pods"?) where args.count == 2 && config.role == .gateway: return .success(showPods())
        case ("show", "grants"?) where args.count == 2 && config.role == .gateway: return .success(showGrants())
        case ("show", "instances"?) where args.count == 2 && config.role == .gateway: return .success(showInstances())
        case ("show", "flows"?) where args.count == 2: return .success(showFlows())
        case ("show", "policies"?) where args.count == 2: return .success(showPolicies())
        case ("show", "telemetry"?) where args.count == 2 && schedulingCentre != nil:
            return .success(schedulingCentre!.show())
        case ("show", "issued"?) where args.count == 2 && schedulingCentre != nil:
            return .success(schedulingCentre!.showIssued())
        case ("policy", _) where schedulingCentre != nil: return policyCommand(args)
        case ("lookup", let name?) where args.count == 2: return lookup(name)
        default: return .failure(.unknownCommand(args.joined(separator: " "), usage: Self.usage))
        }
    }

    private func envelope(_ members: [String: JSONValue]) -> JSONValue {
        var members = members
        members["node"] = .string(config.nodeID.rawValue)
        return .object(members)
    }

    static func text(_ hop: NextHop) -> JSONValue { .string(hop.description) }

    static func flagNames(_ flags: NodeFlags) -> JSONValue {
        var names: [JSONValue] = []
        if flags.contains(.noTransit) { names.append(.string("no-transit")) }
        if flags.contains(.listenOnly) { names.append(.string("listen-only")) }
        return .array(names)
    }

    func showNeighbors(now: Instant) -> JSONValue {
        let rows = node.neighbors.sorted { $0.link < $1.link }.map { link, neighbor -> JSONValue in
            .object([
                "link": .int(link),
                "interface": .string(links[link]?.config.name ?? "link\(link)"),
                "neighbor": .string(neighbor.id.rawValue),
                "role": .string(neighbor.role.description),
                "state": .string(neighbor.state == .up ? "up" : "heard"),
                "peer": .string(links[link]?.config.peer.description ?? ""),
                "last_heard_ms": .int(max(0, (now - neighbor.lastHeard).nanoseconds / 1_000_000)),
                "dead_interval_ms": .int(neighbor.deadInterval.nanoseconds / 1_000_000),
                "retransmit_queue": .int(neighbor.retransmitCount),
            ])
        }
        return envelope(["neighbors": .array(rows)])
    }

    func showLSDB(_ options: [String], now: Instant) -> Result<JSONValue, ManagementError> {
        var detail = false
        var origin: NodeID?
        for option in options {
            if option == "--detail" { detail = true; continue }
            guard origin == nil, let id = try? NodeID(option) else {
                return .failure(.badArgument("show lsdb: '\(option)' is not --detail or a node id"))
            }
            origin = id
        }
        let entries = node.lsdb.entries.filter { origin == nil || $0.key.origin == origin }.sorted { $0.key < $1.key }
        let rows = entries.map { key, entry -> JSONValue in
            var row: [String: JSONValue] = [
                "origin": .string(key.origin.rawValue),
                "type": .string(key.type.description),
                "fragment": .int(key.fragment),
                "sequence": .int(entry.lsa.sequence),
                "lifetime_s": .int(entry.remainingLifetime(at: now)),
                "checksum": .string("0x" + String(entry.checksum, radix: 16)),
            ]
            if detail {
                switch entry.lsa.body {
                case let .adjacency(flags, adjacencies):
                    row["flags"] = Self.flagNames(flags)
                    row["adjacencies"] = .array(adjacencies.map { adjacency in
                        .object(["neighbor": .string(adjacency.neighbor.rawValue), "cost": .int(adjacency.cost),
                                 "capacity_kbps": .int(adjacency.capacityKbps),
                                 "link": adjacency.linkID.map { .int($0) } ?? .null])
                    })
                case let .servicePrefix(prefixes):
                    row["prefixes"] = .array(prefixes.map { entry in
                        .object(["prefix": .string(entry.prefix.description), "metric": .int(entry.metric),
                                 "granted": .bool(entry.grant != nil)])
                    })
                }
            }
            return .object(row)
        }
        return .success(envelope(["lsas": .array(rows)]))
    }

    func showRIB() -> JSONValue {
        let rows = node.rib.routes.sorted { $0.key < $1.key }.map { prefix, route -> JSONValue in
            .object([
                "prefix": .string(prefix.description),
                "cost": .int(route.cost),
                "next_hops": .array(route.nextHops.map(Self.text)),
                "origins": .array(route.origins.map { .string($0.rawValue) }),
            ])
        }
        return envelope(["routes": .array(rows)])
    }

    func showFIB() -> JSONValue {
        let rows = node.fib.entries.map { prefix, hops -> JSONValue in
            .object(["prefix": .string(prefix.description), "next_hops": .array(hops.map(Self.text))])
        }
        return envelope(["entries": .array(rows)])
    }

    func showInterfaces() -> JSONValue {
        let neighbors = Dictionary(node.neighbors.map { ($0.link, $0.neighbor) }, uniquingKeysWith: { a, _ in a })
        let rows = config.links.sorted { $0.id < $1.id }.map { link -> JSONValue in
            let socket = links[link.id]
            return .object([
                "link": .int(link.id),
                "name": .string(link.name),
                "local": .string(link.local.description),
                "peer": .string(link.peer.description),
                "cost": .int(link.cost),
                "capacity_mbps": .int(link.capacityMbps),
                "adjacency": .string(neighbors[link.id].map { $0.state == .up ? "up" : "heard" } ?? "down"),
                "rx_datagrams": .int(socket?.received ?? 0),
                "tx_datagrams": .int(socket?.sent ?? 0),
                "rx_refused": .int(socket?.refused ?? 0),
            ])
        }
        return envelope(["interfaces": .array(rows)])
    }

    func showCounters() -> JSONValue {
        let c = node.counters
        var decodeErrors: [String: JSONValue] = [:]
        for (name, count) in c.decodeErrors { decodeErrors[name] = .int(count) }
        let routing: [String: JSONValue] = [
            "hellos_sent": .int(c.hellosSent), "hellos_received": .int(c.hellosReceived),
            "adjacencies_up": .int(c.adjacenciesUp), "adjacencies_down": .int(c.adjacenciesDown),
            "lsas_originated": .int(c.lsasOriginated), "lsas_received": .int(c.lsasReceived),
            "lsas_installed": .int(c.lsasInstalled), "lsas_duplicate": .int(c.lsasDuplicate),
            "lsas_older": .int(c.lsasOlder), "lsas_rejected": .int(c.lsasRejected),
            "lsas_flooded": .int(c.lsasFlooded), "lsas_retransmitted": .int(c.lsasRetransmitted),
            "updates_sent": .int(c.updatesSent), "acks_sent": .int(c.acksSent), "acks_received": .int(c.acksReceived),
            "summaries_sent": .int(c.summariesSent), "requests_sent": .int(c.requestsSent),
            "resynchronisations": .int(c.resynchronisations), "spf_runs": .int(c.spfRuns),
            "fib_changes": .int(c.fibChanges), "packets_refused": .int(c.packetsRefused),
            "auth_missing": .int(c.authMissing), "auth_unknown_key": .int(c.authUnknownKey),
            "auth_bad_mac": .int(c.authBadMAC), "auth_replays": .int(c.authReplays),
            "prefixes_refused": .int(c.prefixesRefused),
            "decode_errors": .int(c.decodeErrorTotal), "decode_errors_by_kind": .object(decodeErrors),
            "last_convergence_ms": c.lastConvergence.map { .int($0.nanoseconds / 1_000_000) } ?? .null,
            "max_convergence_ms": c.maxConvergence.map { .int($0.nanoseconds / 1_000_000) } ?? .null,
        ]
        let runtime: [String: JSONValue] = [
            "datagrams_received": .int(counters.datagramsReceived), "datagrams_sent": .int(counters.datagramsSent),
            "datagrams_unknown_peer": .int(counters.datagramsFromUnknownPeers),
            "datagrams_oversized": .int(counters.datagramsOversized), "send_errors": .int(counters.sendErrors),
            "reloads": .int(counters.reloads), "reloads_refused": .int(counters.reloadsRefused),
            "management_requests": .int(management?.requests ?? 0),
            "management_errors": .int(management?.errors ?? 0),
            "last_adjacency_change_ns": counters.lastAdjacencyChange.map { .int($0) } ?? .null,
            "last_lsa_installed_ns": counters.lastLSAInstalled.map { .int($0) } ?? .null,
            "last_spf_run_ns": counters.lastSPFRun.map { .int($0) } ?? .null,
            "last_fib_change_ns": counters.lastFIBChange.map { .int($0) } ?? .null,
            "grant_refusals_by_reason": .object((grantFilter?.refusals ?? [:]).mapValues { .int($0) }),
            "spa_client": .object((spaClient?.counters ?? [:]).mapValues { .int($0) }),
            "scsc_client": .object((scscClient?.counters ?? [:]).mapValues { .int($0) }),
            "pod_socket": .object(podCounters.mapValues { .int($0) }),
        ]
        return envelope(["routing": .object(routing), "runtime": .object(runtime), "forwarding": forwardingCounters])
    }

    /// A gateway's services (its pods' registrations) and where each
    /// stands with the SPA.
    func showPods() -> JSONValue {
        func endpoints(_ prefix: String, _ pod: String) -> JSONValue {
            .array(registrations.filter { $0.prefix.description == prefix && $0.pod.rawValue == pod }
                .map { .string($0.endpoint.description) })
        }
        func withEndpoints(_ rows: [JSONValue]) -> JSONValue {
            .array(rows.map { row in
                guard var members = row.objectValue else { return row }
                members["endpoints"] = endpoints(members["prefix"]?.stringValue ?? "", members["pod"]?.stringValue ?? "")
                return .object(members)
            })
        }
        if let spaClient {
            return envelope(["spa": .string(spaClient.config.nodeID.rawValue), "spa_connected": .bool(spaClient.connected),
                             "pods": withEndpoints(spaClient.json.arrayValue ?? [])])
        }
        let rows = allServices.map { service -> JSONValue in
            .object(["prefix": .string(service.prefix.description), "pod": .string(service.pod.rawValue),
                     "weight": .int(service.weight), "metric": .int(service.metric), "status": .string("advertised")])
        }
        return envelope(["spa": .null, "spa_connected": .bool(false), "pods": withEndpoints(rows)])
    }

    /// The grants this gateway holds and advertises.
    func showGrants() -> JSONValue {
        let rows = (spaClient?.grantedEntries ?? []).compactMap { $0.grant?.managementJSON }
        return envelope(["grants": .array(rows)])
    }

    func showVersion(now: Instant) -> JSONValue {
        envelope([
            "program": .string(program),
            "version": .string(DAMCVersion.string),
            "wire_version": .int(DAMCMessage.version),
            "role": .string(config.role.description),
            "uptime_s": .int((now.nanoseconds - startedAt) / 1_000_000_000),
            "config": .string(configPath),
            // The key chain in force (numbers only, never secrets).
            "authentication": .object([
                "send_key": security.keyChain?.sendKey.map { .int($0) } ?? .null,
                "accept_keys": .array((security.keyChain?.keys.values.filter(\.accept).map(\.number).sorted() ?? []).map { .int($0) }),
            ]),
            // The engine's effective timers (after any reload).
            "timers": .object([
                "hello_ms": .int(node.config.helloInterval.nanoseconds / 1_000_000),
                "dead_ms": .int(node.config.deadInterval.nanoseconds / 1_000_000),
                "retransmit_ms": .int(node.config.retransmitInterval.nanoseconds / 1_000_000),
                "lsa_lifetime_s": .int(node.config.lsaLifetime),
                "spf_initial_ms": .int(node.config.spfThrottle.initialDelay.nanoseconds / 1_000_000),
                "spf_short_ms": .int(node.config.spfThrottle.shortDelay.nanoseconds / 1_000_000),
                "spf_long_ms": .int(node.config.spfThrottle.longDelay.nanoseconds / 1_000_000),
            ]),
        ])
    }

    func lookup(_ text: String) -> Result<JSONValue, ManagementError> {
        let name: ServiceName
        do { name = try ServiceName(text) } catch {
            return .failure(.badArgument("lookup: '\(text)' is not a service name: \(error)"))
        }
        guard let (prefix, hops) = node.fib.lookup(name) else {
            return .success(envelope([
                "name": .string(name.description), "match": .null, "next_hops": .array([]),
                "reason": .string("no FIB entry is a prefix of \(name) (\(node.fib.count) entries)"),
            ]))
        }
        let route = node.rib.routes[prefix]
        return .success(envelope([
            "name": .string(name.description),
            "match": .string(prefix.description),
            "matched_components": .int(prefix.count),
            "next_hops": .array(hops.map(Self.text)),
            "cost": route.map { .int($0.cost) } ?? .null,
            "origins": .array((route?.origins ?? []).map { .string($0.rawValue) }),
            "reason": .string("\(prefix) is the longest FIB entry that is a prefix of \(name) "
                              + "(\(prefix.count) of \(name.count) components)"),
        ]))
    }
}

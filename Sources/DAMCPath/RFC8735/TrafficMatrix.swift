import DAMCTopology
#if canImport(Glibc)
import Glibc
#endif

/// A traffic matrix: demands from one node to another in Mb/s (RFC 8735
/// §4.3). Generated for the RFC's experiments or read from a file.
///
/// File format (docs/ccdr.md §traffic matrix): one demand per line,
/// `SOURCE DESTINATION RATE_MBPS`, node ids as in the topology file,
/// separated by spaces or tabs; `#` starts a comment; blank lines are
/// ignored. A demand listed twice is added up.
public struct TrafficMatrix: Sendable, Equatable {
    public var demands: [Flow]

    public init(demands: [Flow]) {
        self.demands = demands
    }

    /// A mistake in a traffic-matrix file, with where it is.
    public struct FileError: Error, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var reason: String
        public var description: String { "\(file):\(line): \(reason)" }
    }

    /// Parses the text of a traffic-matrix file against `graph`'s node ids.
    public static func parse(_ text: String, file: String, graph: PathGraph) throws(FileError) -> TrafficMatrix {
        var demands: [Flow] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if fields.isEmpty { continue }
            func fail(_ reason: String) -> FileError { FileError(file: file, line: number + 1, reason: reason) }
            guard fields.count == 3 else {
                throw fail("expected SOURCE DESTINATION RATE_MBPS, found \(fields.count) field\(fields.count == 1 ? "" : "s")")
            }
            guard let source = graph.node(String(fields[0])) else { throw fail("unknown node \"\(fields[0])\"") }
            guard let destination = graph.node(String(fields[1])) else { throw fail("unknown node \"\(fields[1])\"") }
            guard source != destination else { throw fail("a demand from \"\(fields[0])\" to itself") }
            guard let rate = Double(fields[2]), rate.isFinite, rate >= 0 else {
                throw fail("rate \"\(fields[2])\" is not a non-negative number of Mb/s")
            }
            demands.append(Flow(source: source, destination: destination, rate: rate))
        }
        return TrafficMatrix(demands: demands)
    }

    /// The file text for this matrix (the format `parse` reads).
    public func text(graph: PathGraph) -> String {
        var lines = ["# source destination rate_mbps"]
        for demand in demands {
            lines.append("\(graph.names[demand.source]) \(graph.names[demand.destination]) \(demand.rate)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A matrix between every ordered pair of nodes, generated from the
    /// link capacities (RFC 8735 §4.3) so that, routed by OSPF, a fraction
    /// `overloaded` of the arcs are past `threshold` ("about 20% of links")
    /// by a moderate degree, and the rest carry normal loads:
    ///
    /// 1. every demand starts from a gravity model (each node draws a
    ///    weight in [0.5, 1.5]; a demand is the product of its ends' weights
    ///    times noise in [0.5, 1.5]) and takes its OSPF path;
    /// 2. every arc that carries traffic draws a target utilisation: past
    ///    the threshold, uniform in [threshold, threshold + 0.4], for enough
    ///    arcs to make `overloaded` of all arcs; uniform in [0.2, threshold -
    ///    0.05] otherwise;
    /// 3. demands are rescaled towards the targets by iterative
    ///    proportional fitting (each demand by the geometric mean of the
    ///    target/actual ratios along its path), 40 rounds.
    ///
    /// OSPF paths do not depend on load, so they are computed once. The
    /// result approaches the targets without matching them exactly (a
    /// demand shares arcs with others); the experiment reports what it got.
    public static func generate(on graph: PathGraph, seed: UInt64, overloaded: Double = 0.2,
                                threshold: Double = 0.9) -> TrafficMatrix {
        var rng = SeededGenerator(seed: seed)
        let weights = (0..<graph.nodeCount).map { _ in Double.random(in: 0.5...1.5, using: &rng) }
        var demands: [Flow] = []
        demands.reserveCapacity(graph.nodeCount * (graph.nodeCount - 1))
        for source in 0..<graph.nodeCount {
            for destination in 0..<graph.nodeCount where destination != source {
                demands.append(Flow(source: source, destination: destination,
                                    rate: weights[source] * weights[destination] * Double.random(in: 0.5...1.5, using: &rng)))
            }
        }
        var matrix = TrafficMatrix(demands: demands)
        let (initial, paths) = matrix.routeByOSPF(on: graph)
        let used = graph.arcs.indices.filter { initial.load[$0] > 0 }
        guard !used.isEmpty else { return matrix }
        let wanted = Double(graph.arcs.count) * overloaded
        var probability = min(1, wanted / Double(used.count))
        var target = [Double](repeating: 0, count: graph.arcs.count)
        for _ in 0..<8 {
            var draws = rng
            var overloadedArcs = 0
            var congested = [Bool](repeating: false, count: graph.arcs.count)
            for arc in used {
                congested[arc] = Double.random(in: 0...1, using: &draws) < probability
                let utilisation = congested[arc]
                    ? Double.random(in: threshold...(threshold + 0.4), using: &draws)
                    : Double.random(in: 0.2...max(0.2, threshold - 0.05), using: &draws)
                target[arc] = utilisation * graph.arcs[arc].capacity
            }
            // Congestion that no rerouting could remove is not what §4.5
            // measures: where a node's targets would exceed the threshold of
            // all its links together (out or in), its overloaded arcs are
            // brought down to normal loads until they fit.
            for node in 0..<graph.nodeCount {
                let out = Array(graph.outgoing(node))
                let into = out.map { $0 ^ 1 }   // arcs 2i and 2i+1 are the two directions of link i
                for arcs in [out, into] {
                    let room = threshold * arcs.reduce(0) { $0 + graph.arcs[$1].capacity }
                    var total = arcs.reduce(0) { $0 + target[$1] }
                    for arc in arcs where total > room && congested[arc] {
                        let normal = Double.random(in: 0.2...max(0.2, threshold - 0.05), using: &draws) * graph.arcs[arc].capacity
                        total += normal - target[arc]
                        target[arc] = normal
                        congested[arc] = false
                    }
                }
            }
            overloadedArcs = congested.filter { $0 }.count
            rng = draws
            // Fewer overloaded than wanted after the fitting: draw again with
            // a higher probability.
            if Double(overloadedArcs) >= wanted * 0.98 || probability >= 1 { break }
            probability = min(1, probability * wanted / Double(max(1, overloadedArcs)))
        }
        var load = initial
        for _ in 0..<40 {
            for index in matrix.demands.indices {
                guard let path = paths[index], !path.arcs.isEmpty else { continue }
                var product = 1.0
                for arc in path.arcs { product *= target[arc] / max(load.load[arc], 1e-12) }
                matrix.demands[index].rate *= pow(product, 1 / Double(path.arcs.count))
            }
            load = NetworkLoad(graph: graph)
            for index in matrix.demands.indices {
                if let path = paths[index] { load.add(path, rate: matrix.demands[index].rate) }
            }
        }
        return matrix
    }

    /// Every demand on its OSPF path (one shortest-path tree per source):
    /// the resulting load, and each demand's path (nil if unreachable).
    public func routeByOSPF(on graph: PathGraph) -> (NetworkLoad, [Path?]) {
        var load = NetworkLoad(graph: graph)
        var paths = [Path?](repeating: nil, count: demands.count)
        var bySource: [Int: [Int]] = [:]
        for (index, demand) in demands.enumerated() { bySource[demand.source, default: []].append(index) }
        for source in bySource.keys.sorted() {
            let tree = OSPF.tree(from: source, in: graph)
            for index in bySource[source]! {
                guard let path = tree.path(to: demands[index].destination) else { continue }
                load.add(path, rate: demands[index].rate)
                paths[index] = path
            }
        }
        return (load, paths)
    }
}

/// RFC 8735 §4.5, temporal congestion elimination: the controller moves
/// traffic off congested links onto CCDR paths that stay under the
/// threshold (docs/ccdr.md §congestion elimination).
///
/// Congested arcs are taken busiest first; on each, the traffic crossing
/// it is taken largest piece first. A piece moves only if CCDR finds it a
/// path with every arc at or under the threshold (its own load taken off
/// its old path first). A piece larger than the arc's excess is split:
/// only the excess moves, as a controller steers some of the destination
/// prefixes between two nodes and leaves the rest (a demand is an
/// aggregate). Up to `rounds` passes, until nothing moves.
public enum CongestionElimination {
    public struct Result: Sendable {
        public var before: CongestionMetrics.Summary
        public var after: CongestionMetrics.Summary
        /// Pieces of traffic given a new path, and how many of those were
        /// split off a larger demand.
        public var moved: Int
        public var split: Int
        /// CCDR path computations made.
        public var computations: Int
        public var load: NetworkLoad
    }

    /// One piece of a demand on one path.
    struct Piece {
        var demand: Int
        var path: Path
        var rate: Double
    }

    public static func run(graph: PathGraph, matrix: TrafficMatrix, load start: NetworkLoad, paths: [Path?],
                           ccdr: CCDR, rounds: Int = 10) -> Result {
        let threshold = ccdr.parameters.threshold
        var load = start
        var pieces: [Piece] = []
        var crossing = [[Int]](repeating: [], count: graph.arcs.count)
        for (demand, path) in paths.enumerated() {
            guard let path else { continue }
            for arc in path.arcs { crossing[arc].append(pieces.count) }
            pieces.append(Piece(demand: demand, path: path, rate: matrix.demands[demand].rate))
        }
        let before = CongestionMetrics.summary(in: graph, load: load, threshold: threshold)
        var moved = 0, split = 0, computations = 0
        for _ in 0..<rounds {
            let congested = load.congested(in: graph, threshold: threshold)
                .sorted { load.utilisation($0, in: graph) > load.utilisation($1, in: graph) }
            var changed = false
            for arc in congested {
                // A list may name pieces that have since moved away
                // (checked against their current path).
                let candidates = crossing[arc].sorted { pieces[$0].rate > pieces[$1].rate }
                for index in candidates {
                    let excess = load.load[arc] - threshold * graph.arcs[arc].capacity
                    if excess <= CCDR.epsilon * graph.arcs[arc].capacity { break }
                    let piece = pieces[index]
                    guard piece.path.arcs.contains(arc), piece.rate > 0 else { continue }
                    let portion = min(piece.rate, excess * (1 + 1e-6))
                    let demand = matrix.demands[piece.demand]
                    load.remove(piece.path, rate: portion)
                    computations += 1
                    let flow = Flow(source: demand.source, destination: demand.destination, rate: portion)
                    guard let placement = ccdr.path(for: flow, in: graph, load: load), !placement.congested else {
                        load.add(piece.path, rate: portion)
                        continue
                    }
                    load.add(placement.path, rate: portion)
                    if portion < piece.rate {
                        pieces[index].rate -= portion
                        split += 1
                        for next in placement.path.arcs { crossing[next].append(pieces.count) }
                        pieces.append(Piece(demand: piece.demand, path: placement.path, rate: portion))
                    } else {
                        pieces[index].path = placement.path
                        for next in placement.path.arcs where !piece.path.arcs.contains(next) { crossing[next].append(index) }
                    }
                    moved += 1
                    changed = true
                }
            }
            if !changed { break }
        }
        return Result(before: before, after: CongestionMetrics.summary(in: graph, load: load, threshold: threshold),
                      moved: moved, split: split, computations: computations, load: load)
    }
}

import DAMCPath
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs §4.3's OSPF routing of the matrix, §4.4 and §4.5, and prints the
/// results beside the figures RFC 8735 reports.
struct Experiment {
    let graph: PathGraph
    let matrix: TrafficMatrix
    let endpoints: [Int]
    let options: ExperimentOptions
    let setup: Duration
    let title: String

    func run() {
        let clock = ContinuousClock()
        let ccdr = CCDR(parameters: .init(threshold: options.threshold))
        var started = clock.now
        let (background, paths) = matrix.routeByOSPF(on: graph)
        let routed = clock.now - started
        let summary = CongestionMetrics.summary(in: graph, load: background, threshold: options.threshold)

        // §4.4: new flows of 1-5% of the median arc capacity.
        let capacities = graph.arcs.map(\.capacity).sorted()
        let median = capacities.isEmpty ? 1 : capacities[capacities.count / 2]
        let flows = PathOptimisation.randomFlows(count: options.flows, endpoints: endpoints,
                                                 rates: (median * 0.01)...(median * 0.05), seed: options.seed &+ 2)
        started = clock.now
        let optimisation = PathOptimisation.run(graph: graph, background: background, flows: flows, ccdr: ccdr)
        let optimised = clock.now - started

        // §4.5
        started = clock.now
        let elimination = CongestionElimination.run(graph: graph, matrix: matrix, load: background, paths: paths, ccdr: ccdr)
        let eliminated = clock.now - started

        let ospfMean = PathOptimisation.Result.mean(optimisation.ospf)
        let ccdrMean = PathOptimisation.Result.mean(optimisation.ccdr)
        if options.json {
            let fields: [(String, String)] = [
                ("nodes", "\(graph.nodeCount)"), ("links", "\(graph.linkCount)"), ("arcs", "\(graph.arcs.count)"),
                ("demands", "\(matrix.demands.count)"),
                ("ospf_congested_arcs", "\(summary.congestedArcs)"), ("ospf_mean_cd", "\(summary.meanCD)"),
                ("new_flows", "\(flows.count)"), ("uid_mean_ospf", "\(ospfMean)"), ("uid_mean_ccdr", "\(ccdrMean)"),
                ("uid_zero_ospf", "\(optimisation.ospf.filter { $0 == 0 }.count)"),
                ("uid_zero_ccdr", "\(optimisation.ccdr.filter { $0 == 0 }.count)"),
                ("ccdr_flows_past_threshold", "\(optimisation.ccdrCongested)"),
                ("cd_before_arcs", "\(elimination.before.congestedArcs)"), ("cd_before_mean", "\(elimination.before.meanCD)"),
                ("cd_before_max", "\(elimination.before.maxCD)"),
                ("cd_after_arcs", "\(elimination.after.congestedArcs)"), ("cd_after_mean", "\(elimination.after.meanCD)"),
                ("cd_after_max", "\(elimination.after.maxCD)"),
                ("pieces_moved", "\(elimination.moved)"), ("pieces_split", "\(elimination.split)"), ("ccdr_computations", "\(elimination.computations)"),
                ("seconds_setup", "\(setup.seconds)"), ("seconds_ospf_routing", "\(routed.seconds)"),
                ("seconds_path_optimisation", "\(optimised.seconds)"), ("seconds_congestion_elimination", "\(eliminated.seconds)"),
            ]
            print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
            return
        }
        func percent(_ value: Double) -> String { fixed(value * 100, 1) + "%" }
        func share(_ count: Int, _ total: Int) -> String { "\(count) of \(total) (\(percent(Double(count) / Double(max(1, total)))))" }
        print(title)
        print("  \(graph.nodeCount) nodes, \(graph.linkCount) links = \(graph.arcs.count) arcs (one per direction; RFC: \"more than 20,000 links\")")
        print("  generated or read in \(format(setup)); matrix of \(matrix.demands.count) demands routed by OSPF in \(format(routed))")
        print("")
        print("§4.3 background under OSPF: arcs past \(percent(options.threshold)): \(share(summary.congestedArcs, graph.arcs.count))   RFC: about 20% of links")
        print("")
        print("§4.4 path optimisation: \(flows.count) new flows, \(Int(median * 0.01))-\(Int(median * 0.05)) Mb/s, placed one after another")
        print("                              OSPF        CCDR     RFC OSPF   RFC CCDR")
        print("  mean UID              \(pad(percent(ospfMean), 10))  \(pad(percent(ccdrMean), 10))      > 30%       < 5%")
        print("  flows with UID 0      \(pad("\(optimisation.ospf.filter { $0 == 0 }.count)", 10))  \(pad("\(optimisation.ccdr.filter { $0 == 0 }.count)", 10))")
        print("  largest UID           \(pad(percent(optimisation.ospf.max() ?? 0), 10))  \(pad(percent(optimisation.ccdr.max() ?? 0), 10))")
        print("  CCDR flows with no path under the threshold: \(optimisation.ccdrCongested); both placements took \(format(optimised)) (\(format(optimised / max(1, flows.count))) per flow)")
        print("")
        print("§4.5 congestion elimination: \(elimination.moved) pieces of traffic moved (\(elimination.split) split off larger demands), \(elimination.computations) CCDR computations, \(format(eliminated))")
        print("                              before      after    RFC before   RFC after")
        print("  arcs past threshold   \(pad("\(elimination.before.congestedArcs)", 10))  \(pad("\(elimination.after.congestedArcs)", 10))    ~20% of links  12 of 20,000")
        print("  mean CD of those      \(pad(percent(elimination.before.meanCD), 10))  \(pad(percent(elimination.after.meanCD), 10))    about 20%      -")
        print("  largest CD            \(pad(percent(elimination.before.maxCD), 10))  \(pad(percent(elimination.after.maxCD), 10))    -              < 3%")
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds >= 1 ? fixed(seconds, 2) + " s" : fixed(seconds * 1000, 1) + " ms"
    }
}

/// `value` with `digits` decimals (FoundationEssentials has no String(format:)).
func fixed(_ value: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    let fraction = Int(scaled - Double(whole) * scale)
    let sign = value < 0 && scaled > 0 ? "-" : ""
    guard digits > 0 else { return sign + "\(whole)" }
    let digitsText = String(fraction)
    return sign + "\(whole)." + String(repeating: "0", count: digits - digitsText.count) + digitsText
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}

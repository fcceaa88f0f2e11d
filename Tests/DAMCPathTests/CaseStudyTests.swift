import DAMCPath
import Testing

/// RFC 8735 §4.1, Figure 5: eight nodes, 10 Mb/s links with the costs and
/// utilisations of the figure, flows f1 (1 Mb/s) and f2 (2 Mb/s) from node
/// 1 to node 8, threshold 90%.
@Suite("CCDR: the RFC 8735 §4.1 case study")
struct CaseStudyTests {
    /// (a, b, cost, utilisation) as read from Figure 5 (docs/ccdr.md §case study).
    static let links: [(Int, Int, UInt32, Double)] = [
        (1, 2, 3, 0.50), (2, 3, 4, 0.95), (3, 8, 6, 0.50), (2, 4, 7, 0.60), (4, 7, 5, 0.45),
        (7, 8, 5, 0.60), (1, 5, 3, 0.60), (5, 6, 5, 0.55), (6, 7, 3, 0.75),
    ]

    static func network() -> (PathGraph, NetworkLoad) {
        let graph = PathGraph(names: (1...8).map(String.init),
                              links: links.map { .init(a: $0.0 - 1, b: $0.1 - 1, cost: $0.2, capacity: 10) })
        var load = NetworkLoad(graph: graph)
        for (index, link) in links.enumerated() {
            load.set(2 * index, link.3 * 10)
            load.set(2 * index + 1, link.3 * 10)
        }
        return (graph, load)
    }

    static func names(_ path: Path?, _ graph: PathGraph) -> [String] {
        path.map { $0.nodes(in: graph).map { graph.names[$0] } } ?? []
    }

    @Test("OSPF sends both flows over 1-2-3-8")
    func ospf() {
        let (graph, _) = Self.network()
        let path = OSPF.path(from: 0, to: 7, in: graph)
        #expect(Self.names(path, graph) == ["1", "2", "3", "8"])
        #expect(path?.cost(in: graph) == 13)
    }

    @Test("CCDR places f1 on 1-5-6-7-8 and then f2 on 1-2-4-7-8")
    func ccdr() {
        let (graph, start) = Self.network()
        var load = start
        let placements = CCDR().place([Flow(source: 0, destination: 7, rate: 1), Flow(source: 0, destination: 7, rate: 2)],
                                      in: graph, load: &load)
        #expect(Self.names(placements[0]?.path, graph) == ["1", "5", "6", "7", "8"])
        #expect(Self.names(placements[1]?.path, graph) == ["1", "2", "4", "7", "8"])
        #expect(placements.allSatisfy { $0?.congested == false })
        // f1 took (6,7) to 85%: f2 there would make 105%. (7,8) ends at exactly 90%.
        #expect(abs(load.utilisation(2 * 8, in: graph) - 0.85) < 1e-9)
        #expect(abs(load.utilisation(2 * 5, in: graph) - 0.90) < 1e-9)
        // Only (2,3), congested before either flow came, is past the threshold.
        #expect(load.congested(in: graph, threshold: 0.9) == [2, 3])
    }

    @Test("f2 alone (nothing placed before it) also avoids the congested (2,3)")
    func alone() {
        let (graph, start) = Self.network()
        let placement = CCDR().path(for: Flow(source: 0, destination: 7, rate: 2), in: graph, load: start)
        #expect(placement?.congested == false)
        #expect(placement.map { !$0.path.nodes(in: graph).contains(2) } == true)
    }

    @Test("with no path under the threshold, the least congesting one is chosen and flagged")
    func overload() {
        let (graph, start) = Self.network()
        // 5 Mb/s fits nowhere under 90% (every path has a link at 45% or more).
        let placement = CCDR().path(for: Flow(source: 0, destination: 7, rate: 5), in: graph, load: start)
        #expect(placement?.congested == true)
        #expect(placement != nil)
    }
}

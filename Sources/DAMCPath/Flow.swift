/// A flow to place: from one node to another at a rate in Mb/s.
public struct Flow: Sendable, Equatable {
    public var source: Int
    public var destination: Int
    public var rate: Double

    public init(source: Int, destination: Int, rate: Double) {
        self.source = source
        self.destination = destination
        self.rate = rate
    }
}

/// Where a flow was placed, and whether that path had to cross the
/// congestion threshold because no path stayed under it.
public struct Placement: Sendable, Equatable {
    public var path: Path
    public var congested: Bool
}

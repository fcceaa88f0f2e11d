/// The `DAMC-Flow-Class` request header field (docs/forwarding.md
/// §classes): the class a calling service gives its call, 0 to 255 (as a
/// DSCP value marks a packet). The ingress gateway matches QoS policies
/// with it: a policy bound to a class steers only the calls of that class,
/// one without a class steers every call (draft-li-icnrg-damc §6.4: a
/// policy matches a prefix and a flow class). Only the ingress reads it;
/// hops further on follow the policy id the call carries.
public enum FlowClassField {
    public static let name = "DAMC-Flow-Class"

    /// The class a request carries: nil without the field; a value that is
    /// not a number from 0 to 255, or the field twice, is refused.
    public static func value(in head: HTTPHead) throws(HTTPError) -> UInt8? {
        let values = head.values(of: name)
        guard let text = values.first else { return nil }
        guard values.count == 1, let value = UInt8(text) else {
            throw .malformedHeader("\(name) must be one number from 0 to 255")
        }
        return value
    }
}

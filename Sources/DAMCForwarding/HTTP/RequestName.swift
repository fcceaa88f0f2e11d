import DAMCWire

/// The service name a request addresses (draft-li-icnrg-damc §7.2;
/// DESIGN.md §2a): the path of its target, query and fragment dropped,
/// split on `/`, percent-escapes kept as they are (a `%2F` stays inside its
/// component). `GET /shop/cart/items/42?x=1` names `/shop/cart/items/42`,
/// which the FIB matches against `/shop/cart` by whole components. gRPC's
/// `/package.Service/Method` is already such a name.
///
/// Empty components (`//`, a trailing `/`) are skipped; a path longer than
/// 32 components is cut to its first 32 (no prefix can be longer, so the
/// match is the same); `.` and `..` are refused, as a name never holds them.
public enum RequestName {
    public static func name(forTarget target: String) throws(HTTPError) -> ServiceName {
        var path = Substring(target)
        if !path.hasPrefix("/") {
            // absolute-form (RFC 9112 §3.2.2): scheme://authority/path
            let parts = path.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw .invalidTarget("'\(target.prefix(64))' is not a path") }
            let rest = parts[1]
            path = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        let components = path.split(separator: "/", omittingEmptySubsequences: true).prefix(Limits.maxNameComponents)
        let text = "/" + components.joined(separator: "/")
        do {
            return try ServiceName(text)
        } catch {
            throw .invalidTarget("\(error)")
        }
    }
}

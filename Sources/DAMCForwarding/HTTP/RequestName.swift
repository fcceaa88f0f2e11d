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
        var target = target
        return try target.withUTF8 { bytes in
            Result { () throws(HTTPError) -> ServiceName in try name(in: bytes) }
        }.get()
    }

    /// The name in a target given as UTF-8 bytes.
    static func name(in bytes: UnsafeBufferPointer<UInt8>) throws(HTTPError) -> ServiceName {
        var path = 0
        if bytes.first != UInt8(ascii: "/") {
            // absolute-form (RFC 9112 §3.2.2): scheme://authority/path
            guard let scheme = Self.schemeEnd(bytes) else {
                throw .invalidTarget("'\(String(decoding: UnsafeBufferPointer(rebasing: bytes.prefix(64)), as: UTF8.self))' is not a path")
            }
            path = scheme + 3
            while path < bytes.count && bytes[path] != UInt8(ascii: "/") { path += 1 }
        }
        // The components of the path, empty ones skipped, at most 32,
        // as the text form: one pass, no string per component.
        var text: [UInt8] = [UInt8(ascii: "/")]
        text.reserveCapacity(bytes.count - path + 1)
        var components = 0
        var index = path
        while index < bytes.count && components < Limits.maxNameComponents {
            let byte = bytes[index]
            if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
            if byte == UInt8(ascii: "/") {
                index += 1
                continue
            }
            if components > 0 { text.append(UInt8(ascii: "/")) }
            components += 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { break }
                text.append(byte)
                index += 1
            }
        }
        do {
            return try ServiceName(utf8: text)
        } catch {
            throw .invalidTarget("\(error)")
        }
    }

    /// Where `://` starts, if the target has one.
    static func schemeEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard bytes.count >= 3 else { return nil }
        for index in 0...(bytes.count - 3)
        where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/") && bytes[index + 2] == UInt8(ascii: "/") {
            return index
        }
        return nil
    }
}

import CLinuxEvents
#if canImport(Glibc)
import Glibc
#endif

/// A listening Unix stream socket at a path (management, pod
/// registration): the directory is created, a stale socket file replaced,
/// a live one (someone answers) or any other file refused.
enum UnixListener {
    static func open(path: String, mode: mode_t) throws(SystemError) -> Int32 {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? ""
        if !directory.isEmpty { makeDirectories(directory) }
        let address = try SocketAddress(unixPath: path)
        var status = stat()
        if lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else { throw SystemError("bind", "\(path) (exists, not a socket)", code: EEXIST) }
            // A socket someone answers on belongs to a running daemon: never
            // take it over. One nobody answers on is stale (a crash): replace it.
            let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            let live = probe >= 0 && address.withSockaddr { connect(probe, $0, $1) } == 0
            if probe >= 0 { close(probe) }
            guard !live else { throw SystemError("bind", "\(path) (another daemon is listening there)", code: EADDRINUSE) }
            unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket", path) }
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = SystemError("bind", path)
            close(fd)
            throw error
        }
        chmod(path, mode)
        guard listen(fd, 16) == 0 else {
            let error = SystemError("listen", path)
            close(fd)
            throw error
        }
        return fd
    }

    /// `mkdir -p` with mode 0755; failures surface at bind.
    static func makeDirectories(_ path: String) {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            _ = mkdir(current, 0o755)
        }
    }
}

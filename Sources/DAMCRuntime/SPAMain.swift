import CLinuxEvents
import DAMCSecurity
import DAMCTopology
import Logging
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `damc-spa`'s main (docs/spa.md): the same flags as the routing daemons,
/// and `keygen` for the grant-signing key.
public enum SPAMain {
    public static func run(_ options: DaemonOptions) -> Int32 {
        if options.exitWithParent { _ = damc_exit_with_parent(SIGTERM) }
        let loaded: (SPAConfig, SPAPolicy, Ed25519PrivateKey)
        do { loaded = try SPADaemon.loadAll(configPath: options.config) } catch {
            DaemonMain.printError("damc-spa: \(error)")
            return 2
        }
        let (config, policy, key) = loaded
        if options.checkConfig {
            print("damc-spa: \(options.config): ok (node \(config.nodeID), \(policy.rules.count) rules, key \(config.signingKeyID))")
            return 0
        }
        DaemonMain.bootstrapLogging(options.logLevel)
        var logger = Logger(label: "damc-spa[\(config.nodeID)]")
        logger.logLevel = options.logLevel
        do {
            let daemon = try SPADaemon(configPath: options.config, config: config, policy: policy, signingKey: key, logger: logger)
            try daemon.run()
            return 0
        } catch {
            logger.critical("cannot run", metadata: ["error": "\(error)"])
            return 1
        }
    }

    /// Writes a new Ed25519 signing key (PKCS#8 PEM, mode 0600) to `path`
    /// and its public key to `path.pub` (for routers' `grant_keys`).
    public static func keygen(path: String) -> Int32 {
        do {
            let key = try Ed25519PrivateKey()
            // No moment where the private key is readable by others.
            let previous = umask(0o077)
            defer { umask(previous) }
            let files = FileManager.default
            guard files.createFile(atPath: path, contents: Data(key.pem.utf8), attributes: [.posixPermissions: 0o600]),
                  files.createFile(atPath: path + ".pub", contents: Data(key.publicKey.pem.utf8),
                                   attributes: [.posixPermissions: 0o644]) else {
                DaemonMain.printError("damc-spa keygen: cannot write \(path) or \(path).pub")
                return 1
            }
            print("wrote \(path) (private) and \(path).pub (public)")
            return 0
        } catch {
            DaemonMain.printError("damc-spa keygen: \(error)")
            return 1
        }
    }
}

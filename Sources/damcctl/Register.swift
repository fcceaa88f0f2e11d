import ArgumentParser
import DAMCRuntime
import DAMCServiceKit
import DAMCTopology
import DAMCWire
import Foundation

/// What `register` and `withdraw` share: the gateway's pod socket and the
/// instance.
struct Instance: ParsableArguments {
    @Option(name: .customLong("pod-socket"), help: "The gateway's pod socket (its config's pods.socket); we are known by our uid.")
    var podSocket: String?

    @Option(help: "Or the gateway's pod-facing TCP address (pods.listen), IPV4:PORT or [IPV6]:PORT, with --token-file.")
    var gateway: String?

    @Option(name: .customLong("token-file"), help: "The file holding this pod's token (with --gateway).")
    var tokenFile: String?

    @Option(help: "This pod's id (the gateway checks it against our uid).")
    var pod: String

    @Option(help: "The service prefix, e.g. /shop/cart.")
    var prefix: String

    @Option(help: "Where the instance takes calls: IPV4:PORT or [IPV6]:PORT.")
    var endpoint: String

    func registration(weight: UInt16) throws -> ServiceRegistration {
        let pod: PodID, prefix: ServiceName
        do { pod = try PodID(self.pod) } catch { throw ValidationError("--pod: \(error)") }
        do { prefix = try ServiceName(self.prefix) } catch { throw ValidationError("--prefix: \(error)") }
        let address: TransportAddress
        do { address = try TransportAddress(parsing: endpoint) } catch { throw ValidationError("--endpoint: \(error)") }
        let endpoint = address.endpoint
        let target: ServiceRegistration.Gateway
        if let podSocket {
            target = .unix(path: podSocket)
        } else if let gateway {
            guard let tokenFile, let token = SecurityMaterial.secret(at: tokenFile) else {
                throw ValidationError("--gateway needs a readable --token-file")
            }
            let gatewayAddress: TransportAddress
            do { gatewayAddress = try TransportAddress(parsing: gateway) } catch { throw ValidationError("--gateway: \(error)") }
            target = .tcp(host: gatewayAddress.host, port: gatewayAddress.port, token: token)
        } else {
            throw ValidationError("say where the gateway is: --pod-socket PATH, or --gateway ADDRESS --token-file FILE")
        }
        return ServiceRegistration(gateway: target, pod: pod, prefix: prefix, endpoint: endpoint, weight: weight)
    }

    static func report(_ answer: RegistrationAnswer) throws {
        print(answer.description)
        if answer.status == .denied { throw ExitCode(3) }
    }
}

/// `damcctl register`: announce a prefix for a pod (class 1).
struct Register: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Announce a prefix for a pod to its gateway; prints granted, denied (exit 3) or pending.")

    @OptionGroup var instance: Instance

    @Option(help: "Load-balancing weight (0 drains).")
    var weight: UInt16 = 100

    @Flag(name: .customLong("no-wait"), help: "Do not wait for the final answer when the gateway is asking its SPA.")
    var noWait = false

    func run() throws {
        do {
            try Instance.report(try instance.registration(weight: weight).announce(waitForFinal: !noWait))
        } catch let error as RegistrationError {
            FileHandle.standardError.write(Data("damcctl: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `damcctl withdraw`: withdraw a pod's prefix.
struct Withdraw: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Withdraw a pod's prefix from its gateway.")

    @OptionGroup var instance: Instance

    func run() throws {
        do {
            try Instance.report(try instance.registration(weight: 0).withdraw())
        } catch let error as RegistrationError {
            FileHandle.standardError.write(Data("damcctl: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

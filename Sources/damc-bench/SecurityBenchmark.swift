import DAMCSecurity
import DAMCWire
import Foundation

/// Issue 6's benchmark: grants signed and verified per second (the SPA's
/// and every router's cost), beside `openssl speed ed25519` run in the same
/// process's lifetime, plus HMAC-SHA256 trailers per second.
enum SecurityBenchmark {
    static func run(seconds: Double) {
        let key = try! Ed25519PrivateKey()
        let signer = GrantSigner(keyID: try! KeyID("spa1"), key: key)
        let verifier = GrantVerifier(keys: [try! KeyID("spa1"): key.publicKey])
        let gateway = try! NodeID("sg1")
        let prefix = try! ServiceName("/shop/cart")
        func rate(_ body: (Int) -> Void) -> Double {
            var count = 0
            let start = Date()
            while Date().timeIntervalSince(start) < seconds {
                for _ in 0..<50 { body(count); count += 1 }
            }
            return Double(count) / Date().timeIntervalSince(start)
        }
        let signed = rate { serial in
            _ = try! signer.sign(prefix: prefix, gateway: gateway, pod: try! PodID("pod1"), notBefore: 0, notAfter: 1 << 40,
                                 serial: UInt64(serial))
        }
        // Fresh grants each time (distinct serials), so the verifier's cache never helps.
        let grants = (0..<2000).map { serial in
            try! signer.sign(prefix: prefix, gateway: gateway, pod: try! PodID("pod1"), notBefore: 0, notAfter: 1 << 40,
                             serial: UInt64(1_000_000 + serial))
        }
        var index = 0
        let verified = rate { _ in
            let fresh = GrantVerifier(keys: [try! KeyID("spa1"): key.publicKey])
            _ = fresh.verify(PrefixEntry(prefix: prefix, grant: grants[index % grants.count]), origin: gateway, at: 1)
            index += 1
        }
        let entry = PrefixEntry(prefix: prefix, grant: grants[0])
        _ = verifier.verify(entry, origin: gateway, at: 1)
        let cached = rate { _ in _ = verifier.verify(entry, origin: gateway, at: 1) }
        let secret = Array("a-shared-secret-of-enough-bytes".utf8)
        let packet = [UInt8](repeating: 0x5A, count: 1400)
        let macs = rate { _ in _ = HMACSHA256.mac(key: secret, data: packet[...]) }

        print("grants (Ed25519 through OpenSSL EVP), \(seconds) s each:")
        print("  signed: \(Int(signed))/s; verified (signature checked): \(Int(verified))/s; verified again (cached): \(Int(cached))/s")
        print("  HMAC-SHA256 trailer over a 1,400-byte packet: \(Int(macs))/s")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["speed", "-seconds", String(Int(max(1, seconds))), "ed25519"]
        let pipe = Pipe()
        openssl.standardOutput = pipe
        openssl.standardError = FileHandle.nullDevice
        if (try? openssl.run()) != nil {
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            openssl.waitUntilExit()
            let line = text.split(separator: "\n").last { $0.contains("Ed25519") } ?? "no figure"
            print("  reference, openssl speed ed25519 (sign/s, verify/s are the last two columns):")
            print("    \(line.trimmingCharacters(in: .whitespaces))")
        } else {
            print("  reference: openssl not found")
        }
    }
}

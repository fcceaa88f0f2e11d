import DAMCRouting
import DAMCSecurity
import DAMCWire
import Synchronization

/// The routing engine's prefix filter in a daemon (issue 6): a prefix
/// entry enters the RIB only with a grant the `GrantVerifier` accepts at
/// the current wall-clock time. It remembers when the next verdict can
/// change (the earliest expiry of an accepted grant, or the start of one
/// not yet valid), so the daemon can rebuild the RIB at that moment.
final class GrantFilter: Sendable {
    let verifier: GrantVerifier
    private let state = Mutex<(nextChange: UInt64?, refusals: [String: Int])>((nil, [:]))

    init(verifier: GrantVerifier) { self.verifier = verifier }

    /// The filter as the engine calls it.
    func accept(_ entry: PrefixEntry, origin: NodeID) -> Bool {
        let now = WallClock.seconds()
        let verdict = verifier.verify(entry, origin: origin, at: now)
        state.withLock { state in
            switch verdict {
            case let .valid(until):
                state.nextChange = min(state.nextChange ?? .max, until + 1)
            case let .notYetValid(from):
                state.nextChange = min(state.nextChange ?? .max, from)
                state.refusals[Self.kind(verdict), default: 0] += 1
            default:
                state.refusals[Self.kind(verdict), default: 0] += 1
            }
        }
        return verdict.isValid
    }

    static func kind(_ verdict: GrantVerdict) -> String {
        switch verdict {
        case .valid: return "valid"
        case .missing: return "missing"
        case .unknownKey: return "unknown_key"
        case .badSignature: return "bad_signature"
        case .notYetValid: return "not_yet_valid"
        case .expired: return "expired"
        case .wrongGateway: return "wrong_gateway"
        case .wrongPrefix: return "wrong_prefix"
        }
    }

    /// Takes the earliest moment (Unix seconds) a verdict seen since the
    /// last call can change, and forgets it.
    func takeNextChange() -> UInt64? {
        state.withLock { state in
            defer { state.nextChange = nil }
            return state.nextChange
        }
    }

    /// Refusals by reason since the daemon started (each RIB build counts
    /// each refused entry again).
    var refusals: [String: Int] { state.withLock { $0.refusals } }
}

/// The SPF back-off state machine of RFC 8405 ("SPF Back-Off Delay
/// Algorithm for Link-State IGPs"): react fast to the first event, slower
/// to a burst, and slowest to a storm, then return to quiet.
///
/// Events in: `event(now)` when the LSDB changed in a way that needs SPF,
/// `expire(now)` when `deadline` passes. `spfDue` says when SPF should run.
public struct SPFThrottle: Sendable {
    /// RFC 8405 §6 parameters. Defaults: DESIGN.md §2c.
    public struct Configuration: Sendable, Equatable {
        public var initialDelay: Duration = .milliseconds(50)
        public var shortDelay: Duration = .milliseconds(200)
        public var longDelay: Duration = .seconds(5)
        /// TIME_TO_LEARN_INTERVAL: how long SHORT_WAIT lasts.
        public var timeToLearn: Duration = .milliseconds(500)
        /// HOLDDOWN_INTERVAL: quiet time needed to go back to QUIET.
        public var holdDown: Duration = .seconds(10)
        public init() {}
    }

    /// RFC 8405 §5 states.
    public enum State: Sendable, Equatable { case quiet, shortWait, longWait }

    public let configuration: Configuration
    public private(set) var state: State = .quiet
    /// When SPF must run, if an event is pending (the SPF_TIMER).
    public private(set) var spfDue: Instant?
    private var learnDue: Instant?
    private var holdDownDue: Instant?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// The earliest instant at which `expire` has something to do.
    public var deadline: Instant? {
        [spfDue, learnDue, holdDownDue].compactMap { $0 }.min()
    }

    /// An IGP event that requires SPF (RFC 8405 §5.1-5.3 transitions).
    public mutating func event(now: Instant) {
        switch state {
        case .quiet:
            spfDue = now + configuration.initialDelay
            learnDue = now + configuration.timeToLearn
            holdDownDue = now + configuration.holdDown
            state = .shortWait
        case .shortWait:
            holdDownDue = now + configuration.holdDown
            if spfDue == nil { spfDue = now + configuration.shortDelay }
        case .longWait:
            holdDownDue = now + configuration.holdDown
            if spfDue == nil { spfDue = now + configuration.longDelay }
        }
    }

    /// Processes timers due at `now`; returns whether SPF must run now.
    public mutating func expire(now: Instant) -> Bool {
        var runSPF = false
        if let due = spfDue, due <= now {
            spfDue = nil
            runSPF = true
        }
        if let due = learnDue, due <= now {
            learnDue = nil
            if state == .shortWait { state = .longWait }
        }
        if let due = holdDownDue, due <= now {
            holdDownDue = nil
            learnDue = nil
            state = .quiet
        }
        return runSPF
    }
}

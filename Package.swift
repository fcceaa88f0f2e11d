// swift-tools-version: 6.1
//
// DAMC: a distributed control plane for microservice communication
// (draft-li-icnrg-damc). The target layout follows shared/DESIGN.md §2:
// dependencies point downward only, one layer per target.

import PackageDescription

/// The forwarding plane's targets (every call runs through them): in
/// release builds without the run-time exclusivity checks on class
/// properties, which cost a call into the runtime per access on the event
/// loops (docs/performance.md "Forwarding plane"). Compile-time checks stay.
let hotPath: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "damc",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DAMCWire", targets: ["DAMCWire"]),
        .library(name: "DAMCRouting", targets: ["DAMCRouting"]),
        .library(name: "DAMCPath", targets: ["DAMCPath"]),
        .library(name: "DAMCSecurity", targets: ["DAMCSecurity"]),
        .library(name: "DAMCServiceKit", targets: ["DAMCServiceKit"]),
        .executable(name: "damcctl", targets: ["damcctl"]),
        .executable(name: "damc-bench", targets: ["damc-bench"]),
        .executable(name: "damc-sim", targets: ["damc-sim"]),
        .executable(name: "damc-ccdr", targets: ["damc-ccdr"]),
        .executable(name: "damc-sr", targets: ["damc-sr"]),
        .executable(name: "damc-sg", targets: ["damc-sg"]),
        .executable(name: "damc-spa", targets: ["damc-spa"]),
        .executable(name: "damc-scsc", targets: ["damc-scsc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // Layer 0: names, the TLV codec and every DAMC message. Pure Swift,
        // no Foundation, no I/O; never traps on any input.
        .target(name: "DAMCWire", swiftSettings: hotPath),

        // Routing engine: adjacencies, flooding, LSDB, SPF, RIB, name FIB.
        // Sans-I/O state machines: events in, actions out, clock passed in.
        .target(
            name: "DAMCRouting",
            dependencies: [
                "DAMCWire",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),

        // Topology and configuration files: strict JSON with key paths.
        .target(name: "DAMCTopology", dependencies: ["DAMCWire"]),

        // Forwarding plane (draft §7.2): HTTP/1.1 heads and body framing,
        // hop decisions, ECMP, instance health and balancing. Sans-I/O; the
        // runtime moves the bytes.
        .target(name: "DAMCForwarding", dependencies: ["DAMCRouting", "DAMCTopology", "DAMCWire"], swiftSettings: hotPath),

        // Network simulator: many routing engines under a virtual clock.
        // Path computation (DESIGN.md §2b): CCDR and the OSPF baseline,
        // RFC 8735's experiments. Pure: no I/O, no clock.
        .target(
            name: "DAMCPath",
            dependencies: [
                "DAMCTopology", "DAMCWire",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),

        .target(
            name: "DAMCSimulator",
            dependencies: [
                "DAMCRouting", "DAMCTopology", "DAMCWire",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),

        // System OpenSSL (libssl-dev): Ed25519, HMAC-SHA256, PEM, TLS 1.3.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        // Security: grant signing and verification, packet MACs with key
        // chains, SPA policies. Pure logic over COpenSSL; no sockets.
        .target(name: "DAMCSecurity", dependencies: ["COpenSSL", "DAMCRouting", "DAMCTopology", "DAMCWire"]),

        // For services: announce a prefix to the gateway (class 1) and keep
        // the registration alive. Blocking, no dependencies beyond DAMCWire.
        .target(name: "DAMCServiceKit", dependencies: ["DAMCWire"]),

        // Linux event APIs Glibc does not expose (epoll, timerfd, eventfd,
        // signalfd), and libsystemd through pkg-config.
        .target(name: "CLinuxEvents"),
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),

        // The runtime: the only layer that touches file descriptors. One
        // epoll loop per daemon drives the sans-I/O engines.
        .target(
            name: "DAMCRuntime",
            dependencies: [
                "DAMCPath",
                "CLinuxEvents", "COpenSSL", "CSystemd", "DAMCForwarding", "DAMCRouting", "DAMCSecurity", "DAMCTopology",
                "DAMCWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: hotPath
        ),

        // The daemons: thin mains over DAMCRuntime.
        .executableTarget(
            name: "damc-sr",
            dependencies: ["DAMCRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "damc-sg",
            dependencies: ["DAMCRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .executableTarget(
            name: "damc-spa",
            dependencies: ["DAMCRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // The scheduling centre: a listen-only routing node that takes
        // telemetry and sends QoS policies (class 4).
        .executableTarget(
            name: "damc-scsc",
            dependencies: ["DAMCRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Operator tool: inspect packets and names, render configs, and talk
        // to daemons over their management sockets.
        .executableTarget(
            name: "damcctl",
            dependencies: [
                "DAMCWire", "DAMCTopology", "DAMCRuntime", "DAMCServiceKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Simulator front end: converge, generate, chaos.
        .executableTarget(
            name: "damc-sim",
            dependencies: [
                "DAMCRouting", "DAMCSimulator", "DAMCTopology", "DAMCWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // RFC 8735's experiments (CCDR against the OSPF baseline), on a
        // generated topology or on a topology and traffic-matrix file.
        .executableTarget(
            name: "damc-ccdr",
            dependencies: [
                "DAMCPath", "DAMCTopology", "DAMCWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Benchmarks live apart from tests and never fail on timing.
        .executableTarget(
            name: "damc-bench",
            dependencies: ["DAMCWire", "DAMCPath", "DAMCRouting", "DAMCRuntime", "DAMCSecurity", "DAMCSimulator", "DAMCTopology"]
        ),

        .testTarget(
            name: "DAMCRoutingTests",
            dependencies: [
                "DAMCRouting", "DAMCSimulator", "DAMCTopology", "DAMCWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DAMCSecurityTests",
            dependencies: [
                "DAMCSecurity", "DAMCRouting", "DAMCSimulator", "DAMCTopology", "DAMCWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "DAMCRuntimeTests",
            dependencies: [
                "DAMCRuntime", "DAMCRouting", "DAMCSecurity", "DAMCServiceKit", "DAMCSimulator", "DAMCTopology", "DAMCWire",
                "CLinuxEvents", "COpenSSL", "DAMCForwarding",
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "DAMCForwardingTests",
            dependencies: [
                "DAMCForwarding", "DAMCRouting", "DAMCTopology", "DAMCWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "DAMCPathTests",
            dependencies: [
                "DAMCPath", "DAMCTopology", "DAMCWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "DAMCWireTests",
            dependencies: [
                "DAMCWire",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)

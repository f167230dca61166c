// swift-tools-version: 6.1
import PackageDescription

/// Swift 6 language mode everywhere, plus the upcoming features that keep
/// existentials explicit.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pipstack",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pipstack", targets: ["pipstack"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        // Pinned exactly: the ledger's hot path links sqlite-nio's bundled C SQLite (VaporCSQLite).
        .package(url: "https://github.com/vapor/sqlite-nio.git", exact: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/yaslab/CSV.swift.git", from: "2.5.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(name: "Money", path: "Sources/Money", swiftSettings: strict),
        // Pure: SVG charts drawn on the server (line, bar, stacked bar, sparkline).
        .target(name: "Charts", path: "Sources/Charts", swiftSettings: strict),
        .target(
            name: "BrokerCore",
            dependencies: [
                "Money",
            ],
            path: "Sources/BrokerCore",
            swiftSettings: strict
        ),
        .target(
            name: "LedgerCore",
            dependencies: [
                "Money",
                "BrokerCore",
            ],
            path: "Sources/Ledger/LedgerCore",
            swiftSettings: strict
        ),
        .target(
            name: "CommissionsCore",
            dependencies: [
                "Money",
                "BrokerCore",
            ],
            path: "Sources/Commissions/CommissionsCore",
            swiftSettings: strict
        ),
        .target(
            name: "Platform",
            dependencies: [
                "BrokerCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Platform/Platform",
            swiftSettings: strict
        ),
        .target(
            name: "SelfSignedTLS",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "X509", package: "swift-certificates"),
            ],
            path: "Sources/Platform/SelfSignedTLS",
            swiftSettings: strict
        ),
        .target(
            name: "Identity",
            dependencies: [
                "BrokerCore",
                "Platform",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdOTP", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/Identity/Identity",
            swiftSettings: strict
        ),
        .target(
            name: "Ledger",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "Platform",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/Ledger/Ledger",
            swiftSettings: strict
        ),
        .target(
            name: "Trading",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "Platform",
                "Identity",
                "Ledger",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Trading/Trading",
            swiftSettings: strict
        ),
        .target(
            name: "MT5Simulator",
            dependencies: [
                "Money",
                "BrokerCore",
                "SelfSignedTLS",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Trading/MT5Simulator",
            swiftSettings: strict
        ),
        .target(
            name: "Partners",
            dependencies: [
                "Money",
                "BrokerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/Partners/Partners",
            swiftSettings: strict
        ),
        .target(
            name: "Commissions",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Ledger",
                "Trading",
                "Partners",
                "Clients",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Commissions/Commissions",
            swiftSettings: strict
        ),
        .target(
            name: "Clients",
            dependencies: [
                "Money",
                "BrokerCore",
                "Platform",
                "Identity",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/Clients/Clients",
            swiftSettings: strict
        ),
        .target(
            name: "WebKit",
            dependencies: [
                "Charts",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Money",
                "BrokerCore",
                "Platform",
                "Identity",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/WebKit",
            resources: [.copy("Resources")],
            swiftSettings: strict
        ),
        .target(
            name: "IdentityWeb",
            dependencies: [
                "BrokerCore",
                "Platform",
                "Identity",
                "WebKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Identity/IdentityWeb",
            swiftSettings: strict
        ),
        .target(
            name: "LedgerWeb",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "Platform",
                "Identity",
                "Ledger",
                "WebKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Ledger/LedgerWeb",
            swiftSettings: strict
        ),
        .target(
            name: "TradingWeb",
            dependencies: [
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                "Money",
                "BrokerCore",
                "LedgerCore",
                "Platform",
                "Identity",
                "Ledger",
                "Trading",
                "WebKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Trading/TradingWeb",
            swiftSettings: strict
        ),
        .target(
            name: "CommissionsWeb",
            dependencies: [
                "Trading",
                "Ledger",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "Money",
                "BrokerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Partners",
                "Commissions",
                "WebKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            path: "Sources/Commissions/CommissionsWeb",
            swiftSettings: strict
        ),
        .target(
            name: "PartnersWeb",
            dependencies: [
                "Money",
                "BrokerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Partners",
                "Commissions",
                "Trading",
                "CommissionsWeb",
                "WebKit",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Partners/PartnersWeb",
            swiftSettings: strict
        ),
        .target(
            name: "ClientsWeb",
            dependencies: [
                "Money",
                "BrokerCore",
                "Platform",
                "Identity",
                "Clients",
                "LedgerCore",
                "Ledger",
                "Trading",
                "Partners",
                "CommissionsCore",
                "Commissions",
                "WebKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Clients/ClientsWeb",
            swiftSettings: strict
        ),
        .target(
            name: "App",
            dependencies: [
                "Charts",
                "Money",
                "BrokerCore",
                "LedgerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Ledger",
                "Trading",
                "Partners",
                "Commissions",
                "Clients",
                "WebKit",
                "IdentityWeb",
                "LedgerWeb",
                "TradingWeb",
                "CommissionsWeb",
                "PartnersWeb",
                "ClientsWeb",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            path: "Sources/App",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "pipstack",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Ledger",
                "Trading",
                "MT5Simulator",
                "Partners",
                "Commissions",
                "Clients",
                "WebKit",
                "App",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Sources/pipstack",
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "Platform",
                "App",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "ArchitectureTests", swiftSettings: strict),
        .testTarget(
            name: "BrokerCoreTests",
            dependencies: [
                "BrokerCore",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CommissionsCoreTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "CommissionsCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CommissionsTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Ledger",
                "Trading",
                "Partners",
                "Commissions",
                "Clients",
                "App",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: [
                "BrokerCore",
                "Platform",
                "Identity",
                "TestSupport",
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerCoreTests",
            dependencies: [
                "Money",
                "LedgerCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Money",
                "LedgerCore",
                "Platform",
                "Ledger",
                "App",
                "TestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ChartsTests",
            dependencies: [
                "Charts",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "MoneyTests",
            dependencies: [
                "Money",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PartnersTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Partners",
                "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: [
                "BrokerCore",
                "Platform",
                "App",
                "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ProcessTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "CommissionsCore",
                "Platform",
                "SelfSignedTLS",
                "Identity",
                "Ledger",
                "Trading",
                "MT5Simulator",
                "Partners",
                "Commissions",
                "App",
                "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TradingTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "Platform",
                "Identity",
                "Ledger",
                "Trading",
                "MT5Simulator",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "UpgradeTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "Platform",
                "Ledger",
                "Trading",
                "Commissions",
                "App",
                "TestSupport",
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Money",
                "BrokerCore",
                "LedgerCore",
                "CommissionsCore",
                "Platform",
                "Identity",
                "Ledger",
                "TradingWeb",
                "LedgerWeb",
                "Trading",
                "MT5Simulator",
                "Partners",
                "Commissions",
                "WebKit",
                "App",
                "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

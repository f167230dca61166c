import BrokerCore
import MT5Simulator
import Money
import NIOCore
import Trading

/// A simulator on a free loopback port and a client for it.
struct MT5Harness {
    static let manager: UInt64 = 1_001
    static let password = "Manager#2026"
    let server: MT5SimulatorServer
    let client: MT5Client

    static func start(seed: UInt64 = 7, tls: Bool = false, dealsPerSecond: Double = 0, faults: SimulatorFaults = .none,
                      requestTimeout: TimeAmount = .seconds(5), password: String = password, clockSkewSeconds: Int64 = 0,
                      maxRecordsPerAnswer: Int = 200_000) async throws -> MT5Harness {
        let server = try await MT5SimulatorServer.start(.init(port: 0, managerLogin: manager, password: Self.password, seed: seed,
                                                               tls: tls, dealsPerSecond: dealsPerSecond, clockSkewSeconds: clockSkewSeconds,
                                                               faults: faults))
        let endpoint = MT5Endpoint(host: "127.0.0.1", port: server.port, useTLS: tls, trustedCertificatePEM: server.certificatePEM)
        let client = MT5Client(configuration: .init(endpoint: endpoint, managerLogin: manager, password: password, requestTimeout: requestTimeout,
                                                    maxRecordsPerAnswer: maxRecordsPerAnswer))
        return MT5Harness(server: server, client: client)
    }

    func stop() async {
        await client.disconnect()
        await server.stop()
    }

    static func newAccount(_ requestID: String, group: String = "real\\standard", login: UInt64? = nil, leverage: Int = 100) -> NewTradingAccount {
        NewTradingAccount(login: login.map(TradingLogin.init), group: group, leverage: leverage, name: "Ana Trader", email: "ana@example.test",
                          country: "Spain", mainPassword: "Main#Pass1", investorPassword: "Invest#Pass2", requestID: requestID)
    }

    static func usd(_ text: String) -> PlatformAmount {
        PlatformAmount(units: (try? FixedPoint.parse(text, scale: 8)) ?? 0)
    }
}

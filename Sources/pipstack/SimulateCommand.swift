import ArgumentParser
import BrokerCore
import Foundation
import MT5Simulator
import Platform

/// Trade server simulators that speak the real wire protocols, for the demo, the
/// tests and benchmarks.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "Run a simulated trade server.",
                                                    subcommands: [SimulateMT5.self])
}

struct SimulateMT5: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mt5",
        abstract: "A simulated MT5 server: the MT5 Web API, a live market and simulated traders.",
        discussion: """
        Groups real\\standard, real\\ecn, real\\cent (USC), real\\islamic and demo\\standard exist from the start. \
        Every funded account trades. The same --seed gives the same market. Fault options inject latency, \
        dropped connections, 500 answers and session expiry.
        """)

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 0
    @Option(help: "Manager login.") var manager: UInt64 = 1_000
    @Option(help: "Manager password.") var password: String
    @Option(help: "Seed of the market and the traders.") var seed: UInt64 = 1
    @Flag(help: "Serve HTTPS with a certificate made at start (written next to --certificate-out).") var tls = false
    @Option(name: .customLong("certificate-out"), help: "Where to write the TLS certificate (PEM) for clients to trust.") var certificateOut: String?
    @Option(name: .customLong("deals-per-second"), help: "Trade deals per second across funded accounts.") var dealsPerSecond: Double = 2
    @Option(help: "Funded trader accounts to create at start (real\\standard, 10,000 USD each).") var accounts = 0
    @Option(name: .customLong("clock-skew-seconds"), help: "Offset of the server clock from this host's.") var clockSkewSeconds: Int64 = 0
    @Option(name: .customLong("latency-ms"), help: "Delay added to every answer.") var latencyMs = 0
    @Option(name: .customLong("drop-rate"), help: "Share of requests (0-1) whose connection is dropped.") var dropRate = 0.0
    @Option(name: .customLong("error-rate"), help: "Share of requests (0-1) answered 500.") var errorRate = 0.0
    @Option(name: .customLong("session-ttl-ms"), help: "Sessions expire this long after login.") var sessionTTLMs: Int?
    @Option(name: .customLong("corrupt-rate"), help: "Share of answers (0-1) replaced by invalid JSON.") var corruptRate = 0.0
    @Flag(name: .long, help: "Answer the handshake like an impostor that does not know the manager password (clients must refuse it).") var impostor = false

    func validate() throws {
        guard (0...1).contains(dropRate), (0...1).contains(errorRate), (0...1).contains(corruptRate) else { throw ValidationError("rates are between 0 and 1") }
        guard dealsPerSecond >= 0, latencyMs >= 0, accounts >= 0 else { throw ValidationError("negative values make no sense here") }
    }

    func run() async throws {
        let server = try await MT5SimulatorServer.start(.init(
            host: host, port: port, managerLogin: manager, password: password, seed: seed, tls: tls,
            dealsPerSecond: dealsPerSecond, clockSkewSeconds: clockSkewSeconds,
            faults: SimulatorFaults(latencyMilliseconds: latencyMs, dropRate: dropRate, errorRate: errorRate, sessionTTLMilliseconds: sessionTTLMs,
                                     corruptRate: corruptRate, impostor: impostor)))
        let logins = try server.createFundedAccounts(accounts)
        if let certificate = server.certificatePEM, let certificateOut {
            try certificate.write(toFile: certificateOut, atomically: true, encoding: .utf8)
        }
        print("MT5 simulator listening on \(tls ? "https" : "http")://\(host):\(server.port) (manager \(manager), seed \(seed))")
        if !logins.isEmpty { print("funded accounts: \(logins.first.map(String.init) ?? "")...\(logins.last.map(String.init) ?? "")") }
        fflush(nil)
        await Runtime.waitForTermination()
        await server.stop()
    }
}

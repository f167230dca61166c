import App
import ArgumentParser
import BrokerCore
import Foundation
import Identity
import Logging
import Platform
import ServiceLifecycle
import Trading
import WebKit

/// The back office and the partner portal under load on realistic data: seeds a
/// scratch database through the slices' published interfaces (clients, their trading
/// accounts, deals over the last 30 days, a partner with referred clients and their
/// commissions), serves it over loopback HTTP, and times the pages staff and partners
/// open most from many signed-in sessions at once.
struct PagesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pages", abstract: "Page latency (p50, p99) under concurrent sessions on seeded data.")

    @Option(help: "Clients, each with one trading account.") var clients = 100_000
    @Option(help: "Deals over the last 30 days.") var deals = 10_000_000
    @Option(help: "Clients referred by the benchmark's partner.") var referred = 2_000
    @Option(help: "Concurrent signed-in sessions.") var sessions = 32
    @Option(help: "Requests per page (p99 is the 1%-worst of them).") var requests = 1_000
    @Option(help: "Loopback port for the server.") var port = 18_491
    @Flag(help: "Print JSON only.") var json = false
    @Option(name: .customLong("page"), help: "Time only this page (repeatable): clients_list, clients_search, clients_page_2, client_profile, admin_home, partner_home.")
    var onlyPages: [String] = []
    @Flag(help: "Keep the database (with --database-url) and reuse it when it was seeded before.") var keep = false
    @OptionGroup var storage: StorageOptions

    /// A kept database holds secrets sealed with this key, so that the next run can open them.
    static let keptSecretKey = "bench-pages-kept-database-secret-key"

    func run() async throws {
        var logger = Runtime.logger()
        logger.logLevel = ProcessInfo.processInfo.environment["PIPSTACK_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        let (url, scratch) = try BenchDatabase.resolve(storage, file: "pages.sqlite")
        if keep && scratch != nil { throw ValidationError("--keep needs --database-url") }
        defer { BenchDatabase.remove(scratch) }
        let db = try await Runtime.openMigrated(url, logger: logger)
        let clock = SystemClock()
        let brands = try await DefaultBrand.ensure(db, clock: clock, name: "Bench Markets")
        let settings = WebSettings(secureCookies: false, twoFactorRoles: [], demo: true, publicURL: "http://127.0.0.1:\(port)", bcryptCost: 4)
        let services = try AppServices(db: db, clock: clock, secretKey: keep ? Self.keptSecretKey : "bench-" + Tokens.random(bytes: 24), brands: brands, settings: settings, logger: logger)

        let wall = ContinuousClock()
        let seedStarted = wall.now
        // Progress goes to standard error, so that standard output is the JSON alone.
        let report: @Sendable (String) -> Void = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let progress = json ? nil : report
        let kept = keep ? try await PagesBenchData.reuse(services: services, clients: clients) : nil
        let seeded: PagesBenchData.Seeded
        if let kept {
            seeded = kept
        } else {
            seeded = try await PagesBenchData.seed(services: services, brand: brands[0].id, clients: clients, deals: deals, referred: referred,
                                                   progress: progress)
        }
        let seedSeconds = (wall.now - seedStarted).seconds

        // Stopping the server by cancellation makes it log its own shutdown as errors; they mean nothing here.
        var quiet = logger
        quiet.logLevel = ProcessInfo.processInfo.environment["PIPSTACK_BENCH_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let app = try PipstackWeb.application(services: services, host: "127.0.0.1", port: port, logger: quiet)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        try await onOwnThread { try LoopbackHTTPConnection.waitUntilUp(port: port) }

        // Each session is a signed-in person: half staff in the back office, half partners in the portal.
        var cookies: [(admin: String, partner: String)] = []
        for _ in 0..<sessions {
            let admin = try await services.sessions.create(user: seeded.admin, surface: Surface.admin.rawValue, secondFactorOK: true,
                                                           ip: "127.0.0.1", userAgent: "pipstack-bench", audit: .system)
            let partner = try await services.sessions.create(user: seeded.partner, surface: Surface.partners.rawValue, secondFactorOK: true,
                                                             ip: "127.0.0.1", userAgent: "pipstack-bench", audit: .system)
            cookies.append(("\(Surface.admin.cookieName)=\(admin.token)", "\(Surface.partners.cookieName)=\(partner.token)"))
        }
        // The second page of the client list, as its own "older" link gives it.
        let firstCookie = cookies[0].admin
        let first = try await onOwnThread { try LoopbackHTTPConnection(port: port).get("/admin/clients", cookie: firstCookie) }
        guard let range = first.body.range(of: #"after=[0-9]+_[A-Za-z0-9_]+"#, options: .regularExpression) else {
            throw ValidationError("the client list has no second page")
        }
        let secondPage = "/admin/clients?" + first.body[range]

        let everyPage: [(name: String, path: @Sendable (inout SeededRandom) -> String, partner: Bool)] = [
            ("clients_list", { _ in "/admin/clients" }, false),
            ("clients_search", { random in "/admin/clients?q=client\(random.next(below: clients))%40" }, false),
            ("clients_page_2", { _ in secondPage }, false),
            ("client_profile", { random in "/admin/clients/\(seeded.sample[random.next(below: seeded.sample.count)])" }, false),
            ("admin_home", { _ in "/admin" }, false),
            ("partner_home", { _ in "/partners" }, true),
        ]
        let pages = onlyPages.isEmpty ? everyPage : everyPage.filter { onlyPages.contains($0.name) }
        guard !pages.isEmpty else { throw ValidationError("no such page: \(onlyPages.joined(separator: ", "))") }
        // Warm-up: every page once, so that templates and caches are as a running server has them.
        let warmCookies = cookies[0]
        try await onOwnThread {
            let connection = try LoopbackHTTPConnection(port: port)
            for page in pages {
                var random = SeededRandom(seed: 1)
                _ = try connection.get(page.path(&random), cookie: page.partner ? warmCookies.partner : warmCookies.admin)
            }
        }
        let perSession = max(1, requests * pages.count / sessions)
        let signedIn = cookies
        let timings = try await withThrowingTaskGroup(of: [String: [Double]].self) { group in
            for session in 0..<sessions {
                group.addTask {
                    try await onOwnThread {
                        let connection = try LoopbackHTTPConnection(port: port)
                        var random = SeededRandom(seed: UInt64(session + 7))
                        var times: [String: [Double]] = [:]
                        for request in 0..<perSession {
                            let page = pages[(request + session) % pages.count]
                            let path = page.path(&random)
                            let started = ContinuousClock.now
                            let response = try connection.get(path, cookie: page.partner ? signedIn[session].partner : signedIn[session].admin)
                            let millis = (ContinuousClock.now - started).seconds * 1_000
                            guard response.status == 200 else { throw ValidationError("\(path) answered \(response.status)") }
                            times[page.name, default: []].append(millis)
                        }
                        return times
                    }
                }
            }
            var all: [String: [Double]] = [:]
            for try await times in group { all.merge(times) { $0 + $1 } }
            return all
        }
        server.cancel()
        _ = await server.result
        await db.close()

        var figures: [String: Any] = [:]
        for (name, times) in timings {
            let sorted = times.sorted()
            figures[name] = ["p50_ms": Latency.percentile(sorted, 0.5), "p99_ms": Latency.percentile(sorted, 0.99), "requests": sorted.count]
        }
        let result: [String: Any] = [
            "pages": figures, "clients": clients, "deals": deals, "referred": referred, "sessions": sessions,
            "seed_seconds": (seedSeconds * 10).rounded() / 10, "commission_lines": seeded.lines, "database": db.dialect.rawValue,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys]), as: UTF8.self))
    }
}

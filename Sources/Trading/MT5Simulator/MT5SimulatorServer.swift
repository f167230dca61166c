import BrokerCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOFoundationCompat
import SelfSignedTLS
import Synchronization

/// Failures the simulator injects, to prove the client survives them.
public struct SimulatorFaults: Sendable, Equatable, Codable {
    /// Added to every answer.
    public var latencyMilliseconds: Int
    /// Share of requests (0...1) whose connection is closed instead of answered;
    /// half of them after the request took effect.
    public var dropRate: Double
    /// Share of requests answered 500; half of them after the request took effect.
    public var errorRate: Double
    /// Sessions expire this long after login (the next call gets 403).
    public var sessionTTLMilliseconds: Int?
    /// Share of answers (0...1) replaced by a body that is not valid JSON.
    public var corruptRate: Double
    /// Plays an impostor that does not know the manager password: it accepts any
    /// handshake answer and answers the client's challenge with random bytes.
    public var impostor: Bool

    public init(latencyMilliseconds: Int = 0, dropRate: Double = 0, errorRate: Double = 0, sessionTTLMilliseconds: Int? = nil,
                corruptRate: Double = 0, impostor: Bool = false) {
        self.latencyMilliseconds = latencyMilliseconds
        self.dropRate = dropRate
        self.errorRate = errorRate
        self.sessionTTLMilliseconds = sessionTTLMilliseconds
        self.corruptRate = corruptRate
        self.impostor = impostor
    }

    public static let none = SimulatorFaults()
}

/// A simulated MT5 trade server: the MT5 Web API over HTTP or HTTPS on one port,
/// a live random-walk market, and traders who open and close positions on every
/// funded account. The same seed gives the same market and the same trading.
public final class MT5SimulatorServer: Sendable {
    public struct Options: Sendable {
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        public var managerLogin: UInt64
        public var password: String
        public var seed: UInt64
        public var tls: Bool
        /// Trade deals made per second across all funded accounts.
        public var dealsPerSecond: Double
        /// The server clock's offset from the host's.
        public var clockSkewSeconds: Int64
        public var faults: SimulatorFaults
        /// The first deal ticket; by default derived from the seed. A simulator that
        /// restarts (it keeps nothing) must start above the tickets it issued before.
        public var firstTicket: UInt64?

        public init(host: String = "127.0.0.1", port: Int = 0, managerLogin: UInt64 = 1_000, password: String, seed: UInt64 = 1,
                    tls: Bool = false, dealsPerSecond: Double = 2, clockSkewSeconds: Int64 = 0, faults: SimulatorFaults = .none,
                    firstTicket: UInt64? = nil) {
            self.firstTicket = firstTicket
            self.host = host
            self.port = port
            self.managerLogin = managerLogin
            self.password = password
            self.seed = seed
            self.tls = tls
            self.dealsPerSecond = dealsPerSecond
            self.clockSkewSeconds = clockSkewSeconds
            self.faults = faults
        }
    }

    public let port: Int
    /// The certificate the server presents under `tls`, for clients to trust.
    public let certificatePEM: String?
    let book: TradeServerBook
    private let channel: any Channel
    private let faults: Mutex<(SimulatorFaults, SeededRandom)>
    private let trading: Mutex<Task<Void, Never>?>
    private let rate: Mutex<Double>

    private init(port: Int, certificatePEM: String?, book: TradeServerBook, channel: any Channel, options: Options) {
        self.port = port
        self.certificatePEM = certificatePEM
        self.book = book
        self.channel = channel
        faults = Mutex((options.faults, SeededRandom(seed: options.seed ^ 0xFA17)))
        trading = Mutex(nil)
        rate = Mutex(options.dealsPerSecond)
    }

    public static func start(_ options: Options) async throws -> MT5SimulatorServer {
        let book = TradeServerBook(seed: options.seed, clockSkewSeconds: options.clockSkewSeconds, firstTicket: options.firstTicket)
        let api = SimulatorAPI(book: book, managerLogin: options.managerLogin, password: options.password)
        let certificate = options.tls ? try SelfSignedCertificate.make(hosts: ["localhost", options.host]) : nil
        let tls = try certificate.map { try NIOSSLContext(configuration: try $0.serverConfiguration()) }
        let box = FaultsBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHTTPHandler(api: api, faults: box))
                }
            }
            .bind(host: options.host, port: options.port).get()
        guard let port = channel.localAddress?.port else { throw SimulatorRefusal(code: 2, text: "no port") }
        let server = MT5SimulatorServer(port: port, certificatePEM: certificate?.certificatePEM, book: book, channel: channel, options: options)
        box.server.withLock { $0 = server }
        server.startTrading()
        return server
    }

    /// Changes the injected faults from now on.
    public func setFaults(_ faults: SimulatorFaults) {
        self.faults.withLock { $0.0 = faults }
    }

    public func setDealsPerSecond(_ value: Double) { rate.withLock { $0 = max(0, value) } }

    /// Makes `count` trade deals now; returns how many were made.
    @discardableResult
    public func trade(deals count: Int) -> Int { book.trade(count: count) }

    public var dealCount: Int { book.dealCount }

    /// Creates `count` accounts in `group`, each funded with `balance` (whole units
    /// of the group currency), so the simulated traders have something to trade
    /// with; returns their logins.
    public func createFundedAccounts(_ count: Int, group: String = "real\\standard", balance: Int64 = 10_000) throws -> [UInt64] {
        try (0..<count).map { index in
            let account = try book.addUser(.init(login: 0, group: group, name: "Simulated trader \(index + 1)", email: "",
                                                 country: "", leverage: 100, mainPassword: "Sim#Pass\(index % 10)a",
                                                 investorPassword: "Sim#Inv\(index % 10)b", comment: "simulated"))
            _ = try book.balance(login: account.login, type: 2, amount: balance * 100_000_000, comment: "simulated funding", checkMargin: false)
            return account.login
        }
    }

    /// Recreates an account a previous run held (the simulator keeps no state
    /// across restarts), with the same login, group and request id, unfunded.
    public func restoreAccount(login: UInt64, group: String, leverage: Int, name: String, requestID: String) throws {
        _ = try book.addUser(.init(login: login, group: group, name: name, email: "", country: "", leverage: leverage,
                                   mainPassword: "Restored#1a", investorPassword: "Restored#2b", comment: requestID))
    }

    /// Deletes a deal, as a dealer can in the MT5 Manager: it disappears from every answer.
    @discardableResult
    public func deleteDeal(ticket: UInt64) -> Bool { book.deleteDeal(ticket: ticket) }

    /// The simulator's own record of an account's deals, for tests that check
    /// exactly-once against the server's truth.
    public func deals(login: TradingLogin) -> [TradeDeal] {
        book.deals(logins: [login.value], groupMask: nil, from: 0, to: 4_102_444_800)
    }

    public func stop() async {
        trading.withLock { $0?.cancel() }
        try? await channel.close()
    }

    private func startTrading() {
        let task = Task { [book, weak self] in
            var owed = 0.0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                guard let perSecond = self?.rate.withLock({ $0 }) else { return }
                owed += perSecond / 10
                let count = Int(owed)
                if count > 0 {
                    owed -= Double(count)
                    book.trade(count: count)
                } else if perSecond > 0 {
                    book.trade(count: 0)   // prices move between trades; a still market stays still (and replayable)
                }
            }
        }
        trading.withLock { $0 = task }
    }

    /// Decides the fate of one request under the current faults.
    func fate() -> RequestFate {
        faults.withLock { state in
            let (faults, _) = state
            var random = state.1
            let drop = faults.dropRate > 0 && Double.random(in: 0..<1, using: &random) < faults.dropRate
            let error = !drop && faults.errorRate > 0 && Double.random(in: 0..<1, using: &random) < faults.errorRate
            let after = Bool.random(using: &random)
            let corrupt = faults.corruptRate > 0 && Double.random(in: 0..<1, using: &random) < faults.corruptRate
            state.1 = random
            return RequestFate(delay: faults.latencyMilliseconds, drop: drop, error: error, afterEffect: after,
                               ttl: faults.sessionTTLMilliseconds.map { .milliseconds($0) }, corrupt: corrupt, impostor: faults.impostor)
        }
    }
}

/// What happens to one request under the injected faults.
struct RequestFate {
    var delay = 0
    var drop = false
    var error = false
    /// The request takes effect before the drop or the error.
    var afterEffect = false
    var ttl: Duration?
    /// The answer's body is replaced by one that is not JSON.
    var corrupt = false
    /// The handshake is answered without knowing the password.
    var impostor = false
}

/// Lets connection handlers reach the server (and its faults) once it exists.
final class FaultsBox: Sendable {
    let server = Mutex<MT5SimulatorServer?>(nil)
}

/// One connection: its own MT5 session, requests answered in order.
final class SimulatorHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let api: SimulatorAPI
    private let faults: FaultsBox
    private let session = SimulatorSession()
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    static let maxBody = 1 << 20

    init(api: SimulatorAPI, faults: FaultsBox) {
        self.api = api
        self.faults = faults
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(request):
            head = request
            body.clear()
        case var .body(chunk):
            guard body.readableBytes + chunk.readableBytes <= Self.maxBody else {
                context.close(promise: nil)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let fate = faults.server.withLock { $0 }?.fate() ?? RequestFate()
        let components = URLComponents(string: head.uri)
        let path = components?.path ?? head.uri
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name.lowercased()] = item.value ?? "" }
        let isAuth = path.hasPrefix("/api/auth/")
        // Faults spare the handshake, so that they test recovery rather than lock the client out.
        let injected = !isAuth && (fate.drop || fate.error)
        var answer: SimulatorAPI.Answer?
        if !injected || fate.afterEffect {
            answer = api.handle(method: head.method.rawValue, path: path, query: query, body: Data(buffer: body), session: session,
                                sessionTTL: fate.ttl, impostor: fate.impostor)
        }
        if injected && fate.drop {
            context.close(promise: nil)
            return
        }
        let status: HTTPResponseStatus
        let payload: Data
        if injected && fate.error {
            status = .internalServerError
            payload = Data("{\"retcode\":\"2 Internal error\"}".utf8)
        } else {
            let resolved = answer ?? SimulatorAPI.Answer(body: SimulatorWire.answer(2, "Error"))
            status = HTTPResponseStatus(statusCode: resolved.status)
            payload = fate.corrupt && !isAuth ? Data("{\"retcode\":\"0 Done\",\"answer\":[{\"Deal\":".utf8) : resolved.body
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(payload.count))
        headers.add(name: "Connection", value: "keep-alive")
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        let buffer = context.channel.allocator.buffer(bytes: payload)
        let write = {
            context.write(self.wrapOutboundOut(.head(response)), promise: nil)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
        }
        if fate.delay > 0 {
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(fate.delay))) { write() }
        } else {
            write()
        }
    }
}

import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Platform

/// An HTTP answer as the client reads it.
struct MT5HTTPResponse: Sendable {
    var status: HTTPResponseStatus
    var body: ByteBuffer
}

/// Where the trade server is and how to reach it.
public struct MT5Endpoint: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var useTLS: Bool
    /// Accept a certificate that no trusted root signed (MT5 access servers often
    /// have self-signed ones). Off unless configured; `trustedCertificatePEM` is
    /// the better way when the certificate is known.
    public var allowSelfSigned: Bool
    public var trustedCertificatePEM: String?

    public init(host: String, port: Int, useTLS: Bool = true, allowSelfSigned: Bool = false, trustedCertificatePEM: String? = nil) {
        self.host = host
        self.port = port
        self.useTLS = useTLS
        self.allowSelfSigned = allowSelfSigned
        self.trustedCertificatePEM = trustedCertificatePEM
    }
}

/// One keep-alive HTTP/1.1 connection to the trade server. MT5 ties the
/// authenticated session to the TCP connection, so requests go one at a time
/// over this one channel; the owner serialises them and reconnects when it drops.
final class MT5HTTPConnection: Sendable {
    let channel: any Channel
    static let maxBodyBytes = 64 * 1024 * 1024

    private init(channel: any Channel) { self.channel = channel }

    static func connect(_ endpoint: MT5Endpoint, timeout: TimeAmount) async throws -> MT5HTTPConnection {
        let tls: NIOSSLContext? = try endpoint.useTLS ? makeTLSContext(endpoint) : nil
        let serverName = endpoint.host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : endpoint.host
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(MT5HTTPHandler(maxBodyBytes: maxBodyBytes))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port).get()
            return MT5HTTPConnection(channel: channel)
        } catch {
            throw TradingPlatformError.unavailable("cannot connect to \(endpoint.host):\(endpoint.port): \(error)")
        }
    }

    private static func makeTLSContext(_ endpoint: MT5Endpoint) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let pem = endpoint.trustedCertificatePEM {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
        } else if endpoint.allowSelfSigned {
            configuration.certificateVerification = .none
        }
        return try NIOSSLContext(configuration: configuration)
    }

    var isActive: Bool { channel.isActive }

    /// Sends one request and waits for its answer. A timeout closes the connection:
    /// what the server did with the request is then unknown.
    func send(method: HTTPMethod, uri: String, body: ByteBuffer?, timeout: TimeAmount) async throws -> MT5HTTPResponse {
        let promise = channel.eventLoop.makePromise(of: MT5HTTPResponse.self)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        head.headers.add(name: "Host", value: "mt5")
        head.headers.add(name: "Connection", value: "keep-alive")
        head.headers.add(name: "User-Agent", value: "Pipstack")
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.readableBytes))
        }
        let channel = channel
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(TradingPlatformError.unavailable("no answer within \(timeout.nanoseconds / 1_000_000) ms to \(uri.prefix(60))"))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(MT5HTTPHandler.Request(head: head, body: body, promise: promise), promise: nil)
        defer { timer.cancel() }
        return try await promise.futureResult.get()
    }

    func close() async {
        try? await channel.close()
    }
}

/// Matches each request with the next answer on the connection (HTTP/1.1 without
/// pipelining: one at a time) and fails it if the connection goes away first.
final class MT5HTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Request
    typealias OutboundOut = HTTPClientRequestPart

    struct Request {
        var head: HTTPRequestHead
        var body: ByteBuffer?
        var promise: EventLoopPromise<MT5HTTPResponse>
    }

    private let maxBodyBytes: Int
    private var pending: EventLoopPromise<MT5HTTPResponse>?
    private var status: HTTPResponseStatus = .ok
    private var body = ByteBuffer()
    private var closeAfterResponse = false

    init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        guard pending == nil else {
            request.promise.fail(TradingPlatformError.invalidRequest("one request at a time on an MT5 connection"))
            return
        }
        pending = request.promise
        body.clear()
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let payload = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(head):
            status = head.status
            closeAfterResponse = !head.isKeepAlive
        case var .body(chunk):
            guard body.readableBytes + chunk.readableBytes <= maxBodyBytes else {
                fail(TradingPlatformError.answerTooLarge(bytes: maxBodyBytes), context: context)
                return
            }
            body.writeBuffer(&chunk)
        case .end:
            let response = MT5HTTPResponse(status: status, body: body)
            body = ByteBuffer()
            let promise = pending
            pending = nil
            promise?.succeed(response)
            if closeAfterResponse { context.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(TradingPlatformError.unavailable("connection closed by the trade server"), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(TradingPlatformError.unavailable("connection error: \(error)"), context: context)
    }

    private func fail(_ error: TradingPlatformError, context: ChannelHandlerContext) {
        let promise = pending
        pending = nil
        promise?.fail(error)
        context.close(promise: nil)
    }
}

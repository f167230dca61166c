import Foundation
import Hummingbird
import SQLKit
import Platform

/// Liveness, readiness, Prometheus metrics and the stylesheet.
public struct HealthRoutes: WebSlice {
    package let services: WebServices

    public init(services: WebServices) { self.services = services }

    public static let permissions: [RoutePermission] = [
        .init(.get, "/healthz", RoutePermission.everyone),
        .init(.get, "/readyz", RoutePermission.everyone),
        .init(.get, "/metrics", RoutePermission.everyone),
        .init(.get, "/assets/:file", RoutePermission.everyone),
    ]

    public func register(_ routes: SecuredRoutes) {
        routes.get("/healthz") { _, _ in Self.text("ok\n") }
        routes.get("/readyz") { _, _ in
            do {
                try await self.services.db.read { try await $0.raw("SELECT 1 AS one").run() }
                // A pipeline stopped on a broken invariant makes the instance not ready until a person restarts it.
                let stopped = await self.services.health.stopped
                guard stopped.isEmpty else {
                    let lines = stopped.map { "pipeline stopped: \($0.pipeline): \($0.reason)\n" }.joined()
                    return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                                    body: .init(byteBuffer: ByteBuffer(string: lines)))
                }
                return Self.text("ready\n")
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "database unreachable\n")))
            }
        }
        routes.get("/metrics") { request, _ in
            switch self.services.settings.metrics {
            case .open: break
            case .off: throw UserFacingError(.notFound, "no such page")
            case let .token(token):
                // Compared in constant time: the token is a secret.
                let sent = (request.headers[.authorization] ?? "").split(separator: " ", maxSplits: 1)
                guard sent.count == 2, sent[0] == "Bearer", Tokens.constantTimeEquals(String(sent[1]), token) else {
                    throw UserFacingError(.unauthorized, "send the metrics token as Authorization: Bearer <token>")
                }
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: self.services.metrics.emitToBuffer())))
        }
        let css = (try? Data(contentsOf: WebResources.assets.appendingPathComponent("app.css"))) ?? Data()
        routes.get("/assets/:file") { _, context in
            guard context.parameters.get("file") == "app.css" else { throw UserFacingError(.notFound, "no such asset") }
            return Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: css)))
        }
    }

    package static func text(_ body: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

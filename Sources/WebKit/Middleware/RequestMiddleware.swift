import BrokerCore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging
import NIOCore
import Platform

extension HTTPField.Name {
    package static let requestID = Self("X-Request-Id")!
    package static let csrfToken = Self("X-CSRF-Token")!
    package static let idempotencyKey = Self("Idempotency-Key")!
}

/// Outermost middleware: gives each request an id, logs it, counts it, adds the
/// security headers, and turns every error into a clear 4xx (or a logged 5xx)
/// page or JSON body. Nothing a client sends can crash the server.
package struct RequestMiddleware: RouterMiddleware {
    package typealias Context = AppContext
    package let services: WebServices
    package let renderer: PageRenderer

    package init(services: WebServices, renderer: PageRenderer) {
        self.services = services
        self.renderer = renderer
    }

    package func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        let incoming = request.headers[.requestID] ?? ""
        context.requestID = incoming.count <= 64 && !incoming.isEmpty && incoming.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            ? incoming : Tokens.random(bytes: 8)
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        context.path = request.uri.path
        context.brand = await services.brands.directory().brand(forHost: request.head.authority)
        context.language = Self.language(request, brand: context.brand)
        if let requested = request.uri.queryParameters.get("lang"), context.brand?.language(for: requested).rawValue == requested {
            context.languageCookie = requested
        }
        let started = services.clock.nowMicros()
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            // A route that exists under other methods answers 405 with Allow, not 404.
            let methods = renderer.table.methods(forPath: request.uri.path)
            let allowed = methods.map(\.rawValue).joined(separator: ", ")
            if methods.isEmpty || methods.contains(request.method) {
                response = errorResponse(error, request: request, context: context)
            } else {
                response = errorResponse(HTTPError(.methodNotAllowed, message: "method not allowed on this route; allowed: \(allowed)"),
                                         request: request, context: context)
                response.headers[.allow] = allowed
            }
        } catch {
            response = errorResponse(error, request: request, context: context)
        }
        response.headers[.requestID] = context.requestID
        response.headers[.init("X-Content-Type-Options")!] = "nosniff"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Referrer-Policy")!] = "same-origin"
        response.headers[.init("Content-Security-Policy")!] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        if services.settings.hsts { response.headers[.init("Strict-Transport-Security")!] = "max-age=31536000; includeSubDomains" }
        if let language = context.languageCookie {
            response.setCookie(Cookie(name: "ps_lang", value: language, maxAge: 31_536_000, path: "/", secure: services.settings.secureCookies, httpOnly: true, sameSite: .lax))
        }
        let micros = services.clock.nowMicros() - started
        let status = response.status.code
        services.metrics.makeCounter(name: "pipstack_http_requests_total", labels: [("status", "\(status / 100)xx")]).increment()
        services.metrics.makeDurationHistogram(name: "pipstack_http_request_duration_seconds", labels: [],
                                               buckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2)])
            .recordNanoseconds(micros * 1_000)
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(status)",
            "micros": "\(micros)", "ip": "\(context.clientIP)",
        ])
        return response
    }

    /// `?lang=` first, then the language cookie, then Accept-Language, then the brand's default.
    package static func language(_ request: Request, brand: Brand?) -> Language {
        let offered = brand?.languages ?? Language.allCases
        let candidates = [request.uri.queryParameters.get("lang").map { String($0) }, request.cookies["ps_lang"]?.value]
            + (request.headers[.acceptLanguage] ?? "").split(separator: ",").map { String(String($0).trimmingCharacters(in: .whitespaces).prefix(2)).lowercased() }
        for candidate in candidates {
            if let candidate, let language = Language(rawValue: candidate), offered.contains(language) { return language }
        }
        return brand?.defaultLanguage ?? .en
    }

    package func errorResponse(_ error: any Error, request: Request, context: AppContext) -> Response {
        let (status, message) = Self.classify(error)
        if status.code >= 500 {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
        } else {
            context.logger.notice("request refused", metadata: ["status": "\(status.code)", "reason": "\(message)", "path": "\(request.uri.path)"])
        }
        let shown = status.code >= 500 ? "\(services.localization.text("server_error", context.language)) (\(context.requestID))" : message
        if request.uri.path.hasPrefix("/api/") || !(request.headers[.accept] ?? "text/html").contains("html") && request.method != .get {
            let body = "{\"error\":{\"status\":\(status.code),\"message\":\(JSONText.quote(shown)),\"request_id\":\(JSONText.quote(context.requestID))}}"
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let titleKey = switch status.code {
        case 403: "forbidden_title"
        case 404: "not_found_title"
        case 500...: "server_error_title"
        default: "bad_request_title"
        }
        return renderer.render("message", title: services.localization.text(titleKey, context.language),
                               surface: Surface.of(path: request.uri.path), context: context, status: status,
                               data: ["message": status == .notFound ? services.localization.text("not_found", context.language) : shown])
    }

    /// Maps errors to a status and a message a person can act on.
    package static func classify(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as UserFacingError: return (error.status, error.message)
        case let error as HTTPError:
            let fallback: String = switch error.status {
            case .notFound: "no such route"
            case .contentTooLarge: "the request body is too large"
            case .methodNotAllowed: "method not allowed on this route"
            default: error.status.reasonPhrase
            }
            return (error.status, error.body ?? fallback)
        case is NIOTooManyBytesError: return (.contentTooLarge, "the request body is too large")
        case let error as IdentityError:
            if case .notFound = error { return (.notFound, error.description) }
            return (.badRequest, error.description)
        case let error as any RejectsInput: return (.unprocessableContent, error.description)
        case let error as DecodingError: return (.badRequest, "the body is not valid for this route: \(Self.describe(error))")
        case let error as StorageError:
            switch error {
            case .notFound: return (.notFound, error.description)
            default: return (.internalServerError, "storage failure")
            }
        default: return (.internalServerError, "internal error")
        }
    }

    package static func describe(_ error: DecodingError) -> String {
        switch error {
        case let .keyNotFound(key, _): "missing field \(key.stringValue)"
        case let .typeMismatch(_, context), let .valueNotFound(_, context): "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case let .dataCorrupted(context): context.codingPath.isEmpty ? "malformed JSON" : "invalid value at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default: "malformed body"
        }
    }
}

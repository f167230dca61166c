import BrokerCore
import Foundation
import Hummingbird
import Identity
import Logging
import Money
import Clients
import Platform
import WebKit

/// `/api/v1/client-events`: how payment providers and KYC vendors (or the systems
/// in front of them) tell Pipstack what happened to a client outside trading, for
/// the partner rules that depend on it (CPA). Exactly once per (source, id).
struct ClientEventAPIRoutes {
    let services: ClientsWebServices

    func register(_ routes: SecuredRoutes) {
        routes.post("/api/v1/client-events") { request, context in
            try API.require(.clientsWrite, context)
            return try await self.record(request, context)
        }
        routes.get("/api/v1/clients/:id/events") { _, context in
            try API.require(.read, context)
            let id = try context.parameters.require("id")
            return try API.json(["events": try await services.clientEvents.events(of: UserID(id)).map(ClientEventJSON.init)])
        }
    }

    /// 201 when recorded, 200 when the same event came before, 409 when its id came
    /// with other content, 400 naming the field otherwise.
    func record(_ request: Request, _ context: AppContext) async throws -> Response {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/json") else {
            throw UserFacingError(.unsupportedMediaType, "send the event as application/json")
        }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let input: ClientEventRequestJSON
        do { input = try JSONDecoder().decode(ClientEventRequestJSON.self, from: Data(buffer: body)) } catch {
            throw UserFacingError(.badRequest, "body: expected {source, id, client_id, kind, occurred_at, amount?, currency?, country?}")
        }
        guard let kind = ClientEventRecord.Kind(rawValue: input.kind) else {
            throw UserFacingError(.badRequest, "kind: one of \(ClientEventRecord.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try Self.checkShape(input)
        var amount: Int64 = 0
        if let text = input.amount {
            guard let currency = Currency(code: input.currency ?? "") else { throw UserFacingError(.unprocessableContent, "currency: an amount needs its currency") }
            do { amount = try Money(parsing: text, currency: currency).minorUnits } catch {
                throw UserFacingError(.unprocessableContent, "amount: a decimal in \(currency.code) with at most \(currency.exponent) decimals")
            }
        }
        let event = ClientEventRecord(source: input.source, externalID: input.id, userID: UserID(input.clientID), kind: kind, amount: amount,
                                      currency: input.currency ?? "", country: input.country ?? "", occurredAt: input.occurredAt)
        do {
            let outcome = try await services.clientEvents.record(event, audit: context.audit)
            var response = try API.json(ClientEventJSON(event))
            response.status = outcome == .recorded ? .created : .ok
            return response
        } catch let error as ClientEventError {
            context.logger.warning("client event refused", metadata: ["source": "\(input.source)", "id": "\(input.id)", "reason": "\(error)"])
            switch error {
            case .conflict: throw UserFacingError(.conflict, error.description)
            case .invalid: throw UserFacingError(.unprocessableContent, error.description)
            }
        }
    }

    /// The field shapes the OpenAPI document publishes; a body outside them is a 400.
    static func checkShape(_ input: ClientEventRequestJSON) throws {
        guard APIInput.isSource(input.source) else { throw UserFacingError(.badRequest, "source: 1 to 64 of a-z, 0-9, '-', '_' and '.'") }
        guard APIInput.isVisibleASCII(input.id, maximum: 128) else { throw UserFacingError(.badRequest, "id: 1 to 128 visible ASCII characters") }
        guard APIInput.isVisibleASCII(input.clientID, maximum: 128) else { throw UserFacingError(.badRequest, "client_id: 1 to 128 visible ASCII characters") }
        guard input.occurredAt > 0 else { throw UserFacingError(.badRequest, "occurred_at: microseconds since 1970, more than 0") }
        if let amount = input.amount, !APIInput.isDecimal(amount, signed: false) { throw UserFacingError(.badRequest, "amount: a decimal such as 150.00") }
        if let currency = input.currency, !APIInput.isCurrencyCode(currency) { throw UserFacingError(.badRequest, "currency: a known currency code") }
        if let country = input.country, !APIInput.isCountry(country) { throw UserFacingError(.badRequest, "country: a two-letter ISO 3166 code") }
    }
}

struct ClientEventRequestJSON: Decodable {
    let source: String
    let id: String
    let clientID: String
    let kind: String
    let occurredAt: Int64
    let amount: String?
    let currency: String?
    let country: String?

    enum CodingKeys: String, CodingKey {
        case source, id, clientID = "client_id", kind, occurredAt = "occurred_at", amount, currency, country
    }
}

struct ClientEventJSON: Encodable {
    let source, id, clientId, kind, amount, currency, country: String
    let occurredAt: Int64

    init(_ event: ClientEventRecord) {
        source = event.source
        id = event.externalID
        clientId = event.userID.rawValue
        kind = event.kind.rawValue
        amount = Currency(code: event.currency).map { Money(minorUnits: event.amount, currency: $0).decimalString } ?? ""
        currency = event.currency
        country = event.country
        occurredAt = event.occurredAt
    }
}

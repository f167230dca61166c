import BrokerCore
import Foundation
import Hummingbird
import Identity
import Money
import Trading
import Platform
import WebKit

/// `/api/v1/trading`: trading accounts, their deals, and balance operations,
/// which are exactly once per operation id (the `Idempotency-Key`).
struct TradingAPIRoutes {
    let services: WebServices
    let trading: TradingServices

    func register(_ routes: SecuredRoutes) {
        routes.get("/api/v1/trading/accounts") { request, context in
            try API.require(.read, context)
            let server = request.uri.queryParameters.get("server").map { String($0) }.flatMap { $0.isEmpty ? nil : ServerID($0) }
            let accounts = try await trading.accounts.list(serverID: server, limit: try API.limit(request))
            return try API.json(["accounts": accounts.map(AccountJSON.init)])
        }
        routes.get("/api/v1/trading/accounts/:server/:login/deals") { request, context in
            try API.require(.read, context)
            guard APIInput.isLogin(try context.parameters.require("login")) else {
                throw UserFacingError(.badRequest, "login: a positive number without leading zeros")
            }
            let (server, login) = try TradingAccountAdminRoutes.account(context)
            guard try await trading.accounts.account(serverID: server, login: login) != nil else {
                throw UserFacingError(.notFound, "no trading account \(server):\(login)")
            }
            let deals = try await trading.deals.deals(serverID: server, login: login, limit: try API.limit(request))
            return try API.json(["deals": deals.map(DealJSON.init)])
        }
        routes.post("/api/v1/trading/balance-operations") { request, context in
            try API.require(.tradingWrite, context)
            return try await self.requestOperation(request, context)
        }
        routes.get("/api/v1/trading/balance-operations/:id") { _, context in
            try API.require(.read, context)
            let id = try context.parameters.require("id")
            guard let operation = try await trading.operations.operation(id) else { throw UserFacingError(.notFound, "no balance operation \(id)") }
            return try API.json(OperationJSON(operation))
        }
    }

    /// Stores the operation for the dispatcher and answers 202; the same key and
    /// content again answers 200 with where it stands, other content 409.
    func requestOperation(_ request: Request, _ context: AppContext) async throws -> Response {
        guard (request.headers[.contentType] ?? "").hasPrefix("application/json") else {
            throw UserFacingError(.unsupportedMediaType, "send the operation as application/json")
        }
        guard let id = request.headers[.idempotencyKey] else {
            throw UserFacingError(.badRequest, "an Idempotency-Key header is required; it becomes the operation id")
        }
        guard APIInput.isOperationKey(id) else {
            throw UserFacingError(.badRequest, "Idempotency-Key: 1 to 28 of A-Z, a-z, 0-9, _ and -")
        }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let input: OperationRequestJSON
        do { input = try JSONDecoder().decode(OperationRequestJSON.self, from: Data(buffer: body)) } catch {
            throw UserFacingError(.badRequest, "body: expected {server_id, login, kind, amount, comment?}")
        }
        guard APIInput.isLogin(input.login), let login = TradingLogin(input.login) else {
            throw UserFacingError(.badRequest, "login: a positive number without leading zeros")
        }
        guard let kind = BalanceOperation.Kind(rawValue: input.kind) else {
            throw UserFacingError(.badRequest, "kind: one of \(BalanceOperation.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard APIInput.isDecimal(input.amount) else { throw UserFacingError(.badRequest, "amount: a decimal such as 250.00") }
        guard (input.comment ?? "").count <= 200 else { throw UserFacingError(.badRequest, "comment: at most 200 characters") }
        guard let account = try await trading.accounts.account(serverID: input.serverID, login: login), account.status == .active else {
            throw UserFacingError(.notFound, "no active trading account \(input.serverID):\(login)")
        }
        guard let currency = Currency(code: account.currency) else { throw UserFacingError(.unprocessableContent, "account currency \(account.currency) is unknown") }
        let amount: Money
        do { amount = try Money(parsing: input.amount, currency: currency) } catch {
            throw UserFacingError(.unprocessableContent, "amount: a decimal in \(currency.code) with at most \(currency.exponent) decimals")
        }
        let existing = try await trading.operations.operation(id)
        do {
            let operation = try await trading.operations.request(
                BalanceOperationRequest(id: id, serverID: input.serverID, login: login, kind: kind, amount: amount, walletOwner: account.userID,
                                        comment: input.comment ?? ""),
                for: account, audit: context.audit)
            var response = try API.json(OperationJSON(operation))
            response.status = existing == nil ? .accepted : .ok
            return response
        } catch let error as BalanceOperationError {
            switch error {
            case .idempotencyConflict: throw UserFacingError(.conflict, error.description)
            case .invalid: throw UserFacingError(.unprocessableContent, error.description)
            }
        }
    }
}

struct OperationRequestJSON: Decodable {
    let serverID: ServerID
    let login: String
    let kind: String
    let amount: String
    let comment: String?

    enum CodingKeys: String, CodingKey {
        case serverID = "server_id", login, kind, amount, comment
    }
}

struct OperationJSON: Encodable {
    let id, serverId, login, kind, amount, currency, status, dealTicket, lastError, requestedBy: String
    let createdAt, updatedAt: Int64

    init(_ operation: BalanceOperationRecord) {
        id = operation.id
        serverId = operation.serverID.rawValue
        login = "\(operation.login)"
        kind = operation.kind.rawValue
        let currency = Currency(code: operation.currency)
        amount = currency.map { Money(minorUnits: operation.amount, currency: $0).decimalString } ?? "\(operation.amount)"
        self.currency = operation.currency
        status = operation.status.rawValue
        dealTicket = operation.dealTicket == 0 ? "" : "\(operation.dealTicket)"
        lastError = operation.lastError
        requestedBy = operation.requestedBy
        createdAt = operation.createdAt
        updatedAt = operation.updatedAt
    }
}

struct AccountJSON: Encodable {
    let serverId, login, userId, accountType, group, currency, status: String
    let leverage: Int
    let tradingEnabled: Bool
    let createdAt: Int64

    init(_ record: TradingAccountRecord) {
        serverId = record.serverID.rawValue
        login = "\(record.login)"
        userId = record.userID
        accountType = record.accountTypeID
        group = record.group
        currency = record.currency
        status = record.status.rawValue
        leverage = record.leverage
        tradingEnabled = record.tradingEnabled
        createdAt = record.createdAt
    }
}

/// Amounts as decimal strings in the account's currency (exact), prices and volumes likewise.
struct DealJSON: Encodable {
    let ticket, login, order, positionId, action, entry, symbol, price, volumeLots, profit, commission, swap, fee, comment: String
    let time: Int64

    init(_ deal: TradeDeal) {
        ticket = "\(deal.ticket)"
        login = "\(deal.login)"
        order = "\(deal.order)"
        positionId = "\(deal.positionID)"
        action = "\(deal.action)"
        entry = "\(deal.entry)"
        symbol = deal.symbol
        price = deal.price.description
        volumeLots = TradingFormat.lotsText(deal.volume)
        profit = deal.profit.description
        commission = deal.commission.description
        swap = deal.swap.description
        fee = deal.fee.description
        comment = deal.comment
        time = deal.time
    }
}

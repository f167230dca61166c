import BrokerCore
import Crypto
import Foundation
import Money

/// One connection's login state: MT5 ties the session to the TCP connection.
final class SimulatorSession {
    var serverRandom: [UInt8]?
    var authenticatedAt: ContinuousClock.Instant?
}

/// The MT5 Web API endpoints the simulator serves, routed by path.
struct SimulatorAPI: Sendable {
    let book: TradeServerBook
    let managerLogin: UInt64
    let passwordHash: [UInt8]

    init(book: TradeServerBook, managerLogin: UInt64, password: String) {
        self.book = book
        self.managerLogin = managerLogin
        passwordHash = Self.hash(password)
    }

    /// `MD5(MD5(UTF-16LE(password)) ++ "WebAPI")`, written out here independently of the client.
    static func hash(_ password: String) -> [UInt8] {
        let utf16 = password.utf16.flatMap { [UInt8($0 & 0xff), UInt8($0 >> 8)] }
        return Array(Insecure.MD5.hash(data: Array(Insecure.MD5.hash(data: utf16)) + Array("WebAPI".utf8)))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    struct Answer {
        var status: Int = 200
        var body: Data
    }

    static let pageSize = 100

    func handle(method: String, path: String, query: [String: String], body: Data, session: SimulatorSession, sessionTTL: Duration?,
                impostor: Bool = false) -> Answer {
        switch path {
        case "/api/auth/start": return authStart(query, session)
        case "/api/auth/answer": return impostor ? impostorAnswer(session) : authAnswer(query, session)
        default: break
        }
        guard let since = session.authenticatedAt, sessionTTL.map({ ContinuousClock.now - since < $0 }) ?? true else {
            session.authenticatedAt = nil
            return Answer(status: 403, body: SimulatorWire.answer(8, "Not authorized"))
        }
        do {
            return Answer(body: try route(method: method, path: path, query: query, body: body))
        } catch {
            return Answer(body: SimulatorWire.refusal(error))
        }
    }

    private func authStart(_ query: [String: String], _ session: SimulatorSession) -> Answer {
        session.authenticatedAt = nil
        guard query["type"] == "manager", query["login"].flatMap(UInt64.init) == managerLogin else {
            return Answer(body: SimulatorWire.answer(3006, "Invalid account or password"))
        }
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        session.serverRandom = bytes
        return Answer(body: SimulatorWire.answer(extra: ["srv_rand": Self.hex(bytes), "version_access": "4000"]))
    }

    /// What a server that does not know the password can do: accept anything and
    /// answer the client's challenge with bytes that prove nothing.
    private func impostorAnswer(_ session: SimulatorSession) -> Answer {
        session.authenticatedAt = .now
        var random = SystemRandomNumberGenerator()
        return Answer(body: SimulatorWire.answer(extra: ["cli_rand_answer": Self.hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })]))
    }

    private func authAnswer(_ query: [String: String], _ session: SimulatorSession) -> Answer {
        guard let serverRandom = session.serverRandom else { return Answer(body: SimulatorWire.answer(3, "Invalid parameters")) }
        session.serverRandom = nil
        let expected = Self.hex(Array(Insecure.MD5.hash(data: passwordHash + serverRandom)))
        guard query["srv_rand_answer"]?.lowercased() == expected,
              let clientHex = query["cli_rand"], clientHex.count == 32,
              let clientRandom = Self.bytes(hex: clientHex) else {
            return Answer(body: SimulatorWire.answer(3006, "Invalid account or password"))
        }
        session.authenticatedAt = .now
        let answer = Self.hex(Array(Insecure.MD5.hash(data: passwordHash + clientRandom)))
        return Answer(body: SimulatorWire.answer(extra: ["cli_rand_answer": answer]))
    }

    static func bytes(hex: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }

    // MARK: Routes

    private func route(method: String, path: String, query: [String: String], body: Data) throws(SimulatorRefusal) -> Data {
        // Body fields override query parameters, as on MT5.
        var fields = query
        if !body.isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { throw .invalid("body is not a JSON object") }
            for (key, value) in object {
                guard let text = value as? String else { throw .invalid("\(key) must be a string") }
                fields[key.lowercased()] = text
            }
        }
        func int(_ key: String) throws(SimulatorRefusal) -> Int64 {
            guard let text = fields[key], let value = Int64(text) else { throw .invalid(key) }
            return value
        }
        func login() throws(SimulatorRefusal) -> UInt64 {
            guard let text = fields["login"], let value = UInt64(text), value > 0 else { throw .invalid("login") }
            return value
        }
        /// `offset` and `total` (at most `pageSize`) applied to a list, as the get_page calls do.
        func page<T>(_ items: [T]) throws(SimulatorRefusal) -> [T] {
            let offset = Int(max(0, try int("offset"))), total = Int(min(Int64(Self.pageSize), max(0, try int("total"))))
            return Array(items.dropFirst(offset).prefix(total))
        }
        func logins() throws(SimulatorRefusal) -> [UInt64] {
            let values = (fields["login"] ?? "").split(separator: ",").compactMap { UInt64($0) }
            guard !values.isEmpty else { throw .invalid("login") }
            return values
        }
        switch path {
        case "/api/test/access":
            return SimulatorWire.answer()
        case "/api/time/server":
            return SimulatorWire.answer(0, "Done", ["Time": String(book.nowMicros / 1_000_000)])
        case "/api/user/add":
            let account = try book.addUser(.init(
                login: UInt64(fields["login"] ?? "0") ?? 0, group: fields["group"] ?? "", name: fields["name"] ?? "",
                email: fields["email"] ?? "", country: fields["country"] ?? "", leverage: Int(try int("leverage")),
                mainPassword: fields["passmain"] ?? "", investorPassword: fields["passinvestor"] ?? "", comment: fields["comment"] ?? ""))
            return SimulatorWire.answer(0, "Done", SimulatorWire.user(account))
        case "/api/user/logins":
            guard let mask = fields["group"], !mask.isEmpty else { throw .invalid("group") }
            return SimulatorWire.answer(0, "Done", book.logins(groupMask: mask).map { String($0) })
        case "/api/user/get":
            return SimulatorWire.answer(0, "Done", SimulatorWire.user(try book.user(try login()).0))
        case "/api/user/update":
            let rights = try fields["rights"].map { (text: String) throws(SimulatorRefusal) -> UInt64 in
                guard let value = UInt64(text) else { throw .invalid("rights") }
                return value
            }
            let leverage = try fields["leverage"].map { (text: String) throws(SimulatorRefusal) -> Int in
                guard let value = Int(text) else { throw .invalid("leverage") }
                return value
            }
            let account = try book.updateUser(try login(), group: fields["group"], leverage: leverage, rights: rights)
            return SimulatorWire.answer(0, "Done", SimulatorWire.user(account))
        case "/api/user/change_password":
            guard let type = fields["type"], type == "main" || type == "investor" else { throw .invalid("type") }
            try book.changePassword(try login(), investor: type == "investor", password: fields["password"] ?? "")
            return SimulatorWire.answer()
        case "/api/user/account/get":
            let login = try login()
            let (_, group) = try book.user(login)
            return SimulatorWire.answer(0, "Done", SimulatorWire.money(login, try book.money(login), currencyDigits: group.currencyDigits))
        case "/api/trade/balance":
            guard let text = fields["balance"], let amount = try? FixedPointParse.units(text) else { throw .invalid("balance") }
            let ticket = try book.balance(login: try login(), type: Int(try int("type")), amount: amount,
                                          comment: fields["comment"] ?? "", checkMargin: fields["check_margin"] == "1")
            return SimulatorWire.answer(0, "Done", ["Ticket": String(ticket)])
        case "/api/deal/get":
            guard let ticket = fields["ticket"].flatMap(UInt64.init), let deal = book.deal(ticket: ticket) else { throw .notFound }
            return SimulatorWire.answer(0, "Done", SimulatorWire.deal(deal))
        case "/api/deal/get_total":
            let deals = book.deals(logins: [try login()], groupMask: nil, from: try int("from"), to: try int("to"))
            return SimulatorWire.answer(0, "Done", ["Total": String(deals.count)])
        case "/api/deal/get_page":
            let deals = book.deals(logins: [try login()], groupMask: nil, from: try int("from"), to: try int("to"))
            return SimulatorWire.answer(deals: try page(deals))
        case "/api/deal/get_batch":
            let deals: [TradeDeal]
            if let tickets = fields["ticket"] {
                deals = tickets.split(separator: ",").compactMap { UInt64($0).flatMap(book.deal(ticket:)) }
            } else if fields["login"] != nil {
                deals = book.deals(logins: try logins(), groupMask: nil, from: try int("from"), to: try int("to"))
            } else {
                deals = book.deals(logins: nil, groupMask: fields["group"] ?? "*", from: try int("from"), to: try int("to"))
            }
            return SimulatorWire.answer(deals: deals)
        case "/api/position/get_total":
            return SimulatorWire.answer(0, "Done", ["Total": String(book.positions(logins: [try login()]).count)])
        case "/api/position/get_page", "/api/position/get_batch", "/api/position/get":
            var positions = book.positions(logins: try logins())
            if let symbol = fields["symbol"] { positions = positions.filter { $0.symbol.name == symbol } }
            if path == "/api/position/get_page" {
                positions = try page(positions)
            }
            return SimulatorWire.answer(0, "Done", positions.map { item in
                [
                    "Position": String(item.position.id), "Login": String(item.login), "Symbol": item.symbol.name,
                    "Action": item.position.buy ? "0" : "1", "Digits": String(item.symbol.digits),
                    "TimeCreate": String(item.position.openedAt / 1_000_000),
                    "PriceOpen": SimulatorWire.decimal(item.position.openPoints, scale: item.symbol.digits),
                    "PriceCurrent": SimulatorWire.decimal(item.currentPoints, scale: item.symbol.digits),
                    "Volume": String(item.position.volume / 10_000), "VolumeExt": String(item.position.volume),
                    "Profit": SimulatorWire.amount(item.profit), "Storage": "0",
                ]
            })
        case "/api/history/get_total", "/api/history/get_page", "/api/history/get_batch":
            // Closed orders: one per trade deal, filled at the deal's price.
            var orders = book.deals(logins: try logins(), groupMask: nil, from: try int("from"), to: try int("to")).filter(\.action.isTrade)
            if path == "/api/history/get_total" { return SimulatorWire.answer(0, "Done", ["Total": String(orders.count)]) }
            if path == "/api/history/get_page" {
                orders = try page(orders)
            }
            return SimulatorWire.answer(0, "Done", orders.map { deal in
                [
                    "Order": String(deal.order), "Login": String(deal.login.value), "Symbol": deal.symbol,
                    "Type": deal.action == .buy ? "0" : "1", "State": "4", "TimeSetup": String(deal.time / 1_000_000),
                    "TimeDone": String(deal.time / 1_000_000), "PriceOrder": SimulatorWire.decimal(deal.price.points, scale: deal.price.digits),
                    "Digits": String(deal.price.digits), "VolumeInitial": String(deal.volume.units / 10_000),
                    "VolumeInitialExt": String(deal.volume.units), "PositionID": String(deal.positionID),
                ]
            })
        case "/api/symbol/total":
            return SimulatorWire.answer(0, "Done", ["Total": String(book.symbols.count)])
        case "/api/symbol/next":
            let symbols = book.symbols
            let index = Int(try int("index"))
            guard symbols.indices.contains(index) else { throw .notFound }
            return SimulatorWire.answer(0, "Done", SimulatorWire.symbol(symbols[index]))
        case "/api/symbol/get":
            guard let symbol = book.symbols.first(where: { $0.name == fields["symbol"] }) else { throw .notFound }
            return SimulatorWire.answer(0, "Done", SimulatorWire.symbol(symbol))
        case "/api/group/total":
            return SimulatorWire.answer(0, "Done", ["Total": String(book.groups.count)])
        case "/api/group/next":
            let groups = book.groups
            let index = Int(try int("index"))
            guard groups.indices.contains(index) else { throw .notFound }
            return SimulatorWire.answer(0, "Done", SimulatorWire.group(groups[index]))
        case "/api/group/get":
            guard let group = book.groups.first(where: { $0.name.lowercased() == fields["group"]?.lowercased() }) else { throw .notFound }
            return SimulatorWire.answer(0, "Done", SimulatorWire.group(group))
        default:
            throw SimulatorRefusal(code: 2, text: "Unknown command \(path.prefix(60))")
        }
    }
}

/// Decimal text to 10^-8 units without floating point.
enum FixedPointParse {
    static func units(_ text: String) throws -> Int64 { try FixedPoint.parse(text, scale: 8) }
}

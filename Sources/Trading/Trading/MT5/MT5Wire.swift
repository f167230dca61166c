import BrokerCore
import Foundation
import Money
import NIOCore
import NIOFoundationCompat
import Platform

/// Reading MT5 Web API answers: `{"retcode":"0 Done","answer":...}` where every
/// number is a JSON string. Strict: a missing field, a bare JSON number, an unknown
/// enum value or a value out of range is a malformed answer naming the field, and
/// nothing from that answer is used.
struct MT5Record {
    let fields: [String: MT5JSONValue]
    let what: String

    func string(_ key: String) throws -> String {
        guard let value = fields[key] else { throw TradingPlatformError.malformedAnswer("\(what): \(key) is missing") }
        guard case let .string(text) = value else { throw TradingPlatformError.malformedAnswer("\(what): \(key) is not a string") }
        return text
    }

    func optionalString(_ key: String) throws -> String? {
        guard fields[key] != nil else { return nil }
        return try string(key)
    }

    func uint(_ key: String) throws -> UInt64 {
        let text = try string(key)
        guard let value = UInt64(text) else { throw TradingPlatformError.malformedAnswer("\(what): \(key) \(text.prefix(30)) is not an unsigned integer") }
        return value
    }

    func int(_ key: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws -> Int64 {
        let text = try string(key)
        guard let value = Int64(text), range.contains(value) else {
            throw TradingPlatformError.malformedAnswer("\(what): \(key) \(text.prefix(30)) is not an integer in \(range)")
        }
        return value
    }

    func decimal(_ key: String, scale: Int) throws -> Int64 {
        let text = try string(key)
        do { return try FixedPoint.parse(text, scale: scale) } catch {
            throw TradingPlatformError.malformedAnswer("\(what): \(key) \(text.prefix(30)) is not a decimal with at most \(scale) places")
        }
    }

    func amount(_ key: String) throws -> PlatformAmount {
        PlatformAmount(units: try decimal(key, scale: PlatformAmount.scale))
    }

    func optionalAmount(_ key: String) throws -> PlatformAmount {
        fields[key] == nil ? .zero : try amount(key)
    }

    /// `VolumeExt` (10^-8 lot) where the server sends it, else `Volume` (10^-4 lot).
    func volume() throws -> Volume {
        fields["VolumeExt"] != nil
            ? Volume(units: try int("VolumeExt", in: 0...1_000_000_000_000_000))
            : Volume(mt5Volume: try int("Volume", in: 0...100_000_000_000_000))
    }

    func login(_ key: String = "Login") throws -> TradingLogin {
        let value = try uint(key)
        guard value > 0 else { throw TradingPlatformError.malformedAnswer("\(what): \(key) is 0") }
        return TradingLogin(value)
    }
}

enum MT5Wire {
    /// The retcode's number and text; success is 0 (done), 1 (done, no data) or 10009 (request done).
    static func retcode(_ text: String) throws -> (code: Int, text: String) {
        let parts = text.split(separator: " ", maxSplits: 1)
        guard let first = parts.first, let code = Int(first) else { throw TradingPlatformError.malformedAnswer("retcode \(text.prefix(40))") }
        return (code, parts.count > 1 ? String(parts[1]) : "")
    }

    /// The typed error for a failing retcode.
    static func error(code: Int, text: String, context: String) -> TradingPlatformError {
        let detail = "\(context): \(code) \(text)"
        switch code {
        case 3, 4: return .invalidParameters(detail)
        case 8: return .noPermission(detail)
        case 13, 1001: return .notFound(detail)
        // 3006 is MT_RET_USR_INVALID_PASSWORD: on a user call, a password the server's
        // policy refuses; on the manager's own login, refused credentials.
        case 3006: return context.hasPrefix("/api/user/") ? .weakPassword(detail) : .authenticationFailed(detail)
        case 4005: return .moneyLimit(detail)
        case 10019: return .noMoney(detail)
        default: return .server(code: code, text: "\(context): \(text)")
        }
    }

    static func isSuccess(_ code: Int) -> Bool { code == 0 || code == 1 || code == 10009 }

    /// Parses an answer body; throws the typed error for a failing retcode.
    static func envelope(_ body: ByteBuffer, context: String) throws -> (code: Int, answer: MT5JSONValue?, top: MT5Record) {
        let parsed: MT5JSONValue
        do { parsed = try MT5JSONReader.parse(Array(body.readableBytesView)) } catch {
            throw TradingPlatformError.malformedAnswer("\(context): not JSON (\(error))")
        }
        guard case let .object(top) = parsed else { throw TradingPlatformError.malformedAnswer("\(context): not a JSON object") }
        let record = MT5Record(fields: top, what: context)
        let (code, text) = try retcode(try record.string("retcode"))
        guard isSuccess(code) else { throw error(code: code, text: text, context: context) }
        return (code, top["answer"], record)
    }

    static func object(_ value: MT5JSONValue?, what: String) throws -> MT5Record {
        guard case let .object(fields) = value else { throw TradingPlatformError.malformedAnswer("\(what): answer is not an object") }
        return MT5Record(fields: fields, what: what)
    }

    static func array(_ value: MT5JSONValue?, what: String, max: Int) throws -> [MT5Record] {
        if value == nil || value == .null { return [] }
        guard case let .array(items) = value else { throw TradingPlatformError.malformedAnswer("\(what): answer is not an array") }
        guard items.count <= max else { throw TradingPlatformError.tooManyRecords(items.count) }
        return try items.enumerated().map { index, item in try object(item, what: "\(what)[\(index)]") }
    }

    static func deal(_ record: MT5Record) throws -> TradeDeal {
        let ticket = try record.uint("Deal")
        let named = MT5Record(fields: record.fields, what: "deal \(ticket)")
        let actionValue = try named.int("Action", in: 0...1_000)
        guard let action = DealAction(rawValue: Int(actionValue)) else {
            throw TradingPlatformError.malformedAnswer("deal \(ticket): Action \(actionValue) is not a known deal action")
        }
        let entryValue = try named.int("Entry", in: 0...1_000)
        guard let entry = DealEntry(rawValue: Int(entryValue)) else {
            throw TradingPlatformError.malformedAnswer("deal \(ticket): Entry \(entryValue) is not a known deal entry")
        }
        let digits = Int(try named.int("Digits", in: 0...10))
        let time: Int64
        if named.fields["TimeMsc"] != nil {
            time = try named.int("TimeMsc", in: 0...4_102_444_800_000) * 1_000
        } else {
            time = try named.int("Time", in: 0...4_102_444_800) * 1_000_000
        }
        let volume = try named.volume()
        return TradeDeal(
            ticket: ticket, login: try named.login(), order: try named.uint("Order"), positionID: try named.uint("PositionID"),
            action: action, entry: entry, reason: Int(try named.int("Reason", in: 0...1_000)), symbol: try named.string("Symbol"),
            time: time, price: Price(points: try named.decimal("Price", scale: digits), digits: digits), volume: volume,
            contractSize: try named.decimal("ContractSize", scale: 8), profit: try named.amount("Profit"),
            commission: try named.optionalAmount("Commission"), swap: try named.optionalAmount("Storage"),
            fee: try named.optionalAmount("Fee"), comment: try named.optionalString("Comment") ?? "",
            externalID: try named.optionalString("ExternalID") ?? "", marketSpreadPoints: try Self.marketSpread(named, digits: digits))
    }

    /// Ask minus bid at execution, in points, when the server sends both and they are
    /// quoted (a balance deal has none); 0 otherwise.
    static func marketSpread(_ record: MT5Record, digits: Int) throws -> Int64 {
        guard record.fields["MarketBid"] != nil, record.fields["MarketAsk"] != nil else { return 0 }
        let bid = try record.decimal("MarketBid", scale: digits), ask = try record.decimal("MarketAsk", scale: digits)
        return bid > 0 && ask > bid ? ask - bid : 0
    }

    static func position(_ record: MT5Record) throws -> OpenPosition {
        let id = try record.uint("Position")
        let named = MT5Record(fields: record.fields, what: "position \(id)")
        let actionValue = try named.int("Action", in: 0...1)
        let digits = Int(try named.int("Digits", in: 0...10))
        let volume = try named.volume()
        return OpenPosition(
            positionID: id, login: try named.login(), symbol: try named.string("Symbol"),
            action: actionValue == 0 ? .buy : .sell, volume: volume,
            openPrice: Price(points: try named.decimal("PriceOpen", scale: digits), digits: digits),
            currentPrice: Price(points: try named.decimal("PriceCurrent", scale: digits), digits: digits),
            openedAt: try named.int("TimeCreate", in: 0...4_102_444_800) * 1_000_000,
            profit: try named.amount("Profit"), swap: try named.optionalAmount("Storage"))
    }

    static let rightsEnabled: UInt64 = 0x1
    static let rightsTradeDisabled: UInt64 = 0x4

    /// A user record merged with its money (`user/get` plus `user/account/get`).
    static func account(user: MT5Record, money: MT5Record?) throws -> TradingAccountState {
        let login = try user.login()
        let rights = try user.uint("Rights")
        return TradingAccountState(
            login: login, group: try user.string("Group"), name: try user.optionalString("Name") ?? "",
            email: try user.optionalString("Email") ?? "", leverage: Int(try user.int("Leverage", in: 1...100_000)),
            enabled: rights & rightsEnabled != 0, tradingEnabled: rights & rightsTradeDisabled == 0,
            balance: try (money ?? user).amount("Balance"), credit: try (money ?? user).optionalAmount("Credit"),
            equity: try money?.amount("Equity") ?? user.optionalAmount("Balance"), margin: try money?.optionalAmount("Margin") ?? .zero,
            freeMargin: try money?.optionalAmount("MarginFree") ?? user.optionalAmount("Balance"),
            requestID: try user.optionalString("Comment") ?? "")
    }

    static func symbol(_ record: MT5Record) throws -> SymbolSpec {
        SymbolSpec(symbol: try record.string("Symbol"), path: try record.optionalString("Path") ?? "",
                   digits: Int(try record.int("Digits", in: 0...10)), contractSize: try record.decimal("ContractSize", scale: 8),
                   baseCurrency: try record.string("CurrencyBase"), profitCurrency: try record.string("CurrencyProfit"),
                   marginCurrency: try record.optionalString("CurrencyMargin") ?? record.string("CurrencyBase"))
    }
}

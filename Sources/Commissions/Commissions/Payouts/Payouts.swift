import BrokerCore
import CommissionsCore
import Foundation
import Identity
import LedgerCore
import Money
import SQLKit
import Platform
import Partners
import Ledger
import Trading

/// How a partner is paid.
public struct PayoutSettings: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// Into the wallet of the partner's user in the trader's room.
        case wallet
        /// Through the wallet into one of the partner's trading accounts, as a balance operation.
        case tradingAccount = "trading_account"
    }

    public var partnerID: PartnerID
    public var schedule: PayoutSchedule
    /// Below this (minor units of the commission currency) the balance waits for the next period.
    public var minimumMinor: Int64
    /// What the partner is paid in; converted at the rate recorded when the payout is made.
    public var currency: String
    public var method: Method
    /// "SERVER:LOGIN" for a trading account, empty for the wallet.
    public var target: String
    public var needsApproval: Bool

    public init(partnerID: PartnerID, schedule: PayoutSchedule = .monthly, minimumMinor: Int64 = 0, currency: String = "USD", method: Method = .wallet,
                target: String = "", needsApproval: Bool = true) {
        self.partnerID = partnerID
        self.schedule = schedule
        self.minimumMinor = minimumMinor
        self.currency = currency
        self.method = method
        self.target = target
        self.needsApproval = needsApproval
    }
}

/// One payment to a partner, for one period.
public struct Payout: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable, CaseIterable {
        case awaitingApproval = "awaiting_approval", approved, paid, rejected
    }

    public let id: String
    public let partnerID: PartnerID
    public let periodKey: String
    public let periodStart: Int64
    public let periodEnd: Int64
    /// What leaves the partner's commission balance (commission currency, minor units).
    public let amountMinor: Int64
    public let currency: String
    /// What the partner receives (payout currency, minor units).
    public let payoutMinor: Int64
    public let payoutCurrency: String
    /// The recorded rate used, empty when no conversion was needed.
    public let rateID: String
    public let method: PayoutSettings.Method
    public let target: String
    public let status: Status
    public let note: String
    public let decidedBy: String
    public let createdAt: Int64
    public let decidedAt: Int64
    public let paidAt: Int64
    /// The span its statement covers, frozen when it was made (0 for payouts made before statements were frozen).
    public var statementFrom: Int64 = 0
    public var statementTo: Int64 = 0
}

public enum PayoutError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalid(field: String, String)
    case notFound(String)
    case wrongStatus(String, Payout.Status)

    public var description: String {
        switch self {
        case let .invalid(field, message): "\(field): \(message)"
        case let .notFound(id): "no payout \(id)"
        case let .wrongStatus(id, status): "payout \(id) is \(status.rawValue)"
        }
    }
}

/// Pays partners their commission balance: per their schedule and minimum, after
/// finance approves where configured, in their currency at a recorded rate, into
/// their wallet or a trading account. Each payout is one ledger transaction under
/// its own key (`payout:ID`), so paying it again after a crash pays nothing twice.
public struct PayoutStore: Sendable {
    /// Puts a paid-out amount from the partner's wallet into a trading account
    /// (a balance operation through the platform's exactly-once outbox).
    public typealias TradingAccountDeposit = @Sendable (_ payout: Payout, _ walletOwner: String) async throws -> Void

    public struct RunResult: Sendable, Equatable {
        public var created: [String] = []
        public var paid: [String] = []
        /// Partner id: why nothing was paid (below the minimum, no rate, ...).
        public var skipped: [String: String] = [:]
    }

    let db: Database
    let ledger: LedgerStore
    let rates: ExchangeRateStore
    let caps: PeriodCapSettlement
    let partners: PartnerStore
    let clock: any PipstackClock
    let commissionCurrency: Currency
    let deposit: TradingAccountDeposit?

    public init(db: Database, ledger: LedgerStore, clock: any PipstackClock, commissionCurrency: Currency = .usd,
                deposit: TradingAccountDeposit? = nil) {
        self.db = db
        self.ledger = ledger
        self.clock = clock
        self.commissionCurrency = commissionCurrency
        self.deposit = deposit
        rates = ExchangeRateStore(db: db, clock: clock)
        caps = PeriodCapSettlement(db: db, ledger: ledger, currency: commissionCurrency, clock: clock)
        partners = PartnerStore(db: db, clock: clock)
    }

    // MARK: Settings

    public func settings(of partnerID: PartnerID) async throws -> PayoutSettings? {
        try await db.read { sql in
            try await sql.raw("SELECT * FROM partner_payout_settings WHERE partner_id = \(bind: partnerID)").first().map(Self.decodeSettings)
        }
    }

    public func save(_ settings: PayoutSettings, audit: AuditContext) async throws {
        guard let partner = try await partners.partner(settings.partnerID) else { throw PartnerError.unknownPartner(settings.partnerID) }
        guard settings.minimumMinor >= 0 else { throw PayoutError.invalid(field: "minimum", "must not be negative") }
        guard Currency(code: settings.currency) != nil else { throw PayoutError.invalid(field: "currency", "unknown currency \(settings.currency)") }
        guard !partner.userID.isEmpty else { throw PayoutError.invalid(field: "method", "the partner has no user whose wallet could be paid") }
        switch settings.method {
        case .wallet:
            guard settings.target.isEmpty else { throw PayoutError.invalid(field: "target", "a wallet payout names no account") }
        case .tradingAccount:
            guard let key = TradingAccountKey(settings.target) else { throw PayoutError.invalid(field: "target", "SERVER:LOGIN of a trading account") }
            let account = try await TradingAccountStore(db: db, clock: clock).account(serverID: key.server, login: key.login)
            guard let account, account.status == .active, account.userID == partner.userID else { throw PayoutError.invalid(field: "target", "an active trading account of the partner's own") }
        }
        let now = clock.nowMicros()
        let before = try await self.settings(of: settings.partnerID)
        let dialect = db.dialect
        try await db.transaction { sql in
            try await sql.raw("""
                INSERT INTO partner_payout_settings (partner_id, schedule, minimum_minor, currency, method, target, needs_approval, updated_at)
                VALUES (\(bind: settings.partnerID), \(bind: settings.schedule.rawValue), \(bind: settings.minimumMinor), \(bind: settings.currency),
                        \(bind: settings.method.rawValue), \(bind: settings.target), \(bind: settings.needsApproval ? 1 : 0), \(bind: now))
                ON CONFLICT (partner_id) DO UPDATE SET schedule = excluded.schedule, minimum_minor = excluded.minimum_minor,
                    currency = excluded.currency, method = excluded.method, target = excluded.target, needs_approval = excluded.needs_approval,
                    updated_at = excluded.updated_at
                """).run()
            try await AuditLog.append(audit.entry("partner.payout_settings", entityType: "partner", entityID: settings.partnerID,
                                                  before: Self.json(before), after: Self.json(settings)), at: now, on: sql, dialect: dialect)
        }
    }

    /// The partner chooses where it is paid (its wallet or one of its own trading
    /// accounts); the schedule, minimum, currency and approval stay as finance set them.
    public func setDestination(partnerID: PartnerID, method: PayoutSettings.Method, target: String, audit: AuditContext) async throws {
        guard var settings = try await settings(of: partnerID) else {
            throw PayoutError.invalid(field: "method", "finance has not set up this partner's payouts yet")
        }
        settings.method = method
        settings.target = method == .wallet ? "" : target
        try await save(settings, audit: audit)
    }

    /// The partner's own active trading accounts a payout can go to ("server:login").
    public func payableAccounts(of partnerID: PartnerID) async throws -> [String] {
        guard let partner = try await partners.partner(partnerID), !partner.userID.isEmpty else { return [] }
        return try await TradingAccountStore(db: db, clock: clock).accounts(ofUser: partner.userID)
            .filter { $0.status == .active }
            .sorted { ($0.serverID, $0.login.value) < ($1.serverID, $1.login.value) }
            .map { TradingAccountKey(server: $0.serverID, login: $0.login).description }
    }

    // MARK: Payouts

    public func payout(_ id: String) async throws -> Payout? {
        try await db.read { sql in try await sql.raw("SELECT * FROM payouts WHERE id = \(bind: id)").first().map(Self.decode) }
    }

    /// Newest first, optionally one partner's or one status.
    public func payouts(partnerID: PartnerID? = nil, status: Payout.Status? = nil, limit: Int = 200) async throws -> [Payout] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT * FROM payouts WHERE (\(bind: partnerID ?? "") = '' OR partner_id = \(bind: partnerID ?? ""))
                    AND (\(bind: status?.rawValue ?? "") = '' OR status = \(bind: status?.rawValue ?? ""))
                ORDER BY created_at DESC, id DESC LIMIT \(bind: limit)
                """).all().map(Self.decode)
        }
    }

    /// Creates the payouts due at `now` (one per partner and period, from the balance
    /// not already promised to an open payout) and pays those that need no approval,
    /// and any approved payout a crash left unpaid.
    public func run(at now: Int64, audit: AuditContext) async throws -> RunResult {
        var result = RunResult()
        let all = try await db.read { sql in try await sql.raw("SELECT * FROM partner_payout_settings ORDER BY partner_id").all().map(Self.decodeSettings) }
        for settings in all {
            do {
                if let id = try await create(settings, at: now, audit: audit, skipped: &result.skipped) { result.created.append(id) }
            } catch {
                result.skipped[settings.partnerID.rawValue] = "\(error)"
            }
        }
        for payout in try await payouts(status: .approved) {
            do {
                try await pay(payout)
                result.paid.append(payout.id)
            } catch {
                result.skipped[payout.partnerID.rawValue] = "payout \(payout.id) not paid yet: \(error)"
            }
        }
        return result
    }

    func create(_ settings: PayoutSettings, at now: Int64, audit: AuditContext, skipped: inout [String: String]) async throws -> String? {
        guard let partner = try await partners.partner(settings.partnerID), partner.agreementAcceptedAt > 0 else {
            skipped[settings.partnerID.rawValue] = "the partner has not accepted the partner agreement"
            return nil
        }
        let period = settings.schedule.periodToSettle(at: now)
        let open = try await payouts(partnerID: settings.partnerID).filter { $0.status == .awaitingApproval || $0.status == .approved }
        if settings.schedule == .realtime, !open.isEmpty {
            skipped[settings.partnerID.rawValue] = "a payout is still open"
            return nil
        }
        let balance = try await ledger.balance(of: LedgerAccount(kind: .ibCommissionPayable, owner: settings.partnerID, currency: commissionCurrency))
        // A period pays what was earned up to its end: what deals after it earned waits for the next.
        let later = settings.schedule == .realtime ? 0 : try await earned(by: settings.partnerID, from: period.end)
        // Nor what a cap per period will take back when its period ends.
        let capped = try await caps.heldBack(partner: settings.partnerID, cut: settings.schedule == .realtime ? now : period.end)
        let available = min(balance, balance - later) - capped - open.reduce(0) { $0 + $1.amountMinor }
        guard available > 0, available >= settings.minimumMinor else {
            skipped[settings.partnerID.rawValue] = "balance \(available) below the minimum \(settings.minimumMinor)"
            return nil
        }
        guard let payoutCurrency = Currency(code: settings.currency) else { throw PayoutError.invalid(field: "currency", settings.currency) }
        var payoutMinor = available
        var rateID = ""
        if payoutCurrency != commissionCurrency {
            guard let recorded = try await rates.rate(commissionCurrency, payoutCurrency, at: now) else {
                throw PayoutError.invalid(field: "currency", "no recorded \(commissionCurrency.code)/\(payoutCurrency.code) rate")
            }
            payoutMinor = try recorded.rate.convert(Money(minorUnits: available, currency: commissionCurrency)).money.minorUnits
            rateID = recorded.id
        }
        let id = "po-\(settings.partnerID)-\(period.key)"
        let (paid, rate) = (payoutMinor, rateID)
        let frozen = try await statementSpan(partner: settings.partnerID, period: period, realtime: settings.schedule == .realtime, at: now)
        let status: Payout.Status = settings.needsApproval ? .awaitingApproval : .approved
        let dialect = db.dialect
        let created = try await db.transaction { sql -> Bool in
            let inserted = try await sql.raw("""
                INSERT INTO payouts (id, partner_id, period_key, period_start, period_end, amount_minor, currency, payout_minor, payout_currency, rate_id,
                    method, target, status, note, decided_by, created_at, decided_at, paid_at)
                VALUES (\(bind: id), \(bind: settings.partnerID), \(bind: period.key), \(bind: period.start), \(bind: period.end), \(bind: available),
                    \(bind: commissionCurrency.code), \(bind: paid), \(bind: payoutCurrency.code), \(bind: rate), \(bind: settings.method.rawValue),
                    \(bind: settings.target), \(bind: status.rawValue), '', '', \(bind: now), 0, 0)
                ON CONFLICT DO NOTHING RETURNING id
                """).all()
            guard !inserted.isEmpty else { return false }
            try await sql.raw("UPDATE payouts SET statement_from = \(bind: frozen.from), statement_to = \(bind: frozen.to) WHERE id = \(bind: id)").run()
            for day in frozen.days {
                try await sql.raw("""
                    INSERT INTO payout_statement_lines (payout_id, day, level, rule_id, deals, amount)
                    VALUES (\(bind: id), \(bind: day.day), \(bind: day.level), \(bind: day.rule), \(bind: day.deals), \(bind: day.amount))
                    """).run()
            }
            try await AuditLog.append(audit.entry("payout.create", entityType: "payout", entityID: id,
                                                  after: "{\"amount_minor\":\(available),\"status\":\"\(status.rawValue)\"}"), at: now, on: sql, dialect: dialect)
            return true
        }
        guard created else { return nil }
        return id
    }

    /// What the partner's commissions on deals from `time` (a day boundary) on add up
    /// to, in minor units of the commission currency, rounded up so that a period
    /// never pays a cent of what came after it.
    func earned(by partner: PartnerID, from time: Int64) async throws -> Int64 {
        let currency = commissionCurrency
        let units = try await db.read { sql in
            try await PeriodCapSettlement.earned(by: partner, currency: currency, days: time..<Int64.max, on: sql)
        }
        return Rounding.divide(units, by: Power10.of(Accrual.scale - commissionCurrency.exponent), rule: .ceiling).quotient
    }

    /// Finance approves: the payout is paid at once.
    public func approve(_ id: String, audit: AuditContext) async throws {
        try await decide(id, to: .approved, note: "", audit: audit)
        guard let payout = try await payout(id) else { throw PayoutError.notFound(id) }
        try await pay(payout)
    }

    /// Finance rejects: nothing moves; the balance is paid with a later period.
    public func reject(_ id: String, note: String, audit: AuditContext) async throws {
        guard !note.trimmingCharacters(in: .whitespaces).isEmpty else { throw PayoutError.invalid(field: "note", "a reason is required") }
        try await decide(id, to: .rejected, note: String(note.prefix(500)), audit: audit)
    }

    func decide(_ id: String, to status: Payout.Status, note: String, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            guard let payout = try await sql.raw("SELECT * FROM payouts WHERE id = \(bind: id)").first().map(Self.decode) else { throw PayoutError.notFound(id) }
            guard payout.status == .awaitingApproval else { throw PayoutError.wrongStatus(id, payout.status) }
            try await sql.raw("""
                UPDATE payouts SET status = \(bind: status.rawValue), note = \(bind: note), decided_by = \(bind: audit.actor), decided_at = \(bind: now)
                WHERE id = \(bind: id)
                """).run()
            try await AuditLog.append(audit.entry("payout.\(status == .approved ? "approve" : "reject")", entityType: "payout", entityID: id,
                                                  before: "{\"status\":\"\(payout.status.rawValue)\"}", after: "{\"status\":\"\(status.rawValue)\"}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Moves the money: commission balance to the partner's wallet (through the
    /// conversion accounts when the currencies differ), then on to the trading
    /// account if that is the method. Every step is keyed by the payout, so a
    /// repeat after a crash finishes the payout without paying twice.
    func pay(_ payout: Payout) async throws {
        guard payout.status == .approved else { throw PayoutError.wrongStatus(payout.id, payout.status) }
        guard let partner = try await partners.partner(payout.partnerID), !partner.userID.isEmpty else {
            throw PayoutError.invalid(field: "method", "partner \(payout.partnerID) has no user whose wallet could be paid")
        }
        guard let from = Currency(code: payout.currency), let to = Currency(code: payout.payoutCurrency) else {
            throw PayoutError.invalid(field: "currency", "\(payout.currency) or \(payout.payoutCurrency)")
        }
        let payable = LedgerAccount(kind: .ibCommissionPayable, owner: payout.partnerID, currency: from)
        let wallet = LedgerAccount(kind: .clientWallet, owner: partner.userID, currency: to)
        var postings = [Posting(account: payable, amount: -payout.amountMinor)]
        if from == to {
            postings.append(Posting(account: wallet, amount: payout.amountMinor))
        } else {
            let owner = "\(from.code)-\(to.code)"
            postings += [
                Posting(account: LedgerAccount(kind: .currencyConversion, owner: owner, currency: from), amount: payout.amountMinor),
                Posting(account: LedgerAccount(kind: .currencyConversion, owner: owner, currency: to), amount: -payout.payoutMinor),
                Posting(account: wallet, amount: payout.payoutMinor),
            ]
        }
        _ = try await ledger.post(LedgerTransaction(idempotencyKey: "payout:\(payout.id)", kind: "ib_payout",
                                                    memo: "payout \(payout.id) to \(payout.partnerID)", occurredAt: payout.createdAt, postings: postings))
        if payout.method == .tradingAccount {
            guard let deposit else { throw PayoutError.invalid(field: "method", "trading-account payouts are not available here") }
            try await deposit(payout, partner.userID)
        }
        let now = clock.nowMicros()
        try await db.transaction { sql in
            try await sql.raw("UPDATE payouts SET status = 'paid', paid_at = \(bind: now) WHERE id = \(bind: payout.id) AND status = 'approved'").run()
        }
    }

    // MARK: Statements

    /// What a payout made at `now` settles, as its statement will show it for good:
    /// the partner's commissions per day, level and rule up to the period's end (real
    /// time: up to now) that no earlier payout's statement holds. So a late deal for
    /// a day already paid is explained by the payout that pays it, and a rejected
    /// payout's lines come back with the next.
    func statementSpan(partner: PartnerID, period: PayoutPeriod, realtime: Bool, at now: Int64) async throws -> PayoutStatement.Span {
        let end = realtime ? now + 1 : period.end
        let all = try await CommissionReports(db: db, clock: clock).daily(from: 0, to: end, partner: partner)
        struct Key: Hashable { let day: Int64, level: Int, rule: String }
        var settled: [Key: (deals: Int, amount: Int64)] = [:]
        for row in try await db.read({ sql in
            try await sql.raw("""
                SELECT l.day, l.level, l.rule_id, CAST(SUM(l.deals) AS BIGINT) AS deals, CAST(SUM(l.amount) AS BIGINT) AS amount FROM payout_statement_lines l
                JOIN payouts p ON p.id = l.payout_id WHERE p.partner_id = \(bind: partner) AND p.status <> 'rejected'
                GROUP BY l.day, l.level, l.rule_id
                """).all()
        }) {
            settled[Key(day: try row.decode(column: "day", as: Int64.self), level: try row.decode(column: "level", as: Int.self),
                        rule: try row.decode(column: "rule_id", as: String.self))] = (try row.decode(column: "deals", as: Int.self), try row.decode(column: "amount", as: Int64.self))
        }
        let days = all.compactMap { total -> CommissionReports.DayTotal? in
            let before = settled[Key(day: total.day, level: total.level, rule: total.rule)] ?? (0, 0)
            guard total.amount != before.amount || total.deals != before.deals else { return nil }
            return CommissionReports.DayTotal(day: total.day, level: total.level, rule: total.rule, deals: total.deals - before.deals,
                                              amount: total.amount - before.amount)
        }
        let first = days.map(\.day).min()
        return .init(from: realtime ? (first ?? now) : min(period.start, first ?? period.start), to: end, days: days)
    }

    /// What a payout settles: the partner's commissions per day, level and rule in
    /// its period (real-time: since the partner's payout before it), as frozen when
    /// the payout was made. Payouts made before statements were frozen are read from
    /// the books up to their creation.
    public func statement(_ id: String) async throws -> PayoutStatement? {
        guard let payout = try await payout(id) else { return nil }
        if payout.statementTo > 0 {
            let days = try await db.read { sql in
                try await sql.raw("""
                    SELECT day, level, rule_id, deals, amount FROM payout_statement_lines WHERE payout_id = \(bind: id) ORDER BY day, level, rule_id
                    """).all().map { row in
                    CommissionReports.DayTotal(day: try row.decode(column: "day", as: Int64.self), level: try row.decode(column: "level", as: Int.self),
                                               rule: try row.decode(column: "rule_id", as: String.self), deals: try row.decode(column: "deals", as: Int.self),
                                               amount: try row.decode(column: "amount", as: Int64.self))
                }
            }
            return PayoutStatement(payout: payout, from: payout.statementFrom, to: payout.statementTo, days: days)
        }
        var start = payout.periodStart
        var end = payout.periodEnd
        if payout.periodKey.hasPrefix("rt-") {
            let previous = try await payouts(partnerID: payout.partnerID).first { $0.createdAt < payout.createdAt && $0.status != .rejected }
            start = previous?.createdAt ?? 0
            end = payout.createdAt + 1
        }
        let totals = try await CommissionReports(db: db, clock: clock).daily(from: start, to: end, partner: payout.partnerID)
        return PayoutStatement(payout: payout, from: start, to: end, days: totals)
    }

    // MARK: Rows

    static func decodeSettings(_ row: any SQLRow) throws -> PayoutSettings {
        PayoutSettings(partnerID: try row.decode(column: "partner_id", as: PartnerID.self),
                       schedule: PayoutSchedule(rawValue: try row.decode(column: "schedule", as: String.self)) ?? .monthly,
                       minimumMinor: try row.decode(column: "minimum_minor", as: Int64.self), currency: try row.decode(column: "currency", as: String.self),
                       method: PayoutSettings.Method(rawValue: try row.decode(column: "method", as: String.self)) ?? .wallet,
                       target: try row.decode(column: "target", as: String.self), needsApproval: try row.decode(column: "needs_approval", as: Int.self) != 0)
    }

    static func decode(_ row: any SQLRow) throws -> Payout {
        func text(_ column: String) throws -> String { try row.decode(column: column, as: String.self) }
        func int(_ column: String) throws -> Int64 { try row.decode(column: column, as: Int64.self) }
        guard let status = Payout.Status(rawValue: try text("status")), let method = PayoutSettings.Method(rawValue: try text("method")) else {
            throw StorageError.corruptRow(table: "payouts", row: (try? text("id")) ?? "?", "unknown status or method")
        }
        return Payout(id: try text("id"), partnerID: PartnerID(try text("partner_id")), periodKey: try text("period_key"), periodStart: try int("period_start"),
                      periodEnd: try int("period_end"), amountMinor: try int("amount_minor"), currency: try text("currency"),
                      payoutMinor: try int("payout_minor"), payoutCurrency: try text("payout_currency"), rateID: try text("rate_id"), method: method,
                      target: try text("target"), status: status, note: try text("note"), decidedBy: try text("decided_by"),
                      createdAt: try int("created_at"), decidedAt: try int("decided_at"), paidAt: try int("paid_at"),
                      statementFrom: try int("statement_from"), statementTo: try int("statement_to"))
    }

    static func json<T: Encodable>(_ value: T?) -> String {
        guard let value, let data = try? JSONEncoder().encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A payout with the commissions it settles, for CSV and printable statements.
public struct PayoutStatement: Sendable, Equatable {
    /// The span and lines a statement is frozen with.
    public struct Span: Sendable, Equatable {
        public let from: Int64
        public let to: Int64
        public let days: [CommissionReports.DayTotal]
    }

    public let payout: Payout
    /// Microseconds, [from, to).
    public let from: Int64
    public let to: Int64
    public let days: [CommissionReports.DayTotal]

    /// Accrual units of the commissions in the period.
    public var accrued: Int64 { days.reduce(0) { $0 + $1.amount } }
}

import BrokerCore
import CommissionsCore
import Money
import Platform

/// A trading account as the book builder needs it: who owns it and of what type.
public struct BookAccount: Sendable, Equatable {
    public var key: String
    public var clientID: String
    public var accountType: String
    public var toPayout: ConversionRate

    public init(key: String, clientID: String, accountType: String = "", toPayout: ConversionRate = .one) {
        self.key = key
        self.clientID = clientID
        self.accountType = accountType
        self.toPayout = toPayout
    }
}

/// Builds the engine's book for one moment from what was in force then: the tree,
/// plan versions, assignments and attributions. Deals are computed with the book of
/// their own time, so later moves and plan changes never rewrite them.
public struct BookBuilder: Sendable {
    public let partners: PartnerStore
    public let plans: PlanStore
    public let attributions: AttributionStore

    public init(db: Database, clock: any PipstackClock) {
        partners = PartnerStore(db: db, clock: clock)
        plans = PlanStore(db: db, clock: clock)
        attributions = AttributionStore(db: db, clock: clock)
    }

    public func book(at time: Int64, currency: Currency, instruments: [InstrumentInfo], accounts: [BookAccount]) async throws -> CommissionBook {
        let parents = try await partners.parents(at: time)
        let versions = try await plans.plans(at: time).filter { $0.value.currency == currency.code }
        let assignments = try await plans.assignments(at: time)
        let attributed = try await attributions.attributions(at: time)
        let planList = versions.values.sorted { $0.id < $1.id }
        let planIndex = Dictionary(uniqueKeysWithValues: planList.enumerated().map { ($1.id, $0) })
        let partnerList = try await partners.all()
        let partnerIndex = Dictionary(uniqueKeysWithValues: partnerList.enumerated().map { ($1.id, $0) })
        let partnerInfos = partnerList.map { partner in
            PartnerInfo(id: partner.id.rawValue, plan: partner.status == .active ? assignments[partner.id].flatMap { planIndex[$0] } : nil)
        }
        let byClient = Dictionary(attributed.filter { $0.subject == .client }.map { ($0.subjectID, $0) }, uniquingKeysWith: { first, _ in first })
        let byAccount = Dictionary(attributed.filter { $0.subject == .account }.map { ($0.subjectID, $0) }, uniquingKeysWith: { first, _ in first })
        let accountInfos = accounts.map { account -> AccountInfo in
            guard let attribution = byAccount[account.key] ?? byClient[account.clientID] else {
                return AccountInfo(key: account.key, accountType: account.accountType, chain: [], toPayout: account.toPayout)
            }
            let chain = PartnerStore.chain(of: attribution.partnerID, parents: parents).compactMap { partnerIndex[$0] }
            return AccountInfo(key: account.key, accountType: account.accountType, chain: chain,
                               excluded: attribution.excluded || Self.isSelfReferral(attribution.partnerID, account.clientID, partnerList, partnerIndex),
                               rebateReceiver: attribution.rebateReceiver.flatMap { partnerIndex[$0] }, toPayout: account.toPayout)
        }
        return try CommissionBook(currency: currency, plans: planList, instruments: instruments, partners: partnerInfos, accounts: accountInfos)
    }

    /// A partner earning on its own trading: the attributed partner is the client's own user.
    static func isSelfReferral(_ partnerID: PartnerID, _ clientID: String, _ partners: [Partner], _ index: [PartnerID: Int]) -> Bool {
        guard let position = index[partnerID] else { return false }
        let user = partners[position].userID
        return !user.isEmpty && user == clientID
    }
}

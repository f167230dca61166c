import Logging
import Platform
import ServiceLifecycle

/// What Pipstack does about deposits nobody told it about: credits approved ones a
/// crash left uncredited, asks the provider about deposits still at its page after
/// ten minutes (a lost webhook), and after a day cancels the payment at the provider
/// and lets the deposit expire, so it cannot succeed unseen later.
public struct DepositFollowUp: Sendable {
    let payments: PaymentsServices
    static let askAfter: Int64 = 10 * 60 * 1_000_000
    static let expireAfter: Int64 = 24 * 3_600 * 1_000_000

    public init(payments: PaymentsServices) { self.payments = payments }

    /// One round; returns how many deposits it moved or credited.
    @discardableResult
    public func round() async throws -> Int {
        let now = payments.deposits.clock.nowMicros()
        var moved = try await payments.credits.creditApproved()
        for deposit in try await payments.deposits.waiting(since: now - Self.askAfter) where !deposit.providerPayment.isEmpty {
            guard let config = try await payments.providers.provider(deposit.provider) else { continue }
            let actor = "psp:\(deposit.provider.rawValue)"
            do {
                var answer = try await payments.card.intent(config, id: deposit.providerPayment)
                if answer.depositState == nil, deposit.createdAt < now - Self.expireAfter {
                    answer = try await payments.card.cancel(config, id: deposit.providerPayment)
                    if answer.depositState == .cancelled {
                        moved += try await payments.deposits.applyQueried(deposit.id, state: .expired, amount: answer.amount, currency: answer.currency,
                                                                          actor: actor) == .applied ? 1 : 0
                        continue
                    }
                }
                if let state = answer.depositState,
                   try await payments.deposits.applyQueried(deposit.id, state: state, amount: answer.amount, currency: answer.currency, actor: actor) == .applied {
                    moved += 1
                } else {
                    // Unchanged, or an answer that changes nothing: ask again after the interval, not every round.
                    try await payments.deposits.asked(deposit.id)
                }
            } catch let failure as CardProviderClient.Failure {
                // A payment the provider does not know (it was never made there, or purged) cannot succeed: after a day it expires.
                if case .refused(status: 404, _) = failure, deposit.createdAt < now - Self.expireAfter {
                    moved += try await payments.deposits.applyQueried(deposit.id, state: .expired, amount: deposit.amount.minorUnits,
                                                                      currency: deposit.amount.currency.code, actor: actor) == .applied ? 1 : 0
                    continue
                }
                payments.logger.warning("deposit status not known", metadata: ["deposit": "\(deposit.id)", "error": "\(failure)"])
                try await payments.deposits.asked(deposit.id)
            }
        }
        return moved + (try await payments.credits.creditApproved()) + (try await payments.credits.reverseReturned())
    }
}

/// Runs the follow-up every minute.
struct DepositFollowUpService: Service {
    let followUp: DepositFollowUp
    let logger: Logger
    let health: PipelineHealth?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await ServiceLoop(name: "following up deposits", every: .seconds(60), health: health, logger: logger).run {
                try await followUp.round()
                return .idle
            }
        }
    }
}

extension PaymentsServices {
    public func backgroundServices(logger: Logger, health: PipelineHealth?) -> [any Service] {
        [DepositFollowUpService(followUp: DepositFollowUp(payments: self), logger: logger, health: health)]
    }
}

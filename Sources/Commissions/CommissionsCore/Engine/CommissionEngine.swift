import BrokerCore

/// Computes commission lines from deals. Pure and deterministic: the same book and
/// deals always give the same lines, so a line's explanation is recomputed from the
/// stored inputs instead of being stored, and a replay or a what-if is a rerun.
///
/// The hot path reads the book's flat arrays through unsafe buffers, allocates
/// nothing per deal, and appends lines to the caller's reusable array.
public struct CommissionEngine: Sendable {
    public let book: CommissionBook

    public init(book: CommissionBook) { self.book = book }

    /// Appends the lines of `deals` to `lines`, in deal order.
    public func compute(_ deals: [EngineDeal], into lines: inout [CommissionLine]) {
        deals.withUnsafeBufferPointer { deals in compute(deals, into: &lines) }
    }

    public func compute(_ deals: UnsafeBufferPointer<EngineDeal>, into lines: inout [CommissionLine]) {
        var trace = NoTrace()
        let slots = max(1, book.ruleIDs.count)
        var own = [Int64](repeating: 0, count: max(1, book.maxDepth) * slots)
        var used = [Bool](repeating: false, count: slots)
        lines.reserveCapacity(lines.count + deals.count * max(1, book.maxDepth))
        own.withUnsafeMutableBufferPointer { own in
            used.withUnsafeMutableBufferPointer { used in
                book.accountFast.withUnsafeBufferPointer { fast in
                    book.fastRule.withUnsafeBufferPointer { fastRule in
                        book.ruleValue.withUnsafeBufferPointer { values in
                            book.chainPartners.withUnsafeBufferPointer { partners in
                                book.accountChainStart.withUnsafeBufferPointer { starts in
                                    book.accountChainLength.withUnsafeBufferPointer { lengths in
                                        let short = ShortPath(fast: fast, fastRule: fastRule, values: values, partners: partners, starts: starts,
                                                              lengths: lengths, slots: book.fastSlot, symbols: book.instruments.count)
                                        for deal in deals {
                                            if short.handles(deal) {
                                                short.run(deal, own: own, lines: &lines)
                                            } else {
                                                run(deal, own: own, used: used, lines: &lines, trace: &trace)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The common shape on raw buffers: one per-lot rule per level, difference
    /// distribution, no filters (see `CommissionBook.accountFast`). It gives exactly
    /// the lines of the general path (a property test compares them): per-lot
    /// amounts grow with the rate, so capping rates from the top is capping amounts.
    struct ShortPath {
        let fast: UnsafeBufferPointer<Bool>
        let fastRule: UnsafeBufferPointer<Int32>
        let values: UnsafeBufferPointer<Int64>
        let partners: UnsafeBufferPointer<Int32>
        let starts: UnsafeBufferPointer<Int32>
        let lengths: UnsafeBufferPointer<Int32>
        let slots: [Int16]
        let symbols: Int

        @inline(__always)
        func handles(_ deal: EngineDeal) -> Bool {
            let account = Int(deal.account)
            return account >= 0 && account < fast.count && fast[account] && deal.entry != .entryIn
                && (deal.action == .buy || deal.action == .sell) && deal.symbol >= 0 && Int(deal.symbol) < symbols
        }

        @inline(__always)
        func run(_ deal: EngineDeal, own: UnsafeMutableBufferPointer<Int64>, lines: inout [CommissionLine]) {
            let account = Int(deal.account)
            let start = Int(starts[account]), length = Int(lengths[account])
            let symbol = Int(deal.symbol)
            var ceiling = Int64.max
            var level = length - 1
            while level >= 0 {
                let rate = values[Int(fastRule[start + level]) * symbols + symbol]
                ceiling = rate < ceiling ? rate : ceiling
                own[level] = ceiling
                level -= 1
            }
            let slot = slots[account]
            var below: Int64 = 0
            for level in 0..<length {
                let amount = EngineMath.perLot(own[level], deal.volume)
                if amount != below {
                    lines.append(CommissionLine(ticket: deal.ticket, beneficiary: partners[start + level], level: Int16(level + 1), rule: slot,
                                                amount: amount - below))
                }
                below = amount
            }
        }
    }

    /// The lines of one deal with, for each, how it was computed.
    public func explain(_ deal: EngineDeal) -> (lines: [CommissionLine], notes: [String]) {
        var trace = TextTrace(book: book)
        var lines: [CommissionLine] = []
        let slots = max(1, book.ruleIDs.count)
        var own = [Int64](repeating: 0, count: max(1, book.maxDepth) * slots)
        var used = [Bool](repeating: false, count: slots)
        own.withUnsafeMutableBufferPointer { own in
            used.withUnsafeMutableBufferPointer { used in run(deal, own: own, used: used, lines: &lines, trace: &trace) }
        }
        return (lines, trace.notes)
    }

    // MARK: One deal

    @inline(__always)
    func run<T: EngineTrace>(_ deal: EngineDeal, own: UnsafeMutableBufferPointer<Int64>, used: UnsafeMutableBufferPointer<Bool>,
                             lines: inout [CommissionLine], trace: inout T) {
        let b = book
        let account = Int(deal.account)
        guard account >= 0, account < b.accountExcluded.count else { trace.skip(deal, "account index out of the book"); return }
        guard !b.accountExcluded[account] else { trace.skip(deal, "the account is excluded from partner payouts"); return }
        let length = Int(b.accountChainLength[account])
        guard length > 0 else { trace.skip(deal, "the account has no partner"); return }
        let start = Int(b.accountChainStart[account])
        let first = Int(b.chainPartners[start])
        let plan = Int(b.partnerPlan[first])
        guard plan >= 0 else { trace.skip(deal, "the level-1 partner has no plan"); return }
        guard deal.action == .buy || deal.action == .sell else { trace.skip(deal, "not a trade"); return }
        guard deal.isClosing ? b.planEarnClose[plan] : b.planEarnOpen[plan] else {
            trace.skip(deal, "plan \(b.plans[plan].id) v\(b.plans[plan].version) earns on \(b.plans[plan].earnOn.rawValue) deals only"); return
        }
        guard deal.symbol >= 0, Int(deal.symbol) < b.instruments.count else { trace.skip(deal, "symbol index out of the book"); return }
        if deal.isClosing {
            if b.planMinHold[plan] > 0, deal.openedAt > 0, deal.time - deal.openedAt < b.planMinHold[plan] {
                trace.skip(deal, "held \((deal.time - deal.openedAt) / 1_000_000) s, less than the plan's minimum of \(b.planMinHold[plan] / 1_000_000) s"); return
            }
            if deal.openPricePoints > 0 {
                let moved = (deal.pricePoints - deal.openPricePoints).magnitude
                if b.planSkipOpenEqualsClose[plan], moved == 0 { trace.skip(deal, "closed at its open price"); return }
                if b.planMinPoints[plan] > 0, moved < UInt64(b.planMinPoints[plan]) {
                    trace.skip(deal, "the price moved \(moved) points, less than the plan's minimum of \(b.planMinPoints[plan])"); return
                }
            }
        }
        // Bonus money earns nothing: (equity - credit) / equity.
        var coefficientNumerator: Int64 = 1, coefficientDenominator: Int64 = 1
        if b.planBonusCoefficient[plan], deal.credit > 0, deal.equity > 0 {
            coefficientNumerator = max(0, deal.equity - deal.credit)
            coefficientDenominator = deal.equity
            trace.note("bonus coefficient (equity \(deal.equity) - credit \(deal.credit)) / equity \(deal.equity)")
        }
        let receiver = b.accountReceiver[account]
        let cap = b.planCapPerDeal[plan]

        @inline(__always)
        func emit(_ level: Int, _ partner: Int, _ slot: Int16, _ amount: Int64, _ how: @autoclosure () -> String) {
            var paid = amount
            if coefficientDenominator != 1 || coefficientNumerator != 1 {
                paid = EngineMath.mulDiv(amount, coefficientNumerator, coefficientDenominator)
            }
            guard paid != 0 else { return }
            let beneficiary = level == 0 && receiver >= 0 ? receiver : Int32(partner)
            let line = CommissionLine(ticket: deal.ticket, beneficiary: beneficiary, level: Int16(level + 1), rule: slot, amount: paid)
            lines.append(line)
            trace.line(line, how(), redirected: beneficiary != Int32(partner))
        }

        switch b.planDistribution[plan] {
        case 0:
            // Difference: every level's own amount per rule, then each earns its own less the level below's, capped from the top.
            let slots = b.ruleIDs.count
            for level in 0..<length {
                let levelPlan = Int(b.partnerPlan[Int(b.chainPartners[start + level])])
                guard levelPlan >= 0 else { continue }
                let ruleStart = Int(b.planRuleStart[levelPlan])
                for rule in ruleStart..<(ruleStart + Int(b.planRuleCount[levelPlan])) {
                    let slot = Int(b.ruleSlot[rule])
                    var amount = self.amount(rule, deal, account, trace: &trace, level: level)
                    if cap >= 0, amount > cap { amount = cap }
                    own[level * slots + slot] += amount
                    used[slot] = true
                }
            }
            for slot in 0..<slots where used[slot] {
                used[slot] = false
                // The ceiling comes down from the top: no level exceeds the level above it.
                // A partner without a plan neither earns nor caps: the levels around it compare with each other.
                var ceiling = Int64.max
                for level in stride(from: length - 1, through: 0, by: -1) where b.partnerPlan[Int(b.chainPartners[start + level])] >= 0 {
                    let value = min(own[level * slots + slot], ceiling)
                    own[level * slots + slot] = value
                    ceiling = value
                }
                var below: Int64 = 0
                for level in 0..<length {
                    let partner = Int(b.chainPartners[start + level])
                    let effective = own[level * slots + slot]
                    own[level * slots + slot] = 0
                    guard b.partnerPlan[partner] >= 0 else { continue }
                    emit(level, partner, Int16(slot), effective - below,
                         "difference: own \(Explain.money(effective)) - level below \(Explain.money(below))")
                    below = effective
                }
            }
        default:
            let ruleStart = Int(b.planRuleStart[plan])
            let shareStart = Int(b.planShareStart[plan]), shareCount = Int(b.planShareCount[plan])
            for rule in ruleStart..<(ruleStart + Int(b.planRuleCount[plan])) {
                var base = self.amount(rule, deal, account, trace: &trace, level: 0)
                if cap >= 0, base > cap { base = cap }
                guard base > 0 else { continue }
                let slot = b.ruleSlot[rule]
                switch b.planDistribution[plan] {
                case 1:
                    // Fixed share per level of the level-1 amount, the total capped.
                    // Rounded cumulatively, so the parts never add up to more than the capped total.
                    let capShare = b.planCap[plan] >= 0 ? b.planCap[plan] : Int64.max
                    var cumulative: Int64 = 0, paid: Int64 = 0
                    for level in 0..<min(length, shareCount) {
                        let share = b.planShares[shareStart + level]
                        cumulative = min(cumulative + share, capShare)
                        let amount = EngineMath.mulDiv(base, cumulative, Share.whole) - paid
                        paid += amount
                        emit(level, Int(b.chainPartners[start + level]), slot, amount,
                             "\(Share(ppm: share)) of \(Explain.money(base))\(cumulative == capShare ? " (the levels together at most \(Share(ppm: capShare)))" : "")")
                    }
                case 2:
                    // A pool shared by ratios; missing levels' parts are not paid.
                    var total: Int64 = 0
                    for index in 0..<shareCount { total += b.planShares[shareStart + index] }
                    var cumulative: Int64 = 0, paid: Int64 = 0
                    for level in 0..<min(length, shareCount) {
                        let ratio = b.planShares[shareStart + level]
                        cumulative += ratio
                        let amount = EngineMath.mulDiv(base, cumulative, total) - paid
                        paid += amount
                        emit(level, Int(b.chainPartners[start + level]), slot, amount, "\(ratio)/\(total) of the pool \(Explain.money(base))")
                    }
                default:
                    emit(0, first, slot, base, "direct: level 1 only")
                }
            }
        }
    }

    /// One rule's amount for a deal before distribution, in accrual units.
    @inline(__always)
    func amount<T: EngineTrace>(_ rule: Int, _ deal: EngineDeal, _ account: Int, trace: inout T, level: Int) -> Int64 {
        let b = book
        guard b.ruleTypeMask[rule] & b.accountTypeBit[account] != 0 else { return 0 }
        let symbol = Int(deal.symbol)
        let index = rule * b.instruments.count + symbol
        let value = b.ruleValue[index]
        switch b.ruleKind[rule] {
        case 0:
            let amount = EngineMath.perLot(value, deal.volume)
            trace.rule(rule, level, "\(Explain.money(value)) per lot x \(Explain.lots(deal.volume)) lots = \(Explain.money(amount))")
            return amount
        case 1:
            // points x lots x contract size x point size, in the profit currency, then converted.
            let profit = EngineMath.wide(Int128(value) * Int128(deal.volume) * Int128(deal.contractSize) * Int128(b.symbolPointScale[symbol]),
                                         100_000_000 * 100_000_000)
            let amount = EngineMath.convert(profit, b.symbolRate[symbol])
            trace.rule(rule, level, "\(Explain.money(value)) points x \(Explain.lots(deal.volume)) lots x contract \(deal.contractSize) x point 10^-\(b.instruments[symbol].digits) = \(Explain.money(amount))")
            return amount
        case 2:
            var spread = EngineMath.perLot(value, deal.volume)
            let capPerLot = b.ruleCapPerLot[index]
            if capPerLot >= 0 { spread = min(spread, EngineMath.perLot(capPerLot, deal.volume)) }
            // News-spike damping: a deal done while the spread was wider than usual pays x usual / current.
            let typical = b.ruleTypicalSpread[index]
            let damped = typical > 0 && deal.spreadPoints > typical
            if damped { spread = EngineMath.mulDiv(spread, typical, deal.spreadPoints) }
            let amount = EngineMath.mulDiv(spread, b.ruleShare[rule], Share.whole)
            trace.rule(rule, level, "\(Explain.lots(deal.volume)) lots x spread \(Explain.money(value)) per lot\(capPerLot >= 0 ? " (capped at \(Explain.money(capPerLot)))" : "")\(damped ? " x usual spread \(typical) / spread at execution \(deal.spreadPoints) points" : "") x \(Share(ppm: b.ruleShare[rule])) = \(Explain.money(amount))")
            return amount
        default:
            let paid = max(0, -deal.commission)
            let converted = EngineMath.convert(paid, b.accountRate[account])
            let amount = EngineMath.mulDiv(converted, b.ruleShare[rule], Share.whole)
            trace.rule(rule, level, "\(Share(ppm: b.ruleShare[rule])) of the commission paid \(Explain.money(converted)) = \(Explain.money(amount))")
            return amount
        }
    }
}

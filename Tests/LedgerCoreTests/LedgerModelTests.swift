import LedgerCore
import Money
import PropertyBased
import Testing

@Suite struct LedgerModelTests {
    let wallet = LedgerAccount(kind: .clientWallet, owner: "client-1", currency: .usd)
    let clearing = LedgerAccount(kind: .pspClearing, owner: "psp-a", currency: .usd)

    @Test func refusesUnbalancedAndDegenerateTransactions() {
        let unbalanced = LedgerTransaction(idempotencyKey: "k1", kind: "t", occurredAt: 0, postings: [
            Posting(account: wallet, amount: 100), Posting(account: clearing, amount: -99),
        ])
        #expect(throws: LedgerError.unbalanced(key: "k1", currency: "USD", sum: 1)) { try unbalanced.validated() }
        let single = LedgerTransaction(idempotencyKey: "k2", kind: "t", occurredAt: 0, postings: [Posting(account: wallet, amount: 0)])
        #expect(throws: LedgerError.empty(key: "k2")) { try single.validated() }
        let zero = LedgerTransaction(idempotencyKey: "k3", kind: "t", occurredAt: 0, postings: [
            Posting(account: wallet, amount: 0), Posting(account: clearing, amount: 0),
        ])
        #expect(throws: LedgerError.self) { try zero.validated() }
        let badKey = LedgerTransaction(idempotencyKey: "", kind: "t", occurredAt: 0, postings: [])
        #expect(throws: LedgerError.invalidKey("")) { try badKey.validated() }
    }

    @Test func multiCurrencyTransactionsBalancePerCurrency() throws {
        let eurWallet = LedgerAccount(kind: .clientWallet, owner: "client-1", currency: .eur)
        let eurClearing = LedgerAccount(kind: .pspClearing, owner: "fx", currency: .eur)
        let conversion = LedgerTransaction(idempotencyKey: "fx-1", kind: "conversion", occurredAt: 0, postings: [
            Posting(account: wallet, amount: -10_857), Posting(account: clearing, amount: 10_857),
            Posting(account: eurWallet, amount: 10_000), Posting(account: eurClearing, amount: -10_000),
        ])
        #expect(throws: Never.self) { try conversion.validated() }
    }

    @Test func accountCodesRoundTrip() throws {
        let account = LedgerAccount(kind: .ibCommissionPayable, owner: "partner:42", currency: .eur)
        #expect(try LedgerAccount(code: account.code) == account)
        #expect(throws: LedgerError.self) { try LedgerAccount(code: "nonsense") }
    }

    @Test func fingerprintSeesEveryField() {
        let base = PostingRules.deposit(key: "d1", client: "c1", provider: "p", amount: Money(minorUnits: 100, currency: .usd), at: 5)
        let otherAmount = PostingRules.deposit(key: "d1", client: "c1", provider: "p", amount: Money(minorUnits: 101, currency: .usd), at: 5)
        let otherClient = PostingRules.deposit(key: "d1", client: "c2", provider: "p", amount: Money(minorUnits: 100, currency: .usd), at: 5)
        #expect(base.fingerprint == PostingRules.deposit(key: "d1", client: "c1", provider: "p", amount: Money(minorUnits: 100, currency: .usd), at: 5).fingerprint)
        #expect(base.fingerprint != otherAmount.fingerprint)
        #expect(base.fingerprint != otherClient.fingerprint)
    }

    @Test func anySequenceOfValidTransactionsStaysBalanced() async {
        await propertyCheck(count: 200, input: Gen.int64(in: 1...1_000_000).array(of: 1...40), Gen.int(in: 0...4).array(of: 40)) { amounts, owners in
            var balances = Balances()
            for (index, amount) in amounts.enumerated() {
                let client = "client-\(owners[index])"
                let transaction = index % 3 == 2
                    ? PostingRules.withdrawal(key: "w\(index)", client: client, provider: "psp", amount: Money(minorUnits: amount, currency: .usd), at: 0)
                    : PostingRules.deposit(key: "d\(index)", client: client, provider: "psp", amount: Money(minorUnits: amount, currency: .usd), at: 0)
                #expect(throws: Never.self) { try transaction.validated() }
                balances.apply(transaction)
            }
            #expect(balances.isBalanced)
        }
    }
}

@Suite struct PostingChainTests {
    @Test func linksEachPostingToItsAccountsPreviousOneWithTheRunningBalance() throws {
        var chains = PostingChains(heads: [7: AccountHead(balance: 500, lastPostingID: 3_072)])
        let first = try chains.append(id: 4_096, accountID: 7, amount: -200, key: "k")
        #expect(first == ChainedPosting(id: 4_096, accountID: 7, amount: -200, balanceAfter: 300, previousID: 3_072))
        let other = try chains.append(id: 4_097, accountID: 9, amount: 200, key: "k")
        #expect(other.previousID == 0 && other.balanceAfter == 200)
        let second = try chains.append(id: 5_120, accountID: 7, amount: 50, key: "k2")
        #expect(second.previousID == 4_096 && second.balanceAfter == 350)
        #expect(chains.heads[7] == AccountHead(balance: 350, lastPostingID: 5_120))
    }

    @Test func refusesABalanceThatWouldOverflow() throws {
        var chains = PostingChains(heads: [1: AccountHead(balance: .max - 10, lastPostingID: 1_024)])
        #expect(throws: LedgerError.overflow(key: "big")) { try chains.append(id: 2_048, accountID: 1, amount: 11, key: "big") }
        #expect(chains.heads[1] == AccountHead(balance: .max - 10, lastPostingID: 1_024))
    }

    /// Whatever the amounts, every posting's balance is its predecessor's plus its
    /// amount, and the head holds the sum.
    @Test func runningBalancesAreRunningSums() async {
        await propertyCheck(input: Gen.int64(in: -1_000_000...1_000_000).array(of: 1...200), Gen.int(in: 0...4).array(of: 200)) { amounts, accounts in
            var chains = PostingChains(heads: [:])
            var sums: [Int64: Int64] = [:]
            var last: [Int64: Int64] = [:]
            for (index, amount) in amounts.enumerated() {
                let account = Int64(accounts[index])
                let id = Int64(index + 1) * 1_024
                guard let posting = try? chains.append(id: id, accountID: account, amount: amount, key: "p") else {
                    Issue.record("append refused"); return
                }
                sums[account, default: 0] += amount
                #expect(posting.balanceAfter == sums[account])
                #expect(posting.previousID == (last[account] ?? 0))
                last[account] = id
            }
            for (account, sum) in sums { #expect(chains.heads[account] == AccountHead(balance: sum, lastPostingID: last[account] ?? 0)) }
        }
    }
}

import Ledger
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

@testable import MT5Simulator
import Testing

/// The simulator answers a weak password as a real MT5 server does: retcode 3006
/// (MT_RET_USR_INVALID_PASSWORD), not 3 (invalid parameters).
struct SimulatorPasswordPolicyTests {
    @Test func aWeakPasswordIsRefusedWithRetcode3006() throws {
        let book = TradeServerBook(seed: 1)
        let user = TradeServerBook.NewUser(login: 0, group: "real\\standard", name: "T", email: "t@example.com", country: "", leverage: 100,
                                           mainPassword: "password", investorPassword: "Investor#2026", comment: "")
        #expect(throws: SimulatorRefusal(code: 3006, text: "Invalid account password")) { try book.addUser(user) }
        var strong = user
        strong.mainPassword = "Strong#Pass1"
        let account = try book.addUser(strong)
        #expect(throws: SimulatorRefusal(code: 3006, text: "Invalid account password")) {
            try book.changePassword(account.login, investor: true, password: "short")
        }
    }
}

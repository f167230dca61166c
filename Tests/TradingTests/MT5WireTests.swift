import BrokerCore
import Foundation
import NIOCore
import Testing
@testable import Trading

/// Malformed answers are refused with errors that say what was wrong, and nothing
/// from them is used.
@Suite struct MT5WireTests {
    static let deal = #"{"Deal":"1001","Login":"5000001","Order":"7","PositionID":"7","Action":"0","Entry":"0","Reason":"0","Digits":"5","TimeMsc":"1764000000123","Symbol":"EURUSD","Price":"1.08345","VolumeExt":"10000000","ContractSize":"100000","Profit":"0","Commission":"-0.35","Storage":"0","Comment":""}"#

    func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    func parseDeals(_ json: String, max: Int = 100) throws -> [TradeDeal] {
        let (_, answer, _) = try MT5Wire.envelope(body(json), context: "deal/get_batch")
        return try MT5Wire.array(answer, what: "deal/get_batch", max: max).map(MT5Wire.deal)
    }

    @Test func readsAWellFormedDealExactly() throws {
        let deals = try parseDeals(#"{"retcode":"0 Done","answer":[\#(Self.deal)]}"#)
        let deal = try #require(deals.first)
        #expect(deal.ticket == 1001 && deal.login == TradingLogin(5_000_001) && deal.action == .buy && deal.entry == .entryIn)
        #expect(deal.price == Price(points: 108_345, digits: 5) && deal.volume.units == 10_000_000)
        #expect(deal.time == 1_764_000_000_123_000 && deal.commission == PlatformAmount(units: -35_000_000))
        #expect(deal.contractSize == 100_000 * 100_000_000)
    }

    @Test func refusesMalformedAnswersNamingTheProblem() {
        func refusal(_ json: String, max: Int = 100) -> String {
            do { _ = try parseDeals(json, max: max); return "accepted" } catch { return "\(error)" }
        }
        #expect(refusal("not json").contains("not JSON"))
        #expect(refusal(#"["array"]"#).contains("not a JSON object"))
        #expect(refusal(#"{"answer":[]}"#).contains("retcode is missing"))
        #expect(refusal(#"{"retcode":"13 Not found"}"#).contains("not found"))
        #expect(refusal(#"{"retcode":"0 Done","answer":{"Deal":"1"}}"#).contains("not an array"))
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(Self.deal.replacingOccurrences(of: #""Action":"0""#, with: #""Action":"99""#))]}"#)
            .contains("deal 1001: Action 99 is not a known deal action"))
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(Self.deal.replacingOccurrences(of: #""Entry":"0""#, with: #""Entry":"7""#))]}"#)
            .contains("Entry 7"))
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(Self.deal.replacingOccurrences(of: #""Price":"1.08345""#, with: #""Price":1.08345"#))]}"#)
            .contains("Price is not a string"))
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(Self.deal.replacingOccurrences(of: #""Price":"1.08345""#, with: #""Price":"1.083451""#))]}"#)
            .contains("Price"))
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(Self.deal.replacingOccurrences(of: #""Login":"5000001","#, with: ""))]}"#)
            .contains("Login is missing"))
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(Self.deal.replacingOccurrences(of: #""VolumeExt":"10000000""#, with: #""VolumeExt":"-5""#))]}"#)
            .contains("VolumeExt"))
        let many = Array(repeating: Self.deal, count: 11).joined(separator: ",")
        #expect(refusal(#"{"retcode":"0 Done","answer":[\#(many)]}"#, max: 10).contains("11 records"))
    }

    @Test func retcodesBecomeTypedErrors() {
        #expect(MT5Wire.error(code: 3006, text: "Invalid password", context: "x") == .authenticationFailed("x: 3006 Invalid password"))
        // On a user call 3006 is MT_RET_USR_INVALID_PASSWORD: the server's password policy said no.
        #expect(MT5Wire.error(code: 3006, text: "Invalid account password", context: "/api/user/add")
            == .weakPassword("/api/user/add: 3006 Invalid account password"))
        #expect(MT5Wire.error(code: 10019, text: "No money", context: "x") == .noMoney("x: 10019 No money"))
        #expect(MT5Wire.error(code: 13, text: "Not found", context: "x") == .notFound("x: 13 Not found"))
        #expect(MT5Wire.error(code: 3, text: "Invalid parameters", context: "x") == .invalidParameters("x: 3 Invalid parameters"))
        #expect(MT5Wire.error(code: 4005, text: "Money limit", context: "x") == .moneyLimit("x: 4005 Money limit"))
        #expect(MT5Wire.error(code: 3002, text: "Range", context: "x") == .server(code: 3002, text: "x: Range"))
        #expect(MT5Wire.isSuccess(10009) && MT5Wire.isSuccess(1) && !MT5Wire.isSuccess(2))
    }
}

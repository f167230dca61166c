import Foundation
import TestSupport
import Testing

/// `pipstack bench pages` at a small size: it seeds, serves and times every page it
/// names, and prints their figures as JSON on standard output alone.
@Suite struct PagesBenchTests {
    @Test func timesEveryPageItNamesAndPrintsJSON() async throws {
        let port = Int.random(in: 30_000...39_999)
        let run = try await PipstackProcess.run(["bench", "pages", "--clients", "300", "--deals", "6000", "--referred", "30", "--requests", "6",
                                                 "--sessions", "4", "--port", "\(port)", "--json"])
        #expect(run.status == 0, "\(run.output.suffix(2_000))")
        let line = try #require(run.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let pages = try #require(object["pages"] as? [String: [String: Any]])
        #expect(Set(pages.keys) == ["clients_list", "clients_search", "clients_page_2", "client_profile", "admin_home", "partner_home"])
        for (name, figures) in pages {
            let p50 = try #require(figures["p50_ms"] as? Double, "\(name)")
            let p99 = try #require(figures["p99_ms"] as? Double, "\(name)")
            #expect(p50 > 0 && p99 >= p50, "\(name): \(figures)")
        }
        #expect((object["commission_lines"] as? Int ?? 0) > 0, "the referred clients' deals earned commissions")
    }
}

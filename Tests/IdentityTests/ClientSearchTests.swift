import BrokerCore
import Identity
import Platform
import TestSupport
import Testing

/// The client list's search: a word of the name, the whole name, the email or its domain
/// from their start, in any case; the exact client id; and, when a search matches more
/// users than it narrows by id, still the newest matches first, page after page.
@Suite struct ClientSearchTests {
    @Test(arguments: TestDatabases.kinds)
    func findsByNameWordsEmailDomainAndIdInAnyCase(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let clock = ManualClock(micros: 1_700_000_000_000_000)
        let identity = TestIdentity.service(db, clock: clock)
        let maria = try await identity.createUser(kind: .trader, email: "m.garcia@correo.es", password: "correct horse battery",
                                                  displayName: "María  García López", brandID: "brand_test", audit: .system)
        clock.advance(seconds: 1)
        let omar = try await identity.createUser(kind: .trader, email: "omar@example.com", password: "correct horse battery",
                                                 displayName: "عمر الفاروق", brandID: "brand_test", audit: .system)
        _ = try await identity.createUser(kind: .partner, email: "garcia@partners.example", password: "correct horse battery",
                                          displayName: "García Partner", brandID: "brand_test", audit: .system)
        let search = { (text: String) in
            var query = UserDirectory.ClientQuery()
            query.search = text
            let asked = query
            return try await db.read { sql in try await UserDirectory.clients(asked, after: nil, limit: 25, on: sql) }.map(\.id)
        }
        for text in ["maría", "MARÍA", "garcía", "lóp", "maría garcía", "m.garcia@", "M.GARCIA@CORREO.ES", "correo.es", maria.id.rawValue] {
            #expect(try await search(text) == [maria.id], "\(text)")
        }
        #expect(try await search("الفاروق") == [omar.id])
        #expect(try await search("example.com") == [omar.id], "partners are not clients")
        #expect(try await search("arcía").isEmpty, "a search matches from the start of a word")
        #expect(try await search("nobody").isEmpty)
        #expect(try await search("100%_").isEmpty)
    }

    @Test(arguments: TestDatabases.kinds)
    func aSearchMatchingManyUsersPagesNewestFirst(kind: String) async throws {
        let db = try await TestDatabases.make(kind)
        defer { Task { await db.close() } }
        let importer = UserImport(db: db, clock: ManualClock(micros: 1_700_000_000_000_000))
        // More matches than the search narrows by id, so the list is walked in order.
        let count = 2_100
        let traders = (0..<count).map { UserImport.Trader(email: "client\($0)@bench.example", displayName: "Client \($0)", registeredAt: Int64($0) * 1_000) }
        _ = try await importer.importTraders(traders, brandID: "brand_test", audit: .system)
        var query = UserDirectory.ClientQuery()
        query.search = "client"
        var seen: [String] = []
        var after: (Int64, String)?
        while true {
            let (position, asked) = (after, query)
            let page = try await db.read { sql in try await UserDirectory.clients(asked, after: position, limit: 500, on: sql) }
            seen += page.map(\.email)
            guard let last = page.last, page.count == 500 else { break }
            after = (last.createdAt ?? 0, last.id.rawValue)
        }
        #expect(seen.count == count)
        #expect(seen.first == "client2099@bench.example" && seen.last == "client0@bench.example")
        query.search = "Client 209"
        let narrow = query
        let few = try await db.read { sql in try await UserDirectory.clients(narrow, after: nil, limit: 25, on: sql) }.map(\.email)
        #expect(few == ["client2099@bench.example", "client2098@bench.example", "client2097@bench.example", "client2096@bench.example",
                        "client2095@bench.example", "client2094@bench.example", "client2093@bench.example", "client2092@bench.example",
                        "client2091@bench.example", "client2090@bench.example", "client209@bench.example"])
    }
}

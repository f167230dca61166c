import BrokerCore
import Identity
import SQLKit
import Platform

/// Partners and their tree. Each partner has at most one parent at any moment;
/// a move closes the current link and opens a new one at its effective time, so
/// the chain of any past moment stays readable. The current tree is mirrored in a
/// closure table, rebuilt for the moved subtree in the move's transaction.
public struct PartnerStore: Sendable {
    public let db: Database
    let clock: any PipstackClock

    public init(db: Database, clock: any PipstackClock) {
        self.db = db
        self.clock = clock
    }

    public func create(_ partner: Partner, parent: PartnerID?, from: Int64, audit: AuditContext) async throws {
        guard (1...64).contains(partner.id.rawValue.count), partner.id.rawValue.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw PartnerError.invalid(field: "id", "1 to 64 of A-Z, a-z, 0-9, _ and -")
        }
        guard !partner.name.allSatisfy(\.isWhitespace), partner.name.count <= 200 else { throw PartnerError.invalid(field: "name", "1 to 200 characters") }
        // The address payout notices and invitations go to: checked here, not only by the browser.
        var checked = partner
        if !checked.email.isEmpty {
            guard let email = EmailAddress.normalised(checked.email) else {
                throw PartnerError.invalid(field: "email", "an email address like name@example.com")
            }
            checked.email = email
        }
        let partner = checked
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            if let parent {
                guard try await Self.exists(parent, on: sql) else { throw PartnerError.unknownPartner(parent) }
            }
            try await sql.raw("""
                INSERT INTO partners (id, user_id, kind, legal_type, name, email, status, agreement_accepted_at, created_at, updated_at)
                VALUES (\(bind: partner.id), \(bind: partner.userID), \(bind: partner.kind.rawValue), \(bind: partner.legalType.rawValue),
                        \(bind: partner.name), \(bind: partner.email), \(bind: partner.status.rawValue), \(bind: partner.agreementAcceptedAt),
                        \(bind: now), \(bind: now))
                """).run()
            try await sql.raw("INSERT INTO partner_closure (ancestor_id, descendant_id, depth) VALUES (\(bind: partner.id), \(bind: partner.id), 0)").run()
            if let parent {
                try await sql.raw("""
                    INSERT INTO partner_links (partner_id, parent_id, valid_from, valid_to)
                    VALUES (\(bind: partner.id), \(bind: parent), \(bind: from), \(bind: Effective.open))
                    """).run()
                try await sql.raw("""
                    INSERT INTO partner_closure (ancestor_id, descendant_id, depth)
                    SELECT ancestor_id, \(bind: partner.id), depth + 1 FROM partner_closure WHERE descendant_id = \(bind: parent)
                    """).run()
            }
            try await AuditLog.append(audit.entry("partner.create", entityType: "partner", entityID: partner.id,
                                                  after: "{\"parent\":\"\(parent ?? "")\",\"from\":\(from)}"), at: now, on: sql, dialect: dialect)
        }
    }

    /// Moves a partner (with its subtree) under `parent` (nil: to the top) from `at` on.
    public func move(_ partnerID: PartnerID, to parent: PartnerID?, at: Int64, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            guard try await Self.exists(partnerID, on: sql) else { throw PartnerError.unknownPartner(partnerID) }
            if let parent {
                guard try await Self.exists(parent, on: sql) else { throw PartnerError.unknownPartner(parent) }
                let below = try await sql.raw("""
                    SELECT 1 AS x FROM partner_closure WHERE ancestor_id = \(bind: partnerID) AND descendant_id = \(bind: parent)
                    """).first()
                guard below == nil else { throw PartnerError.cycle(partner: partnerID, parent: parent) }
            }
            let closed = try await EffectiveRows.close(table: "partner_links", key: ("partner_id", partnerID.rawValue), at: at, what: "the move of \(partnerID)", on: sql)
            let before = try closed?.decode(column: "parent_id", as: String.self)
            if let parent {
                try await sql.raw("""
                    INSERT INTO partner_links (partner_id, parent_id, valid_from, valid_to)
                    VALUES (\(bind: partnerID), \(bind: parent), \(bind: at), \(bind: Effective.open))
                    """).run()
            }
            // The closure of the current tree: cut the subtree from its old ancestors, join it to the new ones.
            try await sql.raw("""
                DELETE FROM partner_closure
                WHERE descendant_id IN (SELECT descendant_id FROM partner_closure WHERE ancestor_id = \(bind: partnerID))
                  AND ancestor_id NOT IN (SELECT descendant_id FROM partner_closure WHERE ancestor_id = \(bind: partnerID))
                """).run()
            if let parent {
                try await sql.raw("""
                    INSERT INTO partner_closure (ancestor_id, descendant_id, depth)
                    SELECT above.ancestor_id, below.descendant_id, above.depth + below.depth + 1
                    FROM partner_closure above, partner_closure below
                    WHERE above.descendant_id = \(bind: parent) AND below.ancestor_id = \(bind: partnerID)
                    """).run()
            }
            try await AuditLog.append(audit.entry("partner.move", entityType: "partner", entityID: partnerID,
                                                  before: "{\"parent\":\"\(before ?? "")\"}", after: "{\"parent\":\"\(parent ?? "")\",\"at\":\(at)}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Records that the partner accepted the partner agreement (once: a later call
    /// keeps the first acceptance). Payouts wait for it.
    public func acceptAgreement(_ id: PartnerID, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            let updated = try await sql.raw("""
                UPDATE partners SET agreement_accepted_at = \(bind: now), updated_at = \(bind: now) WHERE id = \(bind: id) AND agreement_accepted_at = 0 RETURNING id
                """).all()
            guard !updated.isEmpty else { return }
            try await AuditLog.append(audit.entry("partner.agreement_accept", entityType: "partner", entityID: id, after: "{\"at\":\(now)}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    /// Gives the partner its portal login (a partner user, usually just invited); a
    /// partner keeps the login it has, and a login belongs to one partner only.
    public func linkUser(_ id: PartnerID, userID: UserID, audit: AuditContext) async throws {
        let now = clock.nowMicros()
        let dialect = db.dialect
        try await db.transaction { sql in
            if try await sql.raw("SELECT id FROM partners WHERE user_id = \(bind: userID.rawValue)").first() != nil {
                throw PartnerError.invalid(field: "email", "this login belongs to another partner already")
            }
            let updated = try await sql.raw("""
                UPDATE partners SET user_id = \(bind: userID.rawValue), updated_at = \(bind: now) WHERE id = \(bind: id) AND user_id = '' RETURNING id
                """).all()
            guard !updated.isEmpty else { throw PartnerError.invalid(field: "email", "partner \(id) has a login already") }
            try await AuditLog.append(audit.entry("partner.login_linked", entityType: "partner", entityID: id, after: "{\"user\":\"\(userID.rawValue)\"}"),
                                      at: now, on: sql, dialect: dialect)
        }
    }

    public func partner(_ id: PartnerID) async throws -> Partner? {
        try await db.read { sql in try await sql.raw("SELECT * FROM partners WHERE id = \(bind: id)").first().map(Self.decode) }
    }

    /// The partner a portal user is, if any.
    public func partner(userID: String) async throws -> Partner? {
        try await db.read { sql in try await sql.raw("SELECT * FROM partners WHERE user_id = \(bind: userID) LIMIT 1").first().map(Self.decode) }
    }

    /// The partners with these ids (those that exist).
    public func partners(_ ids: Set<PartnerID>) async throws -> [Partner] {
        guard !ids.isEmpty else { return [] }
        return try await db.read { sql in
            try await sql.raw("SELECT * FROM partners WHERE id IN (\(binds: ids.sorted())) ORDER BY id").all().map(Self.decode)
        }
    }

    /// How many partners there are.
    public func count() async throws -> Int {
        try await db.read { sql in try await sql.raw("SELECT COUNT(*) AS n FROM partners").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    public func all() async throws -> [Partner] {
        try await db.read { sql in try await sql.raw("SELECT * FROM partners ORDER BY id").all().map(Self.decode) }
    }

    /// The partner and everyone below it now, with their depth below it.
    public func subtree(of id: PartnerID) async throws -> [(partner: PartnerID, depth: Int)] {
        try await db.read { sql in
            try await sql.raw("""
                SELECT descendant_id, depth FROM partner_closure WHERE ancestor_id = \(bind: id) ORDER BY depth, descendant_id
                """).all().map { (try $0.decode(column: "descendant_id", as: PartnerID.self), try $0.decode(column: "depth", as: Int.self)) }
        }
    }

    /// The parents of every partner at `time` (µs).
    public func parents(at time: Int64) async throws -> [PartnerID: PartnerID] {
        try await db.read { sql in
            var parents: [PartnerID: PartnerID] = [:]
            for row in try await EffectiveRows.inForce("partner_id, parent_id", from: "partner_links", at: time, on: sql) {
                parents[try row.decode(column: "partner_id", as: PartnerID.self)] = try row.decode(column: "parent_id", as: PartnerID.self)
            }
            return parents
        }
    }

    /// The chain from `id` up to its root at `time`: `id` first.
    public func chain(of id: PartnerID, at time: Int64) async throws -> [PartnerID] {
        // One indexed lookup per level (the key starts with partner_id), not the whole tree.
        try await db.read { sql in
            var chain = [id]
            var seen: Set<PartnerID> = [id]
            while let row = try await sql.raw("""
                SELECT parent_id FROM partner_links WHERE partner_id = \(bind: chain[chain.count - 1]) AND valid_from <= \(bind: time) AND valid_to > \(bind: time)
                """).first() {
                let parent = try row.decode(column: "parent_id", as: PartnerID.self)
                guard !parent.rawValue.isEmpty, seen.insert(parent).inserted else { break }
                chain.append(parent)
            }
            return chain
        }
    }

    static func chain(of id: PartnerID, parents: [PartnerID: PartnerID]) -> [PartnerID] {
        var chain = [id]
        var seen: Set<PartnerID> = [id]
        while let parent = parents[chain[chain.count - 1]], seen.insert(parent).inserted { chain.append(parent) }
        return chain
    }

    static func exists(_ id: PartnerID, on sql: any SQLDatabase) async throws -> Bool {
        try await sql.raw("SELECT id FROM partners WHERE id = \(bind: id)").first() != nil
    }

    static func decode(_ row: any SQLRow) throws -> Partner {
        Partner(id: try row.decode(column: "id", as: PartnerID.self), userID: try row.decode(column: "user_id", as: String.self),
                kind: Partner.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .ib,
                legalType: Partner.LegalType(rawValue: try row.decode(column: "legal_type", as: String.self)) ?? .person,
                name: try row.decode(column: "name", as: String.self), email: try row.decode(column: "email", as: String.self),
                status: Partner.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .active,
                agreementAcceptedAt: try row.decode(column: "agreement_accepted_at", as: Int64.self))
    }
}

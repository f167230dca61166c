import Platform


/// The partner network's tables: partners, their effective-dated tree and closure, plan versions and assignments, attributions.
/// Version numbers are global across slices and never change; never edit a released
/// migration: add one.
public enum PartnersSchema {
    public static let migrations: [Migration] = [partners, attributionsByPartner]

    /// Partners, their tree, plans and attributions, all effective-dated: a link,
    /// plan assignment or attribution holds from `valid_from` (inclusive) to
    /// `valid_to` (exclusive; the largest BIGINT while open), so the state at any
    /// past moment can be read back and a move never rewrites earlier earnings.
    /// `partner_closure` is the current tree's closure table (ancestor, descendant,
    /// depth) for fast subtree queries on both databases.
    static let partners = Migration(version: 6, name: "partners") { _ in [
        """
        CREATE TABLE partners (
            id TEXT PRIMARY KEY, user_id TEXT NOT NULL, kind TEXT NOT NULL, legal_type TEXT NOT NULL, name TEXT NOT NULL,
            email TEXT NOT NULL, status TEXT NOT NULL, agreement_accepted_at BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE partner_links (
            partner_id TEXT NOT NULL, parent_id TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL,
            PRIMARY KEY (partner_id, valid_from))
        """,
        "CREATE INDEX partner_links_parent ON partner_links (parent_id, valid_to)",
        """
        CREATE TABLE partner_closure (
            ancestor_id TEXT NOT NULL, descendant_id TEXT NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (ancestor_id, descendant_id))
        """,
        "CREATE INDEX partner_closure_descendant ON partner_closure (descendant_id)",
        """
        CREATE TABLE commission_plans (
            id TEXT NOT NULL, version INTEGER NOT NULL, effective_from BIGINT NOT NULL, document TEXT NOT NULL,
            created_by TEXT NOT NULL, created_at BIGINT NOT NULL, PRIMARY KEY (id, version))
        """,
        """
        CREATE TABLE partner_plans (
            partner_id TEXT NOT NULL, plan_id TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL,
            PRIMARY KEY (partner_id, valid_from))
        """,
        """
        CREATE TABLE attributions (
            subject_type TEXT NOT NULL, subject_id TEXT NOT NULL, partner_id TEXT NOT NULL, excluded INTEGER NOT NULL,
            rebate_receiver TEXT NOT NULL, valid_from BIGINT NOT NULL, valid_to BIGINT NOT NULL,
            PRIMARY KEY (subject_type, subject_id, valid_from))
        """,
        "CREATE INDEX attributions_partner ON attributions (partner_id, valid_to)",
    ] }

    /// A partner's clients counted and listed from the index alone (the partner home
    /// counts them on every view): kind and both ends of the period are in it.
    static let attributionsByPartner = Migration(version: 22, name: "attributions_by_partner") { _ in [
        "DROP INDEX attributions_partner",
        "CREATE INDEX attributions_partner ON attributions (partner_id, subject_type, valid_to, valid_from)",
    ] }
}

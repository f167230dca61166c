import Foundation
import WebKit

/// The engine's explanation of a deal, in the reader's language. The engine (a pure
/// core, also read by the CLI and the API) writes its notes in English from a fixed
/// set of phrases; this replaces each phrase with the catalogue's, longest first,
/// and leaves the numbers, ids and symbols as they are.
package enum ExplainText {
    /// Every phrase the engine's notes are built from, with its catalogue key.
    package static let phrases: [(key: String, english: String)] = [
        ("explain_f_earns_nothing", " earns nothing: "),
        ("explain_f_excluded", "the account is excluded from partner payouts"),
        ("explain_f_account_out", "account index out of the book"),
        ("explain_f_no_partner", "the account has no partner"),
        ("explain_f_no_plan", "the level-1 partner has no plan"),
        ("explain_f_not_trade", "not a trade"),
        ("explain_f_symbol_out", "symbol index out of the book"),
        ("explain_f_closed_open", "closed at its open price"),
        ("explain_f_less_than_min", ", less than the plan's minimum of "),
        ("explain_f_price_moved", "the price moved "),
        ("explain_f_held", "held "),
        ("explain_f_earns_on", " earns on "),
        ("explain_f_deals_only", " deals only"),
        ("explain_f_deal", "deal "),
        ("explain_f_level_below", " - level below "),
        ("explain_f_difference", "difference: own "),
        ("explain_f_at_level", " at level "),
        ("explain_f_for_rule", " for rule "),
        ("explain_f_receiver", " (the account's rebate receiver)"),
        ("explain_f_pays", "pays "),
        ("explain_f_plan", ", plan "),
        ("explain_f_rule", ", rule "),
        ("explain_f_level", "level "),
        ("explain_f_contract", " lots x contract "),
        ("explain_f_point", " x point "),
        ("explain_f_points_x", " points x "),
        ("explain_f_lots_spread", " lots x spread "),
        ("explain_f_capped", " (capped at "),
        ("explain_f_usual_spread", " x usual spread "),
        ("explain_f_spread_exec", " / spread at execution "),
        ("explain_f_commission_paid", " of the commission paid "),
        ("explain_f_levels_together", " (the levels together at most "),
        ("explain_f_of_pool", " of the pool "),
        ("explain_f_direct", "direct: level 1 only"),
        ("explain_f_bonus", "bonus coefficient (equity "),
        ("explain_f_credit", " - credit "),
        ("explain_f_equity", ") / equity "),
        ("explain_f_per_lot_x", " per lot x "),
        ("explain_f_per_lot", " per lot"),
        ("explain_f_lots_eq", " lots = "),
        ("explain_f_lots", " lots"),
        ("explain_f_points", " points"),
        ("explain_f_of", " of "),
        ("explain_f_close", "close"),
        ("explain_f_open", "open"),
    ]

    /// The engine's sentences, whole: a translation puts the deal, partner, amounts and
    /// rule where its language wants them. What a placeholder holds (a reason, a formula)
    /// is translated in turn; ids and numbers are kept.
    package static let sentences: [(english: String, key: String)] = [
        ("deal {ticket} earns nothing: {reason}", "explain_s_earns_nothing"),
        ("plan {plan} v{version} earns on {side} deals only", "explain_s_earns_on"),
        ("held {held} s, less than the plan's minimum of {minimum} s", "explain_s_held"),
        ("the price moved {moved} points, less than the plan's minimum of {minimum}", "explain_s_moved"),
        ("level {level}, plan {plan} v{version}, rule {rule}: {formula}", "explain_s_rule"),
        ("pays {partner} {amount} {currency} at level {level} for rule {rule}: {formula} (the account's rebate receiver)", "explain_s_pays_receiver"),
        ("pays {partner} {amount} {currency} at level {level} for rule {rule}: {formula}", "explain_s_pays"),
    ]

    private static let templates = SentenceTemplates(sentences)

    package static func localized(_ note: String, _ t: (String) -> String) -> String {
        let translated = templates.translate(note, t) { name, value in
            switch name {
            case "reason", "formula": localized(value, t)
            case "side": value == "close" || value == "open" ? t("explain_f_\(value)") : value
            default: value
            }
        }
        return translated ?? phrases(note, t)
    }

    /// A note as a page shows it: localized, starting with a capital letter.
    package static func shown(_ note: String, _ t: (String) -> String) -> String {
        let text = localized(note, t)
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// A formula or a note no sentence matches: each known phrase replaced in place.
    static func phrases(_ note: String, _ t: (String) -> String) -> String {
        var text = note
        var parts: [(String, String)] = []
        // Placeholders first, so a translated phrase is never matched again by a shorter one.
        for (index, phrase) in phrases.enumerated() where text.contains(phrase.english) {
            let mark = "\u{1}\(index)\u{2}"
            text = text.replacingOccurrences(of: phrase.english, with: mark)
            parts.append((mark, t(phrase.key)))
        }
        for (mark, translated) in parts { text = text.replacingOccurrences(of: mark, with: translated) }
        return text
    }
}

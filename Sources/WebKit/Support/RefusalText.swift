import Foundation

/// Refusals from the slices' rules, in the reader's language. A domain error says
/// "field: reason" in English (the API and the logs keep that); a page shows the
/// field by its label and the reason from the catalogue, found by matching the
/// English reason against the templates below: `{name}` stands for a value the reason
/// names (an id, a colour), carried over into the translation as it is. A reason no
/// template knows is shown as the slice wrote it.
package enum RefusalText {
    /// English reason templates and their catalogue keys (`refusal_*`, with the same
    /// placeholders in every language).
    package static let templates: [(english: String, key: String)] = [
        ("1 to 64 of a-z, 0-9, _ and -", "refusal_id_lower"),
        ("1 to 64 of A-Z, a-z, 0-9, _ and -", "refusal_id_mixed"),
        ("1 to 100 characters", "refusal_length_100"),
        ("1 to 200 characters", "refusal_length_200"),
        ("at most 2000 characters", "refusal_length_2000"),
        ("a host name or IP address", "refusal_host"),
        ("1 to 65535", "refusal_port"),
        ("the manager account's login, a positive number", "refusal_manager_login"),
        ("the manager password is required", "refusal_manager_password"),
        ("a group mask such as real\\*", "refusal_group_mask"),
        ("logins from 1 up", "refusal_logins"),
        ("{host} is not a host name", "refusal_not_host"),
        ("unknown language {code}; Pipstack ships en, es, ar", "refusal_unknown_language"),
        ("name at least one language", "refusal_one_language"),
        ("must be one of the brand's languages", "refusal_brand_language"),
        ("{color} is not a #rgb or #rrggbb color", "refusal_color"),
        ("an http(s) URL or a path starting with /", "refusal_logo_url"),
        ("a server group such as real\\standard (no wildcards)", "refusal_server_group"),
        ("group {group} is already account type {type}", "refusal_group_taken"),
        ("{value} is not a leverage from 1 to 10000", "refusal_leverage_value"),
        ("each from 1 to 10000", "refusal_leverage_range"),
        ("give at least one leverage", "refusal_leverage_none"),
        ("choose a trade server", "refusal_choose_server"),
        ("partner {id} exists already", "refusal_partner_exists"),
        ("an email address like name@example.com", "refusal_email"),
        ("partner {id} has a login already", "refusal_partner_has_login"),
        ("this login belongs to another partner already", "refusal_login_taken"),
        ("no client with the email {email}", "refusal_no_client_email"),
        ("no trading account {account} (write server:login)", "refusal_no_trading_account"),
        ("default, group NAME or symbol NAME", "refusal_applies_to"),
        ("a day as YYYY-MM-DD", "refusal_day"),
        ("{partner} is on no plan to override", "refusal_no_plan_to_override"),
        ("plan {plan} has no rule {rule}", "refusal_no_rule"),
        ("only per-lot rates can be overridden here", "refusal_per_lot_only"),
        ("must not be negative", "refusal_not_negative"),
        ("unknown currency {currency}", "refusal_unknown_currency"),
        ("the partner has no user whose wallet could be paid", "refusal_no_wallet_user"),
        ("partner {id} has no user whose wallet could be paid", "refusal_partner_no_wallet_user"),
        ("a wallet payout names no account", "refusal_wallet_no_account"),
        ("SERVER:LOGIN of a trading account", "refusal_server_login"),
        ("an active trading account of the partner's own", "refusal_own_account"),
        ("finance has not set up this partner's payouts yet", "refusal_payouts_not_set_up"),
        ("no recorded {pair} rate", "refusal_no_rate"),
        ("trading-account payouts are not available here", "refusal_account_payouts_unavailable"),
        ("a reason is required", "refusal_reason_required"),
        ("no partner {id}", "refusal_no_partner"),
        ("no commission plan {id}", "refusal_no_plan"),
        ("{parent} is below {partner} in the tree: the move would make a cycle", "refusal_cycle"),
        ("{what}: a change takes effect after the one in force, never before it", "refusal_not_after_current"),
        ("no payout {id}", "refusal_no_payout"),
        ("payout {id} is {status}", "refusal_payout_status"),
        // Balance operations, reconciliation and account changes (Trading); the general
        // forms come after the particular ones above, which they would also match.
        ("say what was done, 3 to 1000 characters", "refusal_resolution"),
        ("too large", "refusal_too_large"),
        ("unknown currency", "refusal_unknown_currency_plain"),
        ("choose an operation", "refusal_choose_operation"),
        ("at most 200 characters", "refusal_length_at_most_200"),
        ("{value} is not an amount in {currency}", "refusal_not_amount"),
        ("a cent account moves whole {currency} cents: use a multiple of {count}", "refusal_cent_multiple"),
        ("must be positive (a correction may be negative, not zero)", "refusal_positive_or_correction"),
        ("the account is held in {held}, not {sent}", "refusal_account_currency"),
        ("1 to {max} of A-Z, a-z, 0-9, _ and -", "refusal_id_mixed_length"),
        ("deposits and withdrawals need the client's wallet", "refusal_needs_wallet"),
        ("trading account {login} exists already", "refusal_account_exists"),
        ("trading account {account} is not active", "refusal_account_not_active"),
        ("account type {id} is not offered", "refusal_type_not_offered"),
        ("trading account {account} is not funded in {currency}", "refusal_account_not_in_currency"),
        ("operation {id} was already requested with different content", "refusal_operation_conflict"),
        ("trade server {id} has no logins left in its range; widen it in the back office", "refusal_logins_exhausted"),
        ("no active trading account {account}", "refusal_no_active_account"),
        ("trading account {account} belongs to someone else", "refusal_not_the_owners"),
        ("trade server {id} is disabled", "refusal_server_disabled"),
        ("no account type {id}", "refusal_no_account_type"),
        ("no trade server {id}", "refusal_no_trade_server"),
        ("no trading account {account}", "refusal_no_trading_account_plain"),
        ("trade server unavailable: {detail}", "refusal_server_unavailable"),
        ("not enough money: {detail}", "refusal_not_enough_money"),
        ("trade server refused the parameters: {detail}", "refusal_server_parameters"),
        ("no permission on the trade server: {detail}", "refusal_server_permission"),
        ("the trade server's password policy refused the password: {detail}", "refusal_server_password"),
        ("item {id} is already resolved", "refusal_item_resolved"),
        // Payments.
        ("must be positive", "refusal_must_be_positive"),
        ("no payment provider {id} is enabled", "refusal_no_payment_provider"),
        ("idempotency key {key} was used for another deposit", "refusal_deposit_key_reused"),
        ("only an approved, credited deposit can be refunded; this one is {state}", "refusal_deposit_not_refundable"),
        ("the client's wallet holds only {amount}; move money back to it first", "refusal_wallet_holds_only"),
        ("the card provider did not answer: {detail}", "refusal_card_unreachable"),
        ("the card provider refused the payment (HTTP {status}): {message}", "refusal_card_refused"),
        ("the card provider's answer could not be read", "refusal_card_unreadable"),
        ("until your identity is verified, deposits are limited to {limit} in total; {remaining} remains", "refusal_unverified_deposit_limit"),
        // Commission plans (their messages follow a JSON path into the plan document).
        ("is not valid JSON", "refusal_not_json"),
        ("unknown distribution {name}; use difference, per_level, capped_ratios or direct", "refusal_unknown_distribution"),
        ("is required", "refusal_required"),
        ("has the wrong type", "refusal_wrong_type"),
        ("is missing", "refusal_missing"),
        ("cannot be read", "refusal_unreadable"),
        ("versions count from 1", "refusal_version_from_1"),
        ("a plan needs at least one rule, a revenue share or a CPA", "refusal_plan_needs_rule"),
        ("daily, weekly or monthly", "refusal_period"),
        ("at least 1 period", "refusal_one_period"),
        ("cannot be negative", "refusal_cannot_be_negative"),
        ("give one share per level, e.g. [\"20%\", \"5%\", \"2%\"]", "refusal_shares_per_level"),
        ("{value} is not a percentage from 0% to 100%", "refusal_percentage"),
        ("the levels add up to more than 100%; set a cap", "refusal_levels_over_100"),
        ("one non-negative ratio per level, at least one above zero", "refusal_ratios"),
        ("rule id {id} is used twice", "refusal_rule_twice"),
        ("give a default, group or symbol rate", "refusal_give_rate"),
        ("tiers price lots in money: use unit money", "refusal_tiers_money"),
        ("give at least one step", "refusal_one_step"),
        ("{value} is not a number of lots", "refusal_not_lots"),
        ("the first step starts at 0 lots", "refusal_first_step"),
        ("steps must rise", "refusal_steps_rise"),
        ("the spread earned per lot is required", "refusal_spread_required"),
        ("{value} is not a whole number of points above 0", "refusal_points_above_zero"),
        ("only per-lot rules have volume tiers", "refusal_tiers_per_lot"),
        ("only spread-share rules are damped by the spread", "refusal_damped_spread_share"),
        ("{value} is not a non-negative amount with at most 8 decimals", "refusal_amount_8"),
        ("a percentage such as \"30%\" is required", "refusal_percentage_required"),
        ("{value} is not a non-negative amount in {currency} with at most {decimals} decimals", "refusal_amount_in_currency"),
        ("{value} is not a non-negative number of lots", "refusal_lots_not_negative"),
        ("a minimum spread needs the spread earned per lot", "refusal_min_spread"),
        ("1 to 3650 days", "refusal_days_3650"),
        ("give at least one band, e.g. [{\"min_deposit\": \"100.00\", \"amount\": \"250.00\"}]", "refusal_one_band"),
        ("{code} is not a two-letter country code", "refusal_country_code"),
        ("write NAME=RATE, separated by commas", "refusal_name_rate"),
        ("a whole number of seconds", "refusal_whole_seconds"),
        ("{plan} differs from the book's {currency}", "refusal_book_currency"),
        ("no plan {id}", "refusal_no_plan_short"),
        ("0 to 8", "refusal_zero_to_8"),
        ("{value} is not a non-negative number of points", "refusal_points_not_negative"),
        ("too many rule ids", "refusal_too_many_rules"),
        ("at most 64 account types in one book", "refusal_account_types_64"),
    ]

    /// `english` ("field: reason", or a reason alone) in the catalogue's words.
    package static func localized(_ english: String, _ t: (String) -> String) -> String {
        guard let colon = english.range(of: ": ") else { return translate(english, t) ?? english }
        let field = String(english[..<colon.lowerBound])
        let reason = String(english[colon.upperBound...])
        // A path into a document the person wrote (`rules[0].rates.default`) is theirs: kept as written.
        if isDocumentPath(field), let translated = translate(reason, t) { return field + ": " + translated }
        guard !field.isEmpty, field.allSatisfy({ $0.isLowercase || $0 == "_" }) else { return translate(english, t) ?? english }
        let key = "field_" + field
        let label = t(key)
        if let translated = translate(reason, t) { return (label == key ? field : label) + ": " + translated }
        // "what: reason" where the template spans the whole text.
        if let whole = translate(english, t) { return whole }
        return (label == key ? field : label) + ": " + reason
    }

    /// `rules[0].rates.default`, `cpa.bands[1].amount`: a key path, with a dot or an index.
    static func isDocumentPath(_ text: String) -> Bool {
        guard let first = text.first, first.isLowercase, text.contains(where: { $0 == "." || $0 == "[" }) else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.[]-".contains($0)) }
    }

    /// The reason through the first template it matches, nil when none does.
    package static func translate(_ reason: String, _ t: (String) -> String) -> String? {
        compiled.translate(reason, t)
    }

    /// The placeholders of a template, in order.
    package static func placeholders(_ text: String) -> [String] { SentenceTemplates.placeholders(text) }

    private static let compiled = SentenceTemplates(templates)
}

extension PageRenderer {
    /// A slice's refusal in the reader's language (see `RefusalText`).
    package func refusal(_ error: any CustomStringConvertible, _ context: AppContext) -> String {
        RefusalText.localized(error.description, { text($0, context) })
    }

    /// A refusal of a document the person wrote (a plan's JSON): the path into it is
    /// theirs and kept as written, the reason is in their language.
    package func refusal(path: String, reason: String, _ context: AppContext) -> String {
        path + ": " + (RefusalText.translate(reason, { text($0, context) }) ?? reason)
    }
}

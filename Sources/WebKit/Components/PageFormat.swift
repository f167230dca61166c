import BrokerCore
import Foundation
import Money
import Synchronization

/// How numbers, money and times read for one person: the separators of their
/// language, and times in their time zone with UTC kept for the `title`.
///
/// Amounts are formatted from their exact integer value (no floating point): the
/// digits come from `FixedPoint`, and only the separators are the locale's.
package struct PageFormat: Sendable {
    package let language: Language
    package let timeZone: TimeZone
    private let separators: Separators
    private let dateTime: Date.FormatStyle
    private let dateOnly: Date.FormatStyle
    private let shortDay: Date.FormatStyle
    /// Chart axes label the same thirty days on every view; formatting a date is costly.
    private let shortDays = LabelCache()

    package init(language: Language, timeZone: TimeZone = .gmt) {
        self.language = language
        self.timeZone = timeZone
        separators = Separators(language)
        let locale = Locale(identifier: language.rawValue)
        dateTime = Date.FormatStyle(date: .abbreviated, time: .shortened, locale: locale, timeZone: timeZone)
        dateOnly = Date.FormatStyle(date: .abbreviated, time: .omitted, locale: locale, timeZone: timeZone)
        shortDay = Date.FormatStyle(locale: locale, timeZone: timeZone).day().month(.abbreviated)
    }

    /// `value` scaled by 10^`scale`, with at least `minimumDecimals` and trailing zeros
    /// beyond them dropped: volumes read "1.5", money keeps its currency's decimals.
    package func number(_ value: Int64, scale: Int = 0, minimumDecimals: Int? = nil) -> String {
        let plain = FixedPoint.format(value, scale: scale, minimumDecimals: minimumDecimals ?? scale)
        return separators.apply(plain)
    }

    /// Money in its currency's minor units, with its currency code.
    package func money(_ money: Money) -> String {
        number(money.minorUnits, scale: money.currency.exponent) + "\u{00A0}" + money.currency.code
    }

    /// Accrual precision (10⁻⁸), for places labelled as such (explanations).
    package func accrual(_ accrual: Accrual) -> String {
        number(accrual.units, scale: Accrual.scale, minimumDecimals: accrual.currency.exponent) + "\u{00A0}" + accrual.currency.code
    }

    package func percent(basisPoints: Int64) -> String { number(basisPoints, scale: 2, minimumDecimals: 0) + "\u{00A0}%" }

    /// A moment in the person's time zone, in their language.
    package func time(_ micros: Int64) -> String { Self.date(micros).formatted(dateTime) }

    /// A calendar day, in the person's language.
    package func day(_ micros: Int64) -> String { Self.date(micros).formatted(dateOnly) }

    /// A day as a chart axis label ("5 Dec").
    package func shortDay(_ micros: Int64) -> String {
        if let known = shortDays.labels.withLock({ $0[micros] }) { return known }
        let label = Self.date(micros).formatted(shortDay)
        shortDays.labels.withLock { labels in
            if labels.count >= 4_096 { labels.removeAll() }
            labels[micros] = label
        }
        return label
    }

    /// The same moment in UTC, ISO 8601, for `datetime` and the hover title.
    package func utc(_ micros: Int64) -> String {
        Self.date(micros).formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: false).timeSeparator(.colon)) + " UTC"
    }

    package func iso(_ micros: Int64) -> String { Self.date(micros).formatted(.iso8601) }

    private static func date(_ micros: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000) + TimeInterval(micros % 1_000_000) / 1_000_000)
    }
}

/// Labels already formatted, shared by the copies of one `PageFormat`.
private final class LabelCache: Sendable {
    let labels = Mutex<[Int64: String]>([:])
}

/// Thousands and decimal separators as each shipped language writes them (CLDR):
/// Spanish groups only from five integer digits ("1234,50" but "12.345,50").
private struct Separators: Sendable {
    let group: String
    let decimal: String
    let minimumGroupingDigits: Int

    init(_ language: Language) {
        switch language {
        case .en, .ar: (group, decimal, minimumGroupingDigits) = (",", ".", 1)
        case .es: (group, decimal, minimumGroupingDigits) = (".", ",", 2)
        }
    }

    /// Rewrites "-1234567.89" with this language's separators.
    func apply(_ plain: String) -> String {
        var text = Substring(plain)
        let sign = text.first == "-" ? "-" : ""
        if !sign.isEmpty { text = text.dropFirst() }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = parts.first.map(String.init) ?? "0"
        var grouped = integer
        if integer.count >= 3 + minimumGroupingDigits {
            var out: [Character] = []
            for (offset, digit) in integer.reversed().enumerated() {
                if offset > 0, offset % 3 == 0 { out.append(contentsOf: group.reversed()) }
                out.append(digit)
            }
            grouped = String(out.reversed())
        }
        return sign + grouped + (parts.count == 2 ? decimal + parts[1] : "")
    }
}

/// One `PageFormat` per language and time zone, built once: formatters are costly to make.
package final class PageFormats: Sendable {
    private let byLanguage: [Language: PageFormat]
    private let zoned = Mutex<[String: PageFormat]>([:])

    package init() {
        byLanguage = Dictionary(uniqueKeysWithValues: Language.allCases.map { ($0, PageFormat(language: $0)) })
    }

    package func format(_ language: Language, timeZone: TimeZone = .gmt) -> PageFormat {
        if timeZone.identifier == TimeZone.gmt.identifier { return byLanguage[language] ?? PageFormat(language: language) }
        let key = "\(language.rawValue) \(timeZone.identifier)"
        return zoned.withLock { cache in
            if let cached = cache[key] { return cached }
            let made = PageFormat(language: language, timeZone: timeZone)
            cache[key] = made
            return made
        }
    }
}

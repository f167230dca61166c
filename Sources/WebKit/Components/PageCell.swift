import Foundation
import Money

/// One cell of a data table, typed so the table knows how it reads: numbers and
/// money right-aligned in tabular figures and formatted for the reader's locale,
/// times in the reader's zone with UTC on hover, statuses as badges, people and
/// things by name with a link. A string literal is plain text.
package enum PageCell: ExpressibleByStringInterpolation, Sendable {
    case text(String, sub: String = "")
    /// An exact decimal: `value` × 10^-`scale`, trailing zeros beyond `minimumDecimals` dropped.
    case number(Int64, scale: Int = 0, minimumDecimals: Int? = nil)
    case money(Money)
    case accrual(Accrual)
    /// An accrued amount as money (rounded half to even to the currency's minor
    /// units), with its exact accrual on hover under `exactLabel`: lists show cents,
    /// and accrual precision appears only where it is labelled as such.
    case earned(Accrual, exactLabel: String)
    /// Microseconds since 1970.
    case time(Int64)
    case day(Int64)
    case badge(Badge)
    /// A name linked to its page, with an optional secondary line (an id, an email: machine text, marked translate="no").
    case link(String, href: String, sub: String = "")
    /// Machine text a person may copy (a login, a reference): kept whole and monospaced.
    case code(String)
    case empty

    package init(stringLiteral value: String) { self = .text(value) }
    package init(stringInterpolation: DefaultStringInterpolation) { self = .text(String(stringInterpolation: stringInterpolation)) }

    /// Whether the cell is a quantity (right-aligned; its column header too).
    package var isNumeric: Bool {
        switch self {
        case .number, .money, .accrual, .earned: true
        default: false
        }
    }

    /// The cell's data for `component_table`; every key is always set so Mustache never
    /// finds a value further up the context.
    package func data(_ format: PageFormat) -> [String: Any] {
        var cell: [String: Any] = ["text": "", "sub": false, "href": false, "badge": false, "datetime": false, "title": false, "bdi": false, "code": false, "class": ""]
        switch self {
        case let .text(text, sub):
            cell["text"] = text
            cell["sub"] = Mustache.optional(sub)
        case let .number(value, scale, minimum):
            cell["text"] = format.number(value, scale: scale, minimumDecimals: minimum)
            (cell["class"], cell["bdi"]) = ("num", true)
        case let .money(money):
            cell["text"] = format.money(money)
            (cell["class"], cell["bdi"]) = ("num", true)
        case let .accrual(accrual):
            cell["text"] = format.accrual(accrual)
            (cell["class"], cell["bdi"]) = ("num", true)
        case let .earned(accrual, label):
            cell["text"] = format.money(accrual.rounded().money)
            (cell["class"], cell["bdi"], cell["title"]) = ("num", true, "\(label): \(format.accrual(accrual))")
        case let .time(micros):
            cell["text"] = format.time(micros)
            (cell["datetime"], cell["title"], cell["class"]) = (format.iso(micros), format.utc(micros), "time")
        case let .day(micros):
            cell["text"] = format.day(micros)
            (cell["datetime"], cell["class"]) = (format.iso(micros), "time")
        case let .badge(badge):
            cell["badge"] = badge.data
            cell["class"] = "nowrap"
        case let .link(label, href, sub):
            (cell["text"], cell["href"], cell["sub"]) = (label, href, Mustache.optional(sub))
        case let .code(text):
            (cell["text"], cell["class"], cell["code"]) = (text, "code", true)
        case .empty:
            cell["text"] = "—"
        }
        return cell
    }
}

/// A status shown as a coloured badge: the colour says what the status means.
package struct Badge: Sendable, Equatable {
    package enum Tone: String, Sendable { case ok, warn, bad, info, neutral }

    package let label: String
    package let tone: Tone

    package init(_ label: String, tone: Tone) {
        self.label = label
        self.tone = tone
    }

    package var data: [String: Any] { ["label": label, "tone": tone.rawValue] }
}

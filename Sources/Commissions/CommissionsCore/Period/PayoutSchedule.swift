import BrokerCore

/// How often a partner is paid. A scheduled payout settles the period that has
/// just ended; real-time pays whenever the balance reaches the minimum.
public enum PayoutSchedule: String, Sendable, Codable, CaseIterable {
    case realtime, daily, weekly, monthly

    /// The UTC period holding `time` (microseconds): its key (one payout per partner
    /// and key), start and end. Weeks start on Monday; real-time periods are the moment itself.
    public func period(containing time: Int64) -> PayoutPeriod {
        let micros: Int64 = 1_000_000
        let seconds = time >= 0 ? time / micros : (time - micros + 1) / micros
        let dayStart = (seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400) * 86_400
        switch self {
        case .realtime:
            return PayoutPeriod(key: "rt-\(time)", start: time, end: time + 1)
        case .daily:
            return PayoutPeriod(key: CivilDay.text(of: dayStart), start: dayStart * micros, end: (dayStart + 86_400) * micros)
        case .weekly:
            // 1970-01-01 was a Thursday: Monday is 3 days before it.
            let weekday = ((dayStart / 86_400 + 3) % 7 + 7) % 7
            let monday = dayStart - weekday * 86_400
            return PayoutPeriod(key: "week-of-" + CivilDay.text(of: monday), start: monday * micros, end: (monday + 7 * 86_400) * micros)
        case .monthly:
            let (year, month, _) = CivilDay.components(of: dayStart)
            let first = CivilDay.start(Self.day(year, month)) ?? dayStart
            let next = CivilDay.start(month == 12 ? Self.day(year + 1, 1) : Self.day(year, month + 1)) ?? dayStart + 86_400
            return PayoutPeriod(key: String(Self.day(year, month).prefix(7)), start: first * micros, end: next * micros)
        }
    }

    /// The period a run at `time` settles: the one before the current, or for
    /// real-time the current moment.
    public func periodToSettle(at time: Int64) -> PayoutPeriod {
        self == .realtime ? period(containing: time) : period(containing: period(containing: time).start - 1)
    }

    static func day(_ year: Int64, _ month: Int64) -> String {
        "\(year)-\(month < 10 ? "0" : "")\(month)-01"
    }
}

public struct PayoutPeriod: Sendable, Equatable {
    public let key: String
    /// Microseconds, [start, end).
    public let start: Int64
    public let end: Int64
}

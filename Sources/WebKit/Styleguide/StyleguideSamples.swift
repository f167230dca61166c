import Charts
import Money

/// The made-up data the style guide draws its components with: realistic sizes and
/// the awkward cases (negative money, long names, an empty value, right-to-left).
struct StyleguideSamples {
    let t: (String) -> String
    let format: PageFormat

    private static let day: Int64 = 86_400_000_000
    private static let start: Int64 = 1_764_547_200_000_000 // 1 Dec 2025 00:00 UTC

    private var days: [String] { (0..<30).map { format.shortDay(Self.start + Int64($0) * Self.day) } }
    /// Lots × 100 per day: a wobbly upward trend.
    private var lots: [Int64?] {
        (0..<30).map { (day: Int) -> Int64? in
            let wobble = Int64(day * 7_919 % 2_600)
            return 4_000 + wobble + Int64(day) * 40
        }
    }

    private func usd(_ minor: Int64) -> String { format.money(Money(minorUnits: minor, currency: .usd)) }

    var tiles: [PageTile] {
        [
            PageTile(t("sg_active_traders"), .number(1_284), name: "traders",
                     trend: Chart(kind: .sparkline, title: t("sg_active_traders"), categories: days, series: [ChartSeries(name: "", values: lots)])),
            PageTile(t("sg_deposits_today"), .money(Money(minorUnits: 12_345_678, currency: .usd)), name: "deposits"),
            PageTile(t("sg_commissions_today"), .money(Money(minorUnits: -4_210, currency: .eur)), name: "commissions"),
            PageTile(t("sg_sync_state"), .badge(Badge(t("sg_tone_ok"), tone: .ok)), name: "sync"),
        ]
    }

    var charts: [PageChart] {
        let formatLots = format
        let lotsLabel: @Sendable (Int64) -> String = { formatLots.number($0, scale: 2, minimumDecimals: 0) }
        let moneyLabel: @Sendable (Int64) -> String = { formatLots.money(Money(minorUnits: $0, currency: .usd)) }
        let week = Array(days.prefix(7))
        return [
            PageChart(id: "chart-line", chart: Chart(kind: .line, title: t("sg_chart_lots"), summary: t("sg_chart_lots_summary"), categories: days,
                                                     series: [ChartSeries(name: t("sg_lots"), values: lots)], valueLabel: lotsLabel),
                      tableLabel: t("show_numbers")),
            PageChart(id: "chart-bar", chart: Chart(kind: .bar, title: t("sg_chart_net"), summary: t("sg_chart_net_summary"), categories: week,
                                                    series: [ChartSeries(name: t("sg_net"), values: [120_000, -45_000, 80_500, 0, 230_000, -12_000, 64_000])],
                                                    valueLabel: moneyLabel),
                      tableLabel: t("show_numbers")),
            PageChart(id: "chart-stacked", chart: Chart(kind: .stackedBar, title: t("sg_chart_commissions"), summary: t("sg_chart_commissions_summary"),
                                                        categories: week,
                                                        series: [ChartSeries(name: t("rule_rebate"), values: [40_000, 52_000, 31_000, 45_500, 60_000, 12_000, 8_000]),
                                                                 ChartSeries(name: t("rule_cpa"), values: [20_000, 0, 40_000, 0, 20_000, 0, 0]),
                                                                 ChartSeries(name: t("rule_revenue_share"), values: [5_000, 6_100, 4_200, 7_300, 9_900, 1_000, -2_000])],
                                                        valueLabel: moneyLabel),
                      tableLabel: t("show_numbers")),
        ]
    }

    var facts: [[String: String]] {
        [
            ["label": t("sg_fact_client"), "value": "María José Fernández-Álvarez", "name": "client"],
            ["label": t("sg_fact_balance"), "value": usd(1_234_567_89), "name": "balance"],
            ["label": t("sg_fact_registered"), "value": format.time(Self.start + 9 * 3_600_000_000), "name": "registered"],
            ["label": t("sg_fact_partner"), "value": "—", "name": "partner"],
        ]
    }

    var filters: PageFilters {
        PageFilters(fields: [
            .input("q", t("search"), value: ""),
            .select("status", t("col_status"), options: [("", t("any")), ("active", t("status_active")), ("disabled", t("status_disabled"))], selected: ""),
            .input("from", t("date_from"), type: "date"),
            .input("to", t("date_to"), type: "date"),
        ], submit: t("filter"), reset: (href: "/admin/styleguide", label: t("reset_filters")))
    }

    var table: PageTable {
        let columns: [PageColumn] = [
            PageColumn(t("sg_col_client"), sort: PageSort(href: "/admin/styleguide?sort=name", current: .ascending)),
            PageColumn(t("account_login")), PageColumn(t("col_status")),
            PageColumn(t("col_balance"), sort: PageSort(href: "/admin/styleguide?sort=balance")),
            PageColumn(t("sg_col_lots")), PageColumn(t("sg_col_registered")),
        ]
        let rows: [PageRow] = [
            PageRow(cells: [.link("María José Fernández-Álvarez", href: "/admin/styleguide#table", sub: "maria.fernandez@example.com"), .code("5000001"),
                            .badge(Badge(t("status_active"), tone: .ok)), .money(Money(minorUnits: 1_234_567_89, currency: .usd)),
                            .number(1_250, scale: 2, minimumDecimals: 2), .time(Self.start + 9 * 3_600_000_000)],
                    link: (href: "/admin/styleguide#table", label: t("open"))),
            PageRow(cells: [.link("عبد الله المنصوري", href: "/admin/styleguide#table", sub: "abdullah@example.ae"), .code("5000002"),
                            .badge(Badge(t("status_pending"), tone: .warn)), .money(Money(minorUnits: -5_050, currency: .eur)),
                            .number(0, scale: 2, minimumDecimals: 2), .time(Self.start + 40 * 3_600_000_000)],
                    link: (href: "/admin/styleguide#table", label: t("open"))),
            PageRow(cells: [.link("Li Wei", href: "/admin/styleguide#table"), .code("5000003"), .badge(Badge(t("status_failed"), tone: .bad)),
                            .empty, .number(3_125_075, scale: 2, minimumDecimals: 2), .day(Self.start + 3 * Self.day)],
                    link: (href: "/admin/styleguide#table", label: t("open"))),
        ]
        return PageTable(name: "styleguide", caption: t("sg_table_caption"), columns: columns, rows: rows, empty: t("nothing_yet"),
                         pager: PagePager(newer: (href: "/admin/styleguide#table", label: t("newer")), older: (href: "/admin/styleguide#table", label: t("older")),
                                          summary: t("sg_pager_summary")),
                         export: (href: "/admin/styleguide#table", label: t("export_csv")))
    }

    var form: PageForm {
        PageForm(name: "example", action: "/admin/styleguide/confirm", submit: t("save"), fields: [
            .input("name", t("sg_field_name"), value: "Atlas Partners", required: true),
            PageField(kind: .input(type: "email"), name: "email", label: t("email"), value: "notanemail", required: true, error: t("error_email_invalid")),
            PageField(kind: .input(type: "text"), name: "amount", label: t("col_amount"), value: "abc", required: true, hint: t("sg_amount_hint"),
                      error: t("error_amount_number")),
            .select("currency", t("account_currency"), options: [("USD", "USD"), ("EUR", "EUR")], selected: "USD"),
            .checkbox("notify", t("sg_field_notify"), checked: true),
        ])
    }
}

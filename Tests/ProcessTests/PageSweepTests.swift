import Foundation
import TestSupport
import Testing

/// Every page of the three surfaces, as the demo serves them, in headless Chromium:
/// in English and Arabic, at 1400 px and at 390 px. The crawler starts at each
/// surface's home and follows the links a person can click (one page per route
/// shape), so a new page is checked as soon as a menu or a list links to it.
///
/// On each page: no sideways scrolling, right-to-left in Arabic, no catalogue key
/// shown instead of its text, a page title; and a screenshot under
/// `.build/test-output/pages/` to look at.
@Suite(.enabled(if: WebDriver.chromedriver != nil && PipstackProcess.executable != nil, "needs chromedriver and the pipstack executable"))
struct PageSweepTests {
    struct Visit: Sendable {
        let surface: String
        let email: String
    }

    static let surfaces = [
        Visit(surface: "admin", email: "admin@pipstack.demo"),
        Visit(surface: "portal", email: "trader@pipstack.demo"),
        Visit(surface: "partners", email: "partner@pipstack.demo"),
    ]
    static let widths = [(width: 1400, height: 900, mobile: false), (width: 390, height: 844, mobile: true)]

    @Test func everyPageFitsReadsRightToLeftInArabicAndShowsNoRawKey() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pipstack-sweep-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        let demo = try PipstackProcess(["demo", "--port", "0", "--data-dir", data.path])
        defer { Task { await demo.terminate() } }
        let port = try await demo.listeningPort(timeout: .seconds(120))
        let base = "http://127.0.0.1:\(port)"
        let keys = try Self.catalogueKeys()
        let axe = Self.axeScript()
        let output = Self.outputFolder()
        try? FileManager.default.removeItem(at: output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)

        let problems = try await WebDriver.withBrowser { browser -> [String] in
            var problems: [String] = []
            var pagesSeen = 0
            for visit in Self.surfaces {
                try await browser.navigate("\(base)/\(visit.surface)/login?lang=en")
                try await browser.type(visit.email, into: "#email")
                try await browser.type("pipstack-demo", into: "#password")
                try await browser.click("#login-submit")
                _ = try await browser.waitForURL(endingWith: "/\(visit.surface)")
                let pages = try await Self.crawl(browser, base: base, surface: visit.surface)
                #expect(pages.count >= 2, "\(visit.surface): only \(pages)")
                for language in ["en", "ar"] {
                    try await browser.navigate("\(base)/\(visit.surface)?lang=\(language)")
                    for size in Self.widths {
                        try await browser.setViewport(width: size.width, height: size.height, mobile: size.mobile)
                        for page in pages {
                            try await browser.navigate(base + page)
                            problems += try await Self.check(browser, page: page, language: language, width: size.width, keyPrefixes: keys)
                            let name = "\(visit.surface)-\(language)-\(size.width)-\(Self.slug(page)).png"
                            try await browser.fullPageScreenshot(to: output.appendingPathComponent(name))
                            if let axe { problems += try await Self.accessibility(browser, axe: axe, at: "\(page) [\(language), \(size.width) px]") }
                            pagesSeen += 1
                        }
                    }
                }
                try await browser.setViewport(width: 1400, height: 900, mobile: false)
                try await browser.navigate("\(base)/\(visit.surface)?lang=en")
                do {
                    try await browser.click(".logout button")
                } catch {
                    // Say where the browser is, so that a missing button explains itself.
                    let here = try await browser.execute("return location.href + ' | ' + document.title + ' | ' + document.body.innerText.slice(0, 400)") as? String
                    let errors = demo.text.split(separator: "\n").filter { $0.contains("error") || $0.contains("warning") }.suffix(10)
                    Issue.record("no log-out button on \(here ?? "?")\n\(errors.joined(separator: "\n"))")
                    throw error
                }
                _ = try await browser.waitForURL(endingWith: "/login")
            }
            #expect(pagesSeen >= 40)
            return problems
        }
        #expect(problems.isEmpty, "\(problems.count) problems:\n\(problems.joined(separator: "\n"))")
    }

    /// The surface's pages a person reaches by clicking: breadth first from the home,
    /// one page per route shape (ids and numbers stand for any), at most 80.
    static func crawl(_ browser: WebDriver, base: String, surface: String) async throws -> [String] {
        var queue = ["/\(surface)"]
        var shapes: Set<String> = [shape("/\(surface)")]
        var pages: [String] = []
        while !queue.isEmpty, pages.count < 80 {
            let page = queue.removeFirst()
            try await browser.navigate(base + page)
            pages.append(page)
            let links = try await browser.execute("""
                return Array.from(document.querySelectorAll('a[href]'))
                  .filter(a => !a.hasAttribute('download') && a.origin === location.origin)
                  .map(a => a.pathname + a.search);
                """) as? [String] ?? []
            for link in links where link.hasPrefix("/\(surface)") && !link.contains("lang=") && !link.contains("/logout")
                && !link.hasSuffix(".csv") && !link.contains("/export") {
                let shape = shape(link)
                if shapes.insert(shape).inserted { queue.append(link) }
            }
        }
        return pages
    }

    /// A link's route shape: segments holding digits, or after a list segment, stand for any id.
    static func shape(_ link: String) -> String {
        let parts = link.split(separator: "?", maxSplits: 1)
        let path = parts[0].split(separator: "/").map { segment in
            segment.contains(where: \.isNumber) || segment.contains(":") || segment.contains("%") ? ":x" : String(segment)
        }
        // A tab is a page of its own: its value is part of the shape.
        let query = parts.count > 1 ? parts[1].split(separator: "&").map { pair -> String in
            let name = pair.split(separator: "=").first.map(String.init) ?? ""
            return name == "tab" ? String(pair) : name
        }.sorted() : []
        return "/" + path.joined(separator: "/") + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
    }

    static func check(_ browser: WebDriver, page: String, language: String, width: Int, keyPrefixes keys: Set<String>) async throws -> [String] {
        let facts = try await browser.execute("""
            // Machine text (code, JSON in a textarea or a pre) may hold snake_case on purpose.
            const copy = document.body.cloneNode(true);
            copy.querySelectorAll('code, pre, textarea, script, style, [translate=no]').forEach(e => e.remove());
            document.body.appendChild(copy); copy.style.display = 'none';
            const text = copy.textContent; copy.remove();
            return {
              scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
              dir: document.documentElement.getAttribute('dir'), lang: document.documentElement.lang,
              h1: (document.querySelector('h1') || {}).textContent || '',
              words: Array.from(new Set(text.match(/[a-z][a-z0-9]*(?:_[a-z0-9]+)+/g) || [])),
              texts: (() => {
                const out = [];
                const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) {
                  const node = walker.currentNode;
                  const t = node.textContent.replace(/\\s+/g, ' ').trim();
                  const other = node.parentElement.closest('[lang]');
                  // Text the broker wrote in another language is marked with its lang: not a missing translation.
                  if (t && !node.parentElement.closest('code, pre, textarea, script, style, [translate=no]') && (!other || other === document.documentElement)) out.push(t);
                }
                return Array.from(new Set(out));
              })(),
              wide: Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                    && !e.closest('.table-wrap, .tabs, pre')).slice(0, 3).map(e => e.tagName + '.' + e.className)
            };
            """) as? [String: Any] ?? [:]
        var problems: [String] = []
        let at = "\(page) [\(language), \(width) px]"
        if let scroll = facts["scroll"] as? Int, let inner = facts["inner"] as? Int, scroll > inner {
            problems.append("\(at): scrolls sideways (\(scroll) > \(inner)); too wide: \(facts["wide"] ?? "")")
        }
        if language == "ar", facts["dir"] as? String != "rtl" { problems.append("\(at): dir is not rtl") }
        if (facts["h1"] as? String ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("\(at): no page title") }
        let raw = (facts["words"] as? [String] ?? []).filter { word in word.split(separator: "_").first.map { keys.contains(String($0)) } ?? false }
        if !raw.isEmpty { problems.append("\(at): catalogue keys shown as text: \(raw)") }
        let texts = facts["texts"] as? [String] ?? []
        let enums = texts.filter { Self.rawEnumValues.contains($0) }
        if !enums.isEmpty { problems.append("\(at): raw enum values shown: \(enums)") }
        if language == "ar" {
            let labels = texts.filter { Self.serverLabels.contains($0) }
            if !labels.isEmpty { problems.append("\(at): trade-server labels shown untranslated: \(labels)") }
            let english = texts.filter(Self.looksEnglish)
            if !english.isEmpty { problems.append("\(at): English text on an Arabic page (a literal missing from the catalogue): \(english.prefix(8))") }
        }
        return problems
    }

    /// Values of Pipstack's enums as they are stored: a page that shows one shows the
    /// code instead of its translated label.
    static let rawEnumValues: Set<String> = [
        "active", "creating", "failed", "pending", "sending", "done", "deposit", "withdrawal", "correction", "credit", "bonus",
        "awaiting_approval", "approved", "paid", "rejected", "realtime", "daily", "weekly", "monthly", "wallet", "trading_account",
        "cpa", "rebate", "per_lot", "commission_share", "ib", "sub_ib", "affiliate", "person", "company", "open", "resolved",
        "live", "demo", "buy", "sell", "standard", "ecn", "cent", "islamic", "staff", "trader", "partner",
    ]

    /// The labels the trade server itself uses (MT5's deal types and entries): right in
    /// English, untranslated on an Arabic page.
    static let serverLabels: Set<String> = ["Buy", "Sell", "In", "Out", "Balance", "Credit"]

    /// Text that is English prose (function words between words), or lower-case
    /// English words alone: on an Arabic page it is a literal the catalogue lacks.
    /// Names (capitalised), symbols, codes, numbers and emails do not match.
    static func looksEnglish(_ text: String) -> Bool {
        let words = text.split(whereSeparator: { !$0.isLetter && $0 != "'" }).map(String.init)
        let function: Set<String> = ["the", "and", "of", "to", "is", "in", "for", "with", "from", "no", "not", "a", "an", "or", "by", "on", "at",
                                     "this", "that", "be", "are", "was", "has", "have", "it", "its", "as", "per", "yet", "any", "all"]
        if words.count >= 2, words.contains(where: { function.contains($0.lowercased()) }), words.allSatisfy({ $0.allSatisfy(\.isASCII) }) { return true }
        return !words.isEmpty && words.allSatisfy { word in word.count >= 3 && word.allSatisfy { $0.isASCII && $0.isLowercase } }
            && !text.contains("@") && !text.contains("/") && !text.contains(":")
    }

    /// axe-core, as the `axe-selenium-python` package on PyPI ships it: `.ci/run`
    /// installs the package and sets `PIPSTACK_AXE_JS` to its `axe.min.js`.
    static func axeScript() -> String? {
        guard let path = ProcessInfo.processInfo.environment["PIPSTACK_AXE_JS"] else { return nil }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// axe-core's serious and critical violations on the page, one line each.
    static func accessibility(_ browser: WebDriver, axe: String, at: String) async throws -> [String] {
        if try await browser.execute("return typeof window.axe") as? String != "object" {
            _ = try await browser.execute(axe + "\nreturn true;")
        }
        let result = try await browser.executeAsync("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => v.impact + ' ' + v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
              .catch(e => done(['axe failed: ' + e]));
            """)
        return (result as? [String] ?? ["axe gave no answer"]).map { "\(at): \($0)" }
    }

    static func slug(_ page: String) -> String {
        let slug = String(page.map { $0.isLetter || $0.isNumber ? $0 : "-" }.drop { $0 == "-" })
        return String(slug.prefix(80))
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func outputFolder() -> URL {
        if let folder = ProcessInfo.processInfo.environment["PIPSTACK_TEST_OUTPUT"] {
            return URL(fileURLWithPath: folder).appendingPathComponent("pages")
        }
        return packageRoot.appendingPathComponent(".build/test-output/pages")
    }

    /// The first words of the catalogue's keys (`nav`, `col`, `status`, ...): a page that
    /// shows `status_frozen` shows a key the catalogue lacks (text falls back to the key).
    static func catalogueKeys() throws -> Set<String> {
        let file = packageRoot.appendingPathComponent("Sources/WebKit/Resources/i18n/en.json")
        let strings = try JSONDecoder().decode([String: String].self, from: Data(contentsOf: file))
        return Set(strings.keys.filter { $0.contains("_") }.compactMap { $0.split(separator: "_").first.map(String.init) })
    }
}

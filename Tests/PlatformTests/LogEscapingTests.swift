import Logging
import Platform
import Synchronization
import Testing

/// A client's text in a log record cannot start a line of its own.
struct LogEscapingTests {
    final class Lines: Sendable {
        let stored = Mutex<[String]>([])
        func add(_ line: String) { stored.withLock { $0.append(line) } }
        var all: [String] { stored.withLock { $0 } }
    }

    @Test func newlinesAndControlCharactersInMessagesAndMetadataStayOnOneLine() {
        let lines = Lines()
        var logger = Logger(label: "test") { EscapingLogHandler(label: $0, write: { lines.add($0) }) }
        logger[metadataKey: "request_id"] = "abc"
        logger.info("request\nFAKE 2026-01-01 info pipstack: admin logged in", metadata: ["path": "/api\r\nX: y", "note": "tab\there \u{1B}[31mred\\n"])
        let written = lines.all
        #expect(written.count == 1)
        let line = written[0]
        #expect(line.hasSuffix("\n") && line.dropLast().allSatisfy { $0 != "\n" && $0 != "\r" })
        #expect(line.contains(#"request\nFAKE"#))
        #expect(line.contains(#"path=/api\r\nX: y"#))
        #expect(line.contains(#"tab\there \u{1b}[31mred\\n"#), "an escape the client typed is doubled, not taken for ours")
        #expect(line.contains("request_id=abc"))
    }
}

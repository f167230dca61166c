import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore

/// A small W3C WebDriver client: enough to drive headless Chromium through
/// chromedriver (both from Debian's packages) in the browser tests.
public struct WebDriver: Sendable {
    public let client: TestClient
    public let session: String

    public enum Failure: Error, CustomStringConvertible {
        case protocolError(String)
        public var description: String { switch self { case let .protocolError(text): "WebDriver: \(text)" } }
    }

    /// Whether browser tests can run here (chromedriver on PATH).
    public static var chromedriver: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/chromedriver" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts chromedriver, opens a headless browser session, runs `body`, and cleans up.
    public static func withBrowser<T: Sendable>(_ body: @Sendable (WebDriver) async throws -> T) async throws -> T {
        guard let driverPath = chromedriver else { throw Failure.protocolError("chromedriver is not on PATH") }
        let (driver, port) = try await startDriver(driverPath)
        // Killed and reaped in the background: a defer cannot await.
        defer { driver.killNow() }
        let client = TestClient(host: "127.0.0.1", port: port, configuration: .init(timeout: .seconds(60)))
        client.connect()
        defer { Task { try? await client.shutdown() } }
        var options: [String: Any] = ["args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900"]]
        if let chromium { options["binary"] = chromium }
        let created = try await call(client, .post, "/session", ["capabilities": ["alwaysMatch": ["browserName": "chrome", "goog:chromeOptions": options]]])
        guard let value = created["value"] as? [String: Any], let session = value["sessionId"] as? String else {
            throw Failure.protocolError("no session: \(created)")
        }
        let webDriver = WebDriver(client: client, session: session)
        // Element lookups wait (up to 10 s) for the page a click or a submit led to.
        _ = try await call(client, .post, "/session/\(session)/timeouts", ["implicit": 10_000, "pageLoad": 30_000])
        do {
            let result = try await body(webDriver)
            _ = try? await call(client, .delete, "/session/\(session)", nil)
            return result
        } catch {
            _ = try? await call(client, .delete, "/session/\(session)", nil)
            throw error
        }
    }

    public func navigate(_ url: String) async throws {
        _ = try await command(.post, "url", ["url": url])
    }

    public func find(_ css: String) async throws -> String {
        let response = try await command(.post, "element", ["using": "css selector", "value": css])
        guard let value = response["value"] as? [String: Any], let id = value.values.first as? String else {
            throw Failure.protocolError("no element \(css): \(response)")
        }
        return id
    }

    public func type(_ text: String, into css: String) async throws {
        let element = try await find(css)
        _ = try await command(.post, "element/\(element)/value", ["text": text])
    }

    public func click(_ css: String) async throws {
        let element = try await find(css)
        _ = try await command(.post, "element/\(element)/click", [:])
    }

    public func text(of css: String) async throws -> String {
        let element = try await find(css)
        return (try await command(.get, "element/\(element)/text", nil)["value"] as? String) ?? ""
    }

    public func css(_ property: String, of css: String) async throws -> String {
        let element = try await find(css)
        return (try await command(.get, "element/\(element)/css/\(property)", nil)["value"] as? String) ?? ""
    }

    /// The current URL once it ends with `suffix` (navigation after a click may
    /// still be under way), or whatever it is after `timeout`.
    public func waitForURL(endingWith suffix: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var url = try await currentURL()
        while !url.hasSuffix(suffix), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            url = try await currentURL()
        }
        return url
    }

    /// Runs `script` in the page (a function body; `return` gives the value back).
    public func execute(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        try await command(.post, "execute/sync", ["script": script, "args": arguments])["value"]
    }

    /// Runs `script` asynchronously: it calls `arguments[arguments.length - 1]` with the result.
    public func executeAsync(_ script: String, _ arguments: [Any] = []) async throws -> Any? {
        _ = try await command(.post, "timeouts", ["script": 60_000])
        return try await command(.post, "execute/async", ["script": script, "args": arguments])["value"]
    }

    /// Makes the viewport `width` CSS pixels wide, as a phone (`mobile`: the page's
    /// viewport meta applies) or a desktop shows it, through Chromium's device emulation.
    public func setViewport(width: Int, height: Int, mobile: Bool) async throws {
        _ = try await Self.call(client, .post, "/session/\(session)/goog/cdp/execute", [
            "cmd": "Emulation.setDeviceMetricsOverride",
            "params": ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile],
        ])
    }

    public func currentURL() async throws -> String {
        (try await command(.get, "url", nil)["value"] as? String) ?? ""
    }

    public func screenshot(to file: URL) async throws {
        guard let base64 = try await command(.get, "screenshot", nil)["value"] as? String, let data = Data(base64Encoded: base64) else { return }
        try data.write(to: file)
    }

    /// The whole page, not only the viewport, as Chromium draws it (through its DevTools protocol).
    public func fullPageScreenshot(to file: URL) async throws {
        let size = try await execute("return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]") as? [Int] ?? [1280, 900]
        let result = try await Self.call(client, .post, "/session/\(session)/goog/cdp/execute", [
            "cmd": "Page.captureScreenshot",
            "params": ["captureBeyondViewport": true, "clip": ["x": 0, "y": 0, "width": size[0], "height": min(size[1], 12_000), "scale": 1]],
        ])
        guard let value = result["value"] as? [String: Any], let base64 = value["data"] as? String, let data = Data(base64Encoded: base64) else { return }
        try data.write(to: file)
    }

    func command(_ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        try await Self.call(client, method, "/session/\(session)/\(path)", body)
    }

    static func call(_ client: TestClient, _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any]?) async throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let response = try await client.execute(.init(path, method: method, headers: [.contentType: "application/json"],
                                                      body: data.map { ByteBuffer(bytes: $0) }))
        let bytes = response.body.map { Data(buffer: $0) } ?? Data()
        let json = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] ?? [:]
        guard response.status.code < 300 else { throw Failure.protocolError("\(method.rawValue) \(path): \(response.status.code) \(String(decoding: bytes, as: UTF8.self).prefix(500))") }
        return json
    }

    /// Starts chromedriver on a port the kernel just handed out. On a loaded CI
    /// machine it can take many seconds to listen, or lose the port to another
    /// process in between; it is then started again on a new port.
    static func startDriver(_ driverPath: String) async throws -> (Spawned, Int) {
        var lastError = ""
        for _ in 0..<3 {
            let port = try LoopbackPort.free()
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("chromedriver-\(port).log")
            let driver = try Spawned(driverPath, ["--port=\(port)", "--allowed-ips=127.0.0.1", "--log-path=\(log.path)"],
                                     captureOutput: false)
            if try await waitForPort(port, while: driver) { return (driver, port) }
            await driver.kill()
            lastError = "port \(port): " + String(((try? String(contentsOf: log, encoding: .utf8)) ?? "no log").suffix(1_000))
        }
        throw Failure.protocolError("chromedriver did not start: \(lastError)")
    }

    /// Whether chromedriver answers on `port` within 60 s, giving up early if it exits.
    static func waitForPort(_ port: Int, while driver: Spawned) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, driver.isRunning {
            if (try? await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                try await client.execute(.init("/status", method: .get))
            }) != nil { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }
}

import Foundation
import Identity
import TestSupport
import Testing

/// Sends through the real SMTP protocol to Python's standard-library SMTP server
/// (smtpd, Python 3.11), which stores what it receives.
@Suite(.enabled(if: SMTPSink.available, "python3 with smtpd is not available"))
struct SMTPMailerTests {
    @Test func deliversAnEncodedMessageOverSMTP() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let settings = try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)", from: "no-reply@pipstack.test")
        let message = MailMessage(to: "trader@example.test", subject: "Réinitialiser le mot de passe",
                                  body: "Line one\n.\nA line that is only a dot above, and ünïcödé.")
        try await SMTPMailer(settings: settings).send(message, id: "job_123")
        let received = try await sink.waitForMessage()
        #expect(received.contains("Message-ID: <job_123@pipstack>"))
        #expect(received.contains("To: trader@example.test"))
        #expect(received.contains("Subject: =?UTF-8?B?"))
        let body = received.components(separatedBy: "\n\n").dropFirst().joined(separator: "\n\n")
            .split(whereSeparator: \.isNewline).joined()
        #expect(String(decoding: Data(base64Encoded: String(body)) ?? Data(), as: UTF8.self) == message.body)
    }

    @Test func aRefusingServerIsAnErrorForTheOutboxToRetry() async throws {
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let settings = try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)", from: "no-reply@pipstack.test")
        await #expect(throws: MailError.self) {
            try await SMTPMailer(settings: settings).send(MailMessage(to: "not an address", subject: "x", body: "y"), id: "job_bad")
        }
        #expect(throws: MailError.self) { try SMTPSettings(url: "http://host", from: "a@b.c") }
    }
}

/// A throwaway SMTP server on loopback.
final class SMTPSink: @unchecked Sendable {
    let process = Process()
    let folder: URL
    let port: Int

    static var available: Bool {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-W", "ignore", "-c", "import smtpd"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return false }
        while check.isRunning { usleep(10_000) }
        return check.terminationStatus == 0
    }

    static let script = """
    import asyncore, smtpd, sys, os, warnings
    warnings.simplefilter("ignore")
    folder, port = sys.argv[1], int(sys.argv[2])
    class Sink(smtpd.SMTPServer):
        def process_message(self, peer, mailfrom, rcpttos, data, **kw):
            if any("@" not in r or " " in r for r in rcpttos):
                return "550 bad recipient"
            path = os.path.join(folder, "%d.eml" % len(os.listdir(folder)))
            with open(path + ".tmp", "wb") as f: f.write(data)
            os.rename(path + ".tmp", path)
    Sink(("127.0.0.1", port), None, decode_data=False)
    print("ready", flush=True)
    asyncore.loop()
    """

    private init(folder: URL, port: Int) {
        self.folder = folder
        self.port = port
    }

    static func start() async throws -> SMTPSink {
        let folder = TestDatabases.temporaryDirectory()
        let scriptFile = folder.appendingPathComponent("sink.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let inbox = folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let sink = SMTPSink(folder: inbox, port: Int.random(in: 20_000...60_000))
        sink.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sink.process.arguments = ["python3", "-W", "ignore", scriptFile.path, inbox.path, String(sink.port)]
        let pipe = Pipe()
        sink.process.standardOutput = pipe
        sink.process.standardError = FileHandle.nullDevice
        try sink.process.run()
        for _ in 0..<100 {
            if let data = try? pipe.fileHandleForReading.availableData, String(decoding: data, as: UTF8.self).contains("ready") { return sink }
            try await Task.sleep(for: .milliseconds(50))
        }
        sink.stop()
        throw MailError.connectionClosed("SMTP sink did not start")
    }

    func waitForMessage() async throws -> String {
        for _ in 0..<100 {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasSuffix(".eml") } ?? []
            if let file = files.first { return try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw MailError.connectionClosed("no message arrived")
    }

    func stop() { kill(process.processIdentifier, SIGKILL) }
}

import Foundation
import Identity
import SelfSignedTLS
import TestSupport
import Testing

/// Sends through the real SMTP protocol to a small SMTP server in Python's standard
/// library (socket and ssl), which can offer STARTTLS or TLS from the first byte with
/// a certificate made for the test, and stores what it receives.
@Suite(.enabled(if: SMTPSink.available, "python3 is not available"))
struct SMTPMailerTests {
    @Test func deliversAnEncodedMessageOverSTARTTLS() async throws {
        let sink = try await SMTPSink.start(mode: "starttls")
        defer { sink.stop() }
        let settings = try SMTPSettings(url: "smtp://mailer:s3cret@localhost:\(sink.port)?ca=\(sink.certificate)", from: "no-reply@pipstack.test")
        #expect(settings.security == .startTLS)
        let message = MailMessage(to: "trader@example.test", subject: "Réinitialiser le mot de passe",
                                  body: "Line one\n.\nA line that is only a dot above, and ünïcödé.")
        try await SMTPMailer(settings: settings).send(message, id: "job_123")
        let received = try await sink.waitForMessage()
        #expect(received.contains("X-Sink-TLS: yes"))
        #expect(received.contains("X-Sink-Auth: mailer"))   // credentials only ever travel encrypted
        #expect(received.contains("Message-ID: <job_123@pipstack>"))
        #expect(received.contains("To: trader@example.test"))
        #expect(received.contains("Subject: =?UTF-8?B?"))
        let body = received.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            .split(whereSeparator: \.isNewline).joined()
        #expect(String(decoding: Data(base64Encoded: String(body)) ?? Data(), as: UTF8.self) == message.body)
    }

    @Test func deliversOverImplicitTLS() async throws {
        let sink = try await SMTPSink.start(mode: "implicit")
        defer { sink.stop() }
        let settings = try SMTPSettings(url: "smtps://localhost:\(sink.port)?ca=\(sink.certificate)", from: "no-reply@pipstack.test")
        try await SMTPMailer(settings: settings).send(MailMessage(to: "a@example.test", subject: "s", body: "b"), id: "job_tls")
        #expect(try await sink.waitForMessage().contains("X-Sink-TLS: yes"))
    }

    /// STARTTLS is required unless turned off: a server that does not offer it
    /// gets no credentials and no message; an untrusted certificate is refused.
    @Test func refusesToSendInTheClearOrToAnUntrustedServer() async throws {
        let plain = try await SMTPSink.start(mode: "plain")
        defer { plain.stop() }
        await #expect(throws: MailError.startTLSUnavailable(host: "localhost")) {
            try await SMTPMailer(settings: try SMTPSettings(url: "smtp://u:p@localhost:\(plain.port)", from: "n@pipstack.test"))
                .send(MailMessage(to: "a@example.test", subject: "s", body: "b"), id: "job_x")
        }
        // Explicitly unencrypted (a local relay) works.
        try await SMTPMailer(settings: try SMTPSettings(url: "smtp://localhost:\(plain.port)?tls=none", from: "n@pipstack.test"))
            .send(MailMessage(to: "a@example.test", subject: "s", body: "b"), id: "job_y")
        #expect(try await plain.waitForMessage().contains("X-Sink-TLS: no"))

        let secure = try await SMTPSink.start(mode: "starttls")
        defer { secure.stop() }
        await #expect(throws: (any Error).self) {
            try await SMTPMailer(settings: try SMTPSettings(url: "smtp://localhost:\(secure.port)", from: "n@pipstack.test"))
                .send(MailMessage(to: "a@example.test", subject: "s", body: "b"), id: "job_z")
        }
    }

    @Test func aRefusingServerIsAnErrorForTheOutboxToRetry() async throws {
        let sink = try await SMTPSink.start(mode: "plain")
        defer { sink.stop() }
        let settings = try SMTPSettings(url: "smtp://127.0.0.1:\(sink.port)?tls=none", from: "no-reply@pipstack.test")
        await #expect(throws: MailError.self) {
            try await SMTPMailer(settings: settings).send(MailMessage(to: "not an address", subject: "x", body: "y"), id: "job_bad")
        }
        #expect(throws: MailError.self) { try SMTPSettings(url: "http://host", from: "a@b.c") }
        #expect(throws: MailError.self) { try SMTPSettings(url: "smtps://host?tls=none", from: "a@b.c") }
        #expect(throws: MailError.self) { try SMTPSettings(url: "smtp://host?verify=no", from: "a@b.c") }
        #expect(try SMTPSettings(url: "smtp://host", from: "a@b.c").port == 587)
    }
}

/// A throwaway SMTP server on loopback.
final class SMTPSink: @unchecked Sendable {
    private(set) var process: Spawned?
    let folder: URL
    let port: Int
    var certificate = ""

    static var available: Bool {
        guard let check = try? Spawned("/usr/bin/env", ["python3", "-c", "import ssl, socket"], captureOutput: false) else { return false }
        while check.isRunning { usleep(10_000) }
        return check.terminationStatus == 0
    }

    /// Modes: `starttls` offers STARTTLS, `implicit` speaks TLS from the first byte,
    /// `plain` offers no TLS. Recipients with a space or without @ get 550.
    static let script = #"""
    import os, socket, ssl, sys, base64
    folder, port, cert, key, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(8)
    print("ready", flush=True)

    def session(conn):
        secure = mode == "implicit"
        if secure:
            conn = context.wrap_socket(conn, server_side=True)
        stream = conn.makefile("rb")
        def send(text):
            conn.sendall((text + "\r\n").encode())
        send("220 sink ESMTP")
        user, rcpts = "", []
        while True:
            line = stream.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = text.split(" ")[0].upper()
            if verb == "EHLO":
                lines = ["sink"] + (["STARTTLS"] if mode == "starttls" and not secure else []) + ["AUTH PLAIN", "8BITMIME"]
                for extra in lines[:-1]:
                    send("250-" + extra)
                send("250 " + lines[-1])
            elif verb == "STARTTLS" and mode == "starttls" and not secure:
                send("220 go ahead")
                conn = context.wrap_socket(conn, server_side=True)
                stream = conn.makefile("rb")
                secure = True
            elif verb == "AUTH":
                user = base64.b64decode(text.split(" ")[2]).split(b"\0")[1].decode()
                send("235 ok")
            elif verb == "MAIL":
                send("250 ok")
            elif verb == "RCPT":
                address = text[text.find("<") + 1:text.rfind(">")]
                if "@" not in address or " " in address:
                    send("550 bad recipient")
                else:
                    rcpts.append(address)
                    send("250 ok")
            elif verb == "DATA":
                send("354 end with .")
                data = b""
                while True:
                    chunk = stream.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk
                header = ("X-Sink-TLS: %s\r\nX-Sink-Auth: %s\r\n" % ("yes" if secure else "no", user)).encode()
                path = os.path.join(folder, "%d.eml" % len(os.listdir(folder)))
                with open(path + ".tmp", "wb") as f:
                    f.write(header + data)
                os.rename(path + ".tmp", path)
                send("250 stored")
            elif verb == "QUIT":
                send("221 bye")
                return
            else:
                send("502 not implemented")

    while True:
        conn, _ = server.accept()
        try:
            session(conn)
        except Exception:
            pass
        finally:
            conn.close()
    """#

    private init(folder: URL, port: Int) {
        self.folder = folder
        self.port = port
    }

    static func start(mode: String) async throws -> SMTPSink {
        let folder = TestDatabases.temporaryDirectory()
        let files = try SelfSignedCertificate.make().write(to: folder.appendingPathComponent("tls"))
        let scriptFile = folder.appendingPathComponent("sink.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let inbox = folder.appendingPathComponent("inbox")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let sink = SMTPSink(folder: inbox, port: try LoopbackPort.free())
        sink.certificate = files.certificate
        let process = try Spawned("/usr/bin/env", ["python3", "-W", "ignore", scriptFile.path, inbox.path, String(sink.port),
                                                   files.certificate, files.key, mode])
        sink.process = process
        for _ in 0..<100 {
            if process.text.contains("ready") { return sink }
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

    func stop() { process?.killNow() }
}

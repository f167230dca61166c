import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import Platform

/// Where and how to send mail:
/// - `smtp://user:pass@host:587`: STARTTLS, required (the submission port's norm);
/// - `smtps://user:pass@host:465`: TLS from the first byte;
/// - `smtp://host:25?tls=none`: no encryption, for a relay on the same host or network.
///
/// `?ca=/path/ca.pem` adds a trusted root, for relays with a private certificate.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable {
        case implicitTLS = "tls", startTLS = "starttls", none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var trustRootsFile: String?
    public var username: String?
    public var password: String?
    public var from: String
    public var heloName: String

    /// The name sent in SNI and checked against the certificate; nil for an IP
    /// address, which NIOSSL then checks against the certificate's IP entries.
    var serverName: String? {
        host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
    }

    public init(url text: String, from: String, heloName: String = "pipstack.local") throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["smtp", "smtps"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw MailError.configuration("PIPSTACK_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465") }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        if let unknown = query.keys.first(where: { !["tls", "ca"].contains($0) }) {
            throw MailError.configuration("PIPSTACK_SMTP_URL: unknown option \(unknown); use tls=none or ca=/path/ca.pem")
        }
        self.host = host
        switch (scheme, query["tls"]) {
        case ("smtps", nil): security = .implicitTLS
        case ("smtp", nil): security = .startTLS
        case ("smtp", "none"): security = .none
        default: throw MailError.configuration("PIPSTACK_SMTP_URL: tls=none is the only tls option, and only with smtp://")
        }
        trustRootsFile = query["ca"].flatMap { $0.isEmpty ? nil : $0 }
        self.port = components.port ?? (security == .implicitTLS ? 465 : security == .startTLS ? 587 : 25)
        self.username = components.user?.removingPercentEncoding
        self.password = components.password?.removingPercentEncoding
        self.from = from
        self.heloName = heloName
    }
}

public enum MailError: Error, Equatable, CustomStringConvertible {
    case configuration(String)
    case rejected(command: String, code: Int, reply: String)
    case connectionClosed(String)
    case startTLSUnavailable(host: String)

    public var description: String {
        switch self {
        case let .configuration(message): message
        case let .rejected(command, code, reply): "SMTP server refused \(command): \(code) \(reply)"
        case let .connectionClosed(stage): "SMTP connection closed during \(stage)"
        case let .startTLSUnavailable(host): "SMTP server \(host) does not offer STARTTLS; use smtps:// or, for a local relay, ?tls=none"
        }
    }
}

/// Delivers mail over SMTP (RFC 5321) with optional AUTH PLAIN. The outbox retries a
/// failed delivery with backoff; the job id is the Message-ID, so a receiving server
/// can recognise a redelivery.
public struct SMTPMailer: Mailer {
    public let settings: SMTPSettings

    public init(settings: SMTPSettings) { self.settings = settings }

    public func send(_ message: MailMessage, id: String) async throws {
        let settings = settings
        let tls = try Self.tlsContext(settings)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.security == .implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: settings.serverName))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            /// Reads one (possibly multi-line) reply; returns its lines.
            func reply(_ stage: String, expect codes: Set<Int>) async throws -> [String] {
                var received: [String] = []
                while true {
                    guard let buffer = try await lines.next() else { throw MailError.connectionClosed(stage) }
                    let line = String(buffer: buffer)
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw MailError.rejected(command: stage, code: 0, reply: line) }
                    received.append(line)
                    if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }   // multi-line reply
                    guard codes.contains(code) else { throw MailError.rejected(command: stage, code: code, reply: line) }
                    return received
                }
            }
            @discardableResult
            func command(_ text: String, expect codes: Set<Int>) async throws -> [String] {
                try await outbound.write(ByteBuffer(string: text + "\r\n"))
                return try await reply(String(text.prefix(while: { $0 != " " })), expect: codes)
            }
            _ = try await reply("greeting", expect: [220])
            let capabilities = try await command("EHLO \(settings.heloName)", expect: [250])
            if settings.security == .startTLS {
                guard capabilities.contains(where: { $0.dropFirst(4).uppercased().hasPrefix("STARTTLS") }) else {
                    throw MailError.startTLSUnavailable(host: settings.host)
                }
                try await command("STARTTLS", expect: [220])
                // TLS goes in front of the line decoder; the session restarts with a new EHLO (RFC 3207).
                try await channel.channel.eventLoop.submit {
                    try channel.channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: settings.serverName),
                                                                            position: .first)
                }.get()
                try await command("EHLO \(settings.heloName)", expect: [250])
            }
            if let user = settings.username, let password = settings.password {
                let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
                try await command("AUTH PLAIN \(token)", expect: [235])
            }
            try await command("MAIL FROM:<\(settings.from)>", expect: [250])
            try await command("RCPT TO:<\(message.to)>", expect: [250, 251])
            try await command("DATA", expect: [354])
            try await outbound.write(ByteBuffer(string: MailFormat.render(message, from: settings.from, id: id) + "\r\n.\r\n"))
            _ = try await reply("message", expect: [250])
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    /// Certificates are always verified, against the system's roots plus `ca=`.
    static func tlsContext(_ settings: SMTPSettings) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let file = settings.trustRootsFile { configuration.additionalTrustRoots = [.file(file)] }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// RFC 5322 formatting: UTF-8 subjects as encoded words, bodies in base64 lines, so
/// no line of the message can ever read as the end of DATA.
public enum MailFormat {
    public static func render(_ message: MailMessage, from: String, id: String, date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        let subject = message.subject.allSatisfy({ $0.isASCII && $0 != "\r" && $0 != "\n" })
            ? message.subject : "=?UTF-8?B?\(Data(message.subject.utf8).base64EncodedString())?="
        let body = Data(message.body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "From: \(from)", "To: \(message.to)", "Subject: \(subject)", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id)@pipstack>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body
    }
}

import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL

/// Where and how to send mail: `smtp://user:pass@host:587` (plain, for a local or
/// trusted relay) or `smtps://user:pass@host:465` (TLS from the first byte).
public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var useTLS: Bool
    public var username: String?
    public var password: String?
    public var from: String
    public var heloName: String

    public init(url text: String, from: String, heloName: String = "pipstack.local") throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["smtp", "smtps"].contains(scheme),
              let host = components.host, !host.isEmpty
        else { throw MailError.configuration("PIPSTACK_SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465") }
        self.host = host
        self.useTLS = scheme == "smtps"
        self.port = components.port ?? (useTLS ? 465 : 25)
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

    public var description: String {
        switch self {
        case let .configuration(message): message
        case let .rejected(command, code, reply): "SMTP server refused \(command): \(code) \(reply)"
        case let .connectionClosed(stage): "SMTP connection closed during \(stage)"
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
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if settings.useTLS {
                        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: settings.host))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineBasedFrameDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var lines = inbound.makeAsyncIterator()
            func reply(_ stage: String, expect codes: Set<Int>) async throws {
                while true {
                    guard let buffer = try await lines.next() else { throw MailError.connectionClosed(stage) }
                    let line = String(buffer: buffer)
                    guard line.count >= 3, let code = Int(line.prefix(3)) else { throw MailError.rejected(command: stage, code: 0, reply: line) }
                    if line.count > 3, line[line.index(line.startIndex, offsetBy: 3)] == "-" { continue }   // multi-line reply
                    guard codes.contains(code) else { throw MailError.rejected(command: stage, code: code, reply: line) }
                    return
                }
            }
            func command(_ text: String, expect codes: Set<Int>) async throws {
                try await outbound.write(ByteBuffer(string: text + "\r\n"))
                try await reply(String(text.prefix(while: { $0 != " " })), expect: codes)
            }
            try await reply("greeting", expect: [220])
            try await command("EHLO \(settings.heloName)", expect: [250])
            if let user = settings.username, let password = settings.password {
                let token = Data("\0\(user)\0\(password)".utf8).base64EncodedString()
                try await command("AUTH PLAIN \(token)", expect: [235])
            }
            try await command("MAIL FROM:<\(settings.from)>", expect: [250])
            try await command("RCPT TO:<\(message.to)>", expect: [250, 251])
            try await command("DATA", expect: [354])
            try await outbound.write(ByteBuffer(string: MailFormat.render(message, from: settings.from, id: id) + "\r\n.\r\n"))
            try await reply("message", expect: [250])
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
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

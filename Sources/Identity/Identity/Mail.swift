import Foundation
import Platform

/// An email waiting in the outbox.
public struct MailMessage: Sendable, Codable, Equatable {
    public static let jobKind = "mail.send"
    public let to: String
    public let subject: String
    public let body: String
    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// Delivers email. The outbox job calls it at least once; delivery is keyed by the job.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage, id: String) async throws
}

/// Writes each message as an .eml file in a folder: the demo's mailer, and a way to
/// read what the product would have sent.
public struct FileMailer: Mailer {
    public let folder: URL
    public let from: String

    public init(folder: URL, from: String) {
        self.folder = folder
        self.from = from
    }

    public func send(_ message: MailMessage, id: String) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let text = "From: \(from)\r\nTo: \(message.to)\r\nSubject: \(message.subject)\r\nMessage-ID: <\(id)@pipstack>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\(message.body)\r\n"
        // Written under the job id: a redelivery overwrites, never duplicates.
        try Data(text.utf8).write(to: folder.appendingPathComponent("\(id).eml"), options: .atomic)
    }
}

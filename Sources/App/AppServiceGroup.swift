import Foundation
import Identity
import Logging
import Platform
import ServiceLifecycle

extension AppServices {
    /// Every long-running service of an instance: the web server, the job worker
    /// (mail, and each capability's jobs) and each capability's background services.
    public func serviceGroup(mailer: any Mailer, host: String, port: Int, logger: Logger) throws -> ServiceGroup {
        let app = try PipstackWeb.application(services: self, host: host, port: port, logger: logger)
        var handlers: [String: JobWorker.Handler] = [
            MailMessage.jobKind: { job in
                let message = try JSONDecoder().decode(MailMessage.self, from: Data(job.payload.utf8))
                try await mailer.send(message, id: job.id)
            },
        ]
        var background: [any Service] = []
        for capability in Capabilities.all {
            try handlers.merge(capability.jobs(built)) { _, _ in throw StorageError.misconfigured("two capabilities handle one job kind") }
            background += try capability.background(built, logger: logger)
        }
        let worker = JobWorker(queue: jobs, handlers: handlers, logger: logger, health: health)
        return ServiceGroup(configuration: .init(services: [app, worker] + background,
                                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}

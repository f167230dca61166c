import Foundation
import Identity
import Logging
import Platform
import ServiceLifecycle
import Trading

extension AppServices {
    /// Every long-running service of an instance: the web server, the job worker
    /// (mail, reconciliation, resync) and each slice's background services. A new
    /// slice's background services join here.
    public func serviceGroup(mailer: any Mailer, host: String, port: Int, logger: Logger) throws -> ServiceGroup {
        let app = PipstackWeb.application(services: self, host: host, port: port, logger: logger)
        let worker = JobWorker(queue: jobs, handlers: [
            MailMessage.jobKind: { job in
                let message = try JSONDecoder().decode(MailMessage.self, from: Data(job.payload.utf8))
                try await mailer.send(message, id: job.id)
            },
            Reconciler.jobKind: { [trading] _ in try await trading.reconciler.run() },
            DealResync.jobKind: { [trading] job in try await trading.resync.run(payload: job.payload) },
        ], logger: logger, health: health)
        let tradingServices = trading.backgroundServices(db: db, clock: clock, logger: logger, health: health)
        let commissionServices = try commissions.backgroundServices(logger: logger, health: health)
        return ServiceGroup(configuration: .init(services: [app, worker] + commissionServices + tradingServices,
                                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    }
}

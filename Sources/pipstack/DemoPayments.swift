import Foundation
import Payments
import Platform
import PSPSimulator
import App

/// The demo's card provider: the simulator with its hosted page and 3-D Secure step,
/// configured in Pipstack as the `card` provider and sending its events to the demo's
/// webhook endpoint. Its secrets are new at every start, as its payments are.
enum DemoPayments {
    static func start(services: AppServices, base: String) async throws -> CardSimulator {
        let simulator = try await CardSimulator.start()
        simulator.setWebhookURL("\(base)/webhooks/psp/card")
        try await services.payments.providers.save(PaymentProviderConfig(id: "card", kind: .card, name: "Card", apiBase: simulator.baseURL,
                                                                         apiKey: simulator.options.apiKey, webhookSecret: simulator.options.webhookSecret),
                                                   audit: AuditContext(actor: "demo"))
        return simulator
    }
}

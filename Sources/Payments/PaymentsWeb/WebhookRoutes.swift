import Foundation
import HTTPTypes
import Hummingbird
import Payments
import WebKit

/// `POST /webhooks/psp/{provider}`: a provider's event, verified by its signature,
/// recorded and applied before the 200. A refused delivery gets a 4xx and is kept,
/// with the reason, for staff to review.
struct WebhookRoutes {
    let payments: PaymentsServices
    static let maxBody = 256 * 1024

    func register(_ routes: SecuredRoutes) {
        routes.post("/webhooks/psp/:provider") { request, context in
            let provider = try context.parameters.require("provider")
            let body = try await request.body.collect(upTo: Self.maxBody)
            let signature = HTTPField.Name(StripeSignature.header).flatMap { request.headers[$0] }
            switch try await payments.receiveWebhook(provider: provider, signature: signature, body: Array(buffer: body), from: context.clientIP) {
            case let .accepted(outcome):
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"received\":true,\"outcome\":\"\(outcome.rawValue)\"}")))
            case let .refused(reason):
                context.logger.warning("webhook refused", metadata: ["provider": "\(provider.prefix(64))", "reason": "\(reason)"])
                throw UserFacingError(.badRequest, reason)
            case let .unknownProvider(reason):
                throw UserFacingError(.notFound, reason)
            case .throttled:
                throw UserFacingError(.tooManyRequests, "too many refused deliveries from this address; they are no longer kept, slow down")
            }
        }
    }
}

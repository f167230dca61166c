import BrokerCore
import Clients
import Hummingbird
import WebKit

/// The clients slice's API: deposits and KYC approvals reported by outside systems
/// (`/api/v1/client-events`), and a client's events.
public struct ClientsPages: WebSlice {
    let services: ClientsWebServices

    public init(web: WebServices, clientEvents: ClientEventStore) {
        services = ClientsWebServices(web: web, clientEvents: clientEvents)
    }

    public static let permissions: [RoutePermission] = [
        .init(.post, "/api/v1/client-events", RoutePermission.staff(.admin, .finance, .compliance)),
        .init(.get, "/api/v1/clients/:id/events", RoutePermission.staff(.admin, .finance, .compliance, .ibManager)),
    ]

    public func register(_ routes: SecuredRoutes) {
        ClientEventAPIRoutes(services: services).register(routes)
    }
}

/// What the clients API reads: the shared web services and the client events.
struct ClientsWebServices: Sendable {
    let web: WebServices
    let clientEvents: ClientEventStore
}

import Platform
import ClientsWeb
import CommissionsWeb
import IdentityWeb
import LedgerWeb
import PartnersWeb
import PaymentsWeb
import TradingWeb
import WebKit

/// Every capability of Pipstack, once, in dependency order: a capability's services
/// are built after those of the capabilities above it, and the parts of one
/// migration version run in this order. Adding a capability is one line here.
public enum Capabilities {
    public static let all: [any Capability.Type] = [
        PlatformCapability.self,
        IdentityCapability.self,
        LedgerCapability.self,
        TradingCapability.self,
        PartnersCapability.self,
        CommissionsCapability.self,
        ClientsCapability.self,
        PaymentsCapability.self,
    ]
}

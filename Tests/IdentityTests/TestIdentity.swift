import BrokerCore
import Identity
import Platform

/// The identity service the Identity tests use: a test key, cheap bcrypt, no second factor.
enum TestIdentity {
    static func service(_ db: Database, clock: any PipstackClock) -> IdentityService {
        IdentityService(db: db, clock: clock, secretBox: SecretBox(secretKey: "test-secret-key-of-at-least-32-characters"),
                        bcryptCost: 4, policy: LoginPolicy(twoFactorRoles: []))
    }
}

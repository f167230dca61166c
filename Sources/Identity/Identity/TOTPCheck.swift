import Foundation
import HummingbirdOTP
import Platform

/// RFC 6238 TOTP verification with one step of clock drift either way.
public enum TOTPCheck {
    public static func verify(code: String, secret: String, atMicros now: Int64) -> Bool {
        let digits = code.filter(\.isNumber)
        guard digits.count == 6, let value = Int(digits) else { return false }
        let totp = TOTP(secret: secret)
        for drift in [-30, 0, 30] {
            // Whole seconds only: TOTP counts 30-second steps.
            let date = Date(timeIntervalSince1970: TimeInterval(now / 1_000_000 + Int64(drift)))
            if totp.compute(date: date) == value { return true }
        }
        return false
    }

    /// The current code, for tests and the demo.
    public static func code(secret: String, atMicros now: Int64) -> String {
        let value = TOTP(secret: secret).compute(date: Date(timeIntervalSince1970: TimeInterval(now / 1_000_000)))
        return String(format: "%06d", value)
    }

    /// The otpauth:// URL an authenticator app scans.
    public static func provisioningURL(secret: String, account: String, issuer: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: account, issuer: issuer)
    }
}

import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import X509

/// A certificate made on the spot for servers that have no real one: the trade
/// server simulator's `--tls`, and TLS servers that tests start on loopback. Clients
/// trust it explicitly (by its PEM); it must never stand in for a production
/// certificate.
public struct SelfSignedCertificate: Sendable {
    public let certificatePEM: String
    public let privateKeyPEM: String

    /// A P-256 certificate for `hosts` and `addresses`, valid from an hour ago for `days`.
    public static func make(hosts: [String] = ["localhost"], addresses: [String] = ["127.0.0.1"], days: Int = 365,
                            now: Date = Date()) throws -> SelfSignedCertificate {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(hosts.first ?? "localhost") }
        var names: [GeneralName] = hosts.map { .dnsName($0) }
        for address in addresses {
            if let bytes = IPv4Bytes(address) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))) }
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600),
            notValidAfter: now.addingTimeInterval(Double(days) * 86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(key))
        return SelfSignedCertificate(certificatePEM: try certificate.serializeAsPEM().pemString,
                                     privateKeyPEM: key.pemRepresentation)
    }

    /// TLS settings for a server presenting this certificate.
    public func serverConfiguration() throws -> TLSConfiguration {
        let certificate = try NIOSSLCertificate(bytes: Array(certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        return .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
    }

    /// Writes the PEM files into `folder`; returns their paths.
    public func write(to folder: URL) throws -> (certificate: String, key: String) {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let certificate = folder.appendingPathComponent("certificate.pem")
        let key = folder.appendingPathComponent("private-key.pem")
        try certificatePEM.write(to: certificate, atomically: true, encoding: .utf8)
        try privateKeyPEM.write(to: key, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        return (certificate.path, key.path)
    }

    private static func IPv4Bytes(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".").compactMap { UInt8($0) }
        return parts.count == 4 ? parts : nil
    }
}

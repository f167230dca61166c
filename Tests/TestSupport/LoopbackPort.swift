import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Ports for helper processes (chromedriver, the SMTP sink) that tests start:
/// a random guess can collide with another test's server on a busy CI machine.
public enum LoopbackPort {
    public enum Failure: Error { case unavailable(String) }

    /// A loopback port nobody listens on right now (bound to port 0, then released).
    public static func free() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LoopbackPort.Failure.unavailable("socket: errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw LoopbackPort.Failure.unavailable("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

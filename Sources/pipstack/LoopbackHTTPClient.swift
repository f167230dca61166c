import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's load generator: one keep-alive HTTP/1.1 connection per signed-in
/// session over a blocking loopback socket, on its own thread. URLSession (curl and
/// dispatch queues) spent an eighth of the two cores the server is measured on; this
/// spends a fraction of that, so the figures are the server's. It is the benchmark's
/// only client, for setting up as for timing.
final class LoopbackHTTPConnection {
    private let socket: Int32
    private var buffer: [UInt8] = []
    private let host: String

    init(port: Int, host: String = "127.0.0.1") throws {
        self.host = host
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw LoopbackHTTPError("socket() failed: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw LoopbackHTTPError("connect to \(host):\(port) failed: \(errno)")
        }
        var on: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(socket) }

    /// Waits until the server on `port` answers `/healthz` (up to ten seconds).
    static func waitUntilUp(port: Int) throws {
        for _ in 0..<200 {
            if let answer = try? LoopbackHTTPConnection(port: port).get("/healthz", cookie: ""), answer.status == 200 { return }
            usleep(50_000)
        }
        throw LoopbackHTTPError("the server on port \(port) did not answer /healthz")
    }

    /// GETs `path` with `cookie` and returns the status and the body.
    func get(_ path: String, cookie: String) throws -> (status: Int, body: String) {
        try exchange(Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nCookie: \(cookie)\r\nAccept: text/html\r\n\r\n".utf8))
    }

    /// POSTs `body` as JSON to `path` with extra header lines and returns the status and the body.
    func postJSON(_ path: String, headers: [(String, String)], body: [UInt8]) throws -> (status: Int, body: String) {
        let head = "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n"
            + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n"
        return try exchange(Array(head.utf8) + body)
    }

    /// Sends one request and reads its answer on the kept-alive connection.
    private func exchange(_ request: [UInt8]) throws -> (status: Int, body: String) {
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { throw LoopbackHTTPError("send failed: \(errno)") }
            sent += written
        }
        let headerEnd = try readUntil([13, 10, 13, 10])
        let head = String(decoding: buffer[..<headerEnd], as: UTF8.self)
        buffer.removeFirst(headerEnd + 4)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2, let status = Int(statusLine.split(separator: " ")[1]) else {
            throw LoopbackHTTPError("not an HTTP response: \(head.prefix(80))")
        }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let name = parts[0].lowercased()
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        var body: [UInt8] = []
        if chunked {
            while true {
                let lineEnd = try readUntil([13, 10])
                let size = Int(String(decoding: buffer[..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
                buffer.removeFirst(lineEnd + 2)
                try fill(size + 2)
                body += buffer[..<size]
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        } else {
            let size = length ?? 0
            try fill(size)
            body = Array(buffer[..<size])
            buffer.removeFirst(size)
        }
        return (status, String(decoding: body, as: UTF8.self))
    }

    private func readUntil(_ marker: [UInt8]) throws -> Int {
        var from = 0
        while true {
            if buffer.count >= marker.count {
                for index in from...(buffer.count - marker.count) where buffer[index] == marker[0] && Array(buffer[index..<index + marker.count]) == marker {
                    return index
                }
                from = buffer.count - marker.count + 1
            }
            try receive()
        }
    }

    private func fill(_ count: Int) throws {
        while buffer.count < count { try receive() }
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let read = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard read > 0 else { throw LoopbackHTTPError(read == 0 ? "the server closed the connection" : "recv failed: \(errno)") }
        buffer += chunk[..<read]
    }
}

struct LoopbackHTTPError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs `body` on a thread of its own (blocking sockets must not hold the task pool).
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

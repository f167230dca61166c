import ArgumentParser
import Foundation
import Platform

/// Where the data lives. Flags override the environment, which overrides defaults.
struct StorageOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "sqlite:PATH or postgres://user:pass@host:port/db (env PIPSTACK_DATABASE_URL).")
    var databaseURL: String?

    @Option(name: .customLong("data-dir"), help: "Folder for the SQLite file, uploaded documents, exports and the demo's mail (env PIPSTACK_DATA_DIR; default ./pipstack-data).")
    var dataDir: String?

    var dataFolder: URL {
        URL(fileURLWithPath: dataDir ?? ProcessInfo.processInfo.environment["PIPSTACK_DATA_DIR"] ?? "./pipstack-data")
    }

    func resolvedURL() throws -> DatabaseURL {
        if let text = databaseURL ?? ProcessInfo.processInfo.environment["PIPSTACK_DATABASE_URL"], !text.isEmpty {
            return try DatabaseURL(parsing: text)
        }
        return .sqlite(path: dataFolder.appendingPathComponent("pipstack.sqlite").path)
    }
}

/// The HTTP listener.
struct ListenOptions: ParsableArguments {
    @Option(name: .long, help: "Port to listen on (env PIPSTACK_PORT; default 8080).")
    var port: Int?

    @Option(name: .long, help: "Address to bind (env PIPSTACK_HOST; default 127.0.0.1 for demo, 0.0.0.0 for serve).")
    var host: String?

    func resolvedPort() throws -> Int {
        if let port { return port }
        guard let text = ProcessInfo.processInfo.environment["PIPSTACK_PORT"] else { return 8080 }
        guard let port = Int(text), (1...65_535).contains(port) else { throw ValidationError("PIPSTACK_PORT must be a port number, got \(text)") }
        return port
    }

    func resolvedHost(default fallback: String) -> String {
        host ?? ProcessInfo.processInfo.environment["PIPSTACK_HOST"] ?? fallback
    }
}

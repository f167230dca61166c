import BrokerCore
import Foundation
import Mustache
import Platform

/// Page templates: the shipped set, with per-brand overrides a broker drops into
/// `<templates-dir>/<brand-id>/NAME.mustache` (a whole template replaces the shipped one).
public struct Templates: Sendable {
    private let base: [String: String]
    private let libraries: [String: MustacheLibrary]
    private let defaultLibrary: MustacheLibrary

    public init(shippedFolder: URL, overridesFolder: URL?) throws {
        base = try Self.load(shippedFolder)
        defaultLibrary = try Self.library(base)
        var libraries: [String: MustacheLibrary] = [:]
        if let overridesFolder, let brands = try? FileManager.default.contentsOfDirectory(atPath: overridesFolder.path) {
            for brand in brands {
                let overrides = try Self.load(overridesFolder.appendingPathComponent(brand))
                if !overrides.isEmpty {
                    libraries[brand] = try Self.library(base.merging(overrides) { _, override in override })
                }
            }
        }
        self.libraries = libraries
    }

    /// The parameter notes at the top of a shipped component (`{{! ... }}`), for the style guide.
    package func documentation(of name: String) -> String {
        guard let text = base[name], text.hasPrefix("{{!"), let end = text.range(of: "}}") else { return "" }
        return text[text.index(text.startIndex, offsetBy: 3)..<end.lowerBound].split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "\n")
    }

    public func render(_ name: String, brand: BrandID?, context: [String: Any]) -> String? {
        let library = brand.flatMap { libraries[$0.rawValue] } ?? defaultLibrary
        return library.render(context, withTemplate: name)
    }

    private static func load(_ folder: URL) throws -> [String: String] {
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [:] }
        var templates: [String: String] = [:]
        for file in files where file.hasSuffix(".mustache") {
            templates[String(file.dropLast(".mustache".count))] = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        }
        return templates
    }

    private static func library(_ templates: [String: String]) throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in templates { try library.register(text, named: name) }
        return library
    }
}

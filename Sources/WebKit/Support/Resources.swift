import Foundation
import Platform

/// Where the shipped templates, strings and assets are.
public enum WebResources {
    public static var folder: URL { Bundle.module.bundleURL.appendingPathComponent("Resources") }
    public static var templates: URL { folder.appendingPathComponent("templates") }
    public static var strings: URL { folder.appendingPathComponent("i18n") }
    public static var assets: URL { folder.appendingPathComponent("assets") }
}

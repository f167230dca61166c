/// Input that cannot be saved, naming the field, so that forms can point at it
/// and the CLI and API can say which value to fix.
public struct FieldValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

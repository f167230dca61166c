/// An error that retrying cannot fix: a broken invariant, corrupt data, a wrong
/// configuration. A background pipeline that meets one stops and says so instead of
/// retrying forever; a person restarts it after a fix.
public protocol StopsPipeline: Error {
    var stopsPipeline: Bool { get }
}

/// An error that means the request itself was invalid (an unbalanced transaction, an
/// unknown currency): the web layer answers 422 with its description, without
/// knowing which slice raised it.
public protocol RejectsInput: Error, CustomStringConvertible {}

/// An error that retrying cannot fix: a broken invariant, corrupt data, a wrong
/// configuration. A background pipeline that meets one stops and says so instead of
/// retrying forever; a person restarts it after a fix.
public protocol StopsPipeline: Error {
    var stopsPipeline: Bool { get }
}

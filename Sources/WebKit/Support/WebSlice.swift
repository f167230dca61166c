/// A slice's pages and API routes: the rows of the permission table and the menu
/// entries it owns, and the handlers it registers. The composition root (`App`)
/// lists every slice once; adding a capability's pages is adding it to that list.
public protocol WebSlice: Sendable {
    /// Who may call each of the slice's routes; every route it registers has a row.
    static var permissions: [RoutePermission] { get }
    /// The slice's entries in the surfaces' menus.
    static var menu: [MenuItem] { get }
    /// Registers the slice's handlers; `routes` also carries the renderer and the shared services.
    func register(_ routes: SecuredRoutes)
}

extension WebSlice {
    public static var menu: [MenuItem] { [] }
}

/// The dashboard's listener: where, and whether failing to bind stops the daemon.
public struct DashboardConfiguration: Sendable {
    public var http: HTTPServerConfig
    /// True when the address was asked for (`--dashboard-bind`, `CAR_DASHBOARD_BIND`); the
    /// default (port+1) only warns when taken.
    public var required: Bool

    public init(http: HTTPServerConfig, required: Bool) {
        self.http = http
        self.required = required
    }
}

extension Duration {
    /// The duration in seconds, with its fraction: what dates and HTTP clients count in.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

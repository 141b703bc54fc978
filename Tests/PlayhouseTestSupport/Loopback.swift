import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Plain TCP sockets on 127.0.0.1, for tests that need a port or talk to a local server
/// without Foundation's HTTP client.
public enum Loopback {
    /// A socket bound to 127.0.0.1 on a free port (not listening) and that port: while
    /// the socket is open, connections to the port are refused.
    public static func bind() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket() failed: errno \(errno)") }
        var address = address(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw LoopbackError("bind() on 127.0.0.1 failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            close(fd)
            throw LoopbackError("getsockname() failed: errno \(errno)")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A socket listening on 127.0.0.1 that never accepts, and its port: connections
    /// complete into its backlog and then hear nothing, like a server that hangs. The
    /// caller closes it.
    public static func silentListener() throws -> (fd: Int32, port: Int) {
        let (fd, port) = try bind()
        guard listen(fd, 16) == 0 else {
            close(fd)
            throw LoopbackError("listen() on 127.0.0.1:\(port) failed: errno \(errno)")
        }
        return (fd, port)
    }

    /// A port of 127.0.0.1 that was free a moment ago, and that this process never handed
    /// out before: tests run side by side, and two servers told the same port would answer
    /// each other's requests (one test's health check reaching another test's server).
    public static func freePort() throws -> Int {
        while true {
            let (fd, port) = try bind()
            close(fd)
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
    }

    private static let handedOut = Mutex<Set<Int>>([])

    /// A socket connected to 127.0.0.1:`port` whose reads and writes give up after
    /// `timeout` seconds; the caller closes it.
    public static func connect(port: Int, timeout: Double) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackError("socket() failed: errno \(errno)") }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var address = address(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw LoopbackError("connect to 127.0.0.1:\(port) failed: errno \(error)")
        }
        return fd
    }

    private static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        return address
    }
}

/// A loopback socket call that failed.
public struct LoopbackError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

import Foundation
import NIOCore
import NIOPosix

/// The named pipe the callback plugin writes its JSON lines to.
///
/// The parent opens the read end first (non-blocking) and holds a writer of its own, so the
/// reader sees EOF only after Playhouse lets go of that writer, once `ansible-playbook` and
/// every process it forked are gone, never before Ansible had a chance to open the pipe.
final class EventPipe: Sendable {
    let path: String
    private let readDescriptor: CInt
    private let writeDescriptor: CInt

    init(path: String) throws {
        guard mkfifo(path, 0o600) == 0 else {
            throw RunnerError("could not create the event pipe \(path): \(String(cString: strerror(errno)))")
        }
        let reader = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard reader >= 0 else { throw RunnerError("could not open the event pipe: \(String(cString: strerror(errno)))") }
        let writer = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        guard writer >= 0 else {
            close(reader)
            throw RunnerError("could not open the event pipe: \(String(cString: strerror(errno)))")
        }
        self.path = path
        readDescriptor = reader
        writeDescriptor = writer
    }

    /// Lets the reader reach EOF once the run's own writers are gone.
    func closeWriter() {
        close(writeDescriptor)
    }

    /// Reads lines until EOF and hands each to `line`. Takes ownership of the read end.
    func readLines(_ line: (Substring) async throws -> Void) async throws {
        let channel = try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptor(input: readDescriptor) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, Never>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, _ in
            var pending = ByteBuffer()
            for try await var chunk in inbound {
                pending.writeBuffer(&chunk)
                while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
                    let length = newline - pending.readerIndex
                    let text = pending.readString(length: length) ?? ""
                    pending.moveReaderIndex(forwardBy: 1)
                    try await line(Substring(text))
                }
                pending.discardReadBytes()
            }
            if pending.readableBytes > 0, let rest = pending.readString(length: pending.readableBytes) {
                try await line(Substring(rest))
            }
        }
    }
}

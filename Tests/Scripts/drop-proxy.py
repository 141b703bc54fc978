"""A TCP proxy for the client tests, as a network that drops long-lived connections.

    python3 drop-proxy.py LISTEN_PORT TARGET_PORT DROPS CUT_BYTES

Forwards 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT. The first DROPS requests for an
event stream (`/stream` in a request line, on a new or a reused connection) have their
connection cut, both ways at once, once CUT_BYTES of the answer have passed; it prints
`dropped N` for each. Everything else passes untouched.
"""
import asyncio
import sys

LISTEN, TARGET, DROPS, CUT = map(int, sys.argv[1:5])
dropped = 0


class Connection:
    """One client connection and its upstream twin; `cut_at` is the count of answer bytes
    after which both are cut, once a stream request has been seen."""

    def __init__(self):
        self.answered = 0
        self.cut_at = None


async def requests(reader, writer, connection):
    """Client to server: watches each request line for a stream to cut."""
    global dropped
    try:
        while data := await reader.read(65536):
            if connection.cut_at is None and dropped < DROPS:
                for line in data.split(b"\r\n"):
                    if line.startswith(b"GET ") and b"/stream" in line:
                        dropped += 1
                        connection.cut_at = connection.answered + CUT
                        break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass


async def answers(reader, writer, connection):
    """Server to client; True when the connection was cut."""
    try:
        while data := await reader.read(4096):
            if connection.cut_at is not None and connection.answered + len(data) >= connection.cut_at:
                writer.write(data[: connection.cut_at - connection.answered])
                await writer.drain()
                return True
            writer.write(data)
            await writer.drain()
            connection.answered += len(data)
    except (ConnectionError, asyncio.CancelledError):
        pass
    return False


async def handle(client_reader, client_writer):
    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    connection = Connection()
    upstream = asyncio.create_task(requests(client_reader, server_writer, connection))
    if await answers(server_reader, client_writer, connection):
        print(f"dropped {dropped}", flush=True)
        client_writer.transport.abort()
        server_writer.transport.abort()
    else:
        for writer in (client_writer, server_writer):
            writer.close()
    upstream.cancel()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())

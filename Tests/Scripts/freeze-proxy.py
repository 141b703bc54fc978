"""A TCP proxy for the store tests, as a network that goes silent without closing anything.

    python3 freeze-proxy.py LISTEN_PORT TARGET_PORT

Forwards 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT. On SIGUSR1 every connection open
at that moment freezes: what either side sends is dropped, and neither side is closed, as
when a server vanishes behind a failover or a firewall forgets the connection. Connections
made later pass untouched.
"""
import asyncio
import signal
import sys

LISTEN, TARGET = map(int, sys.argv[1:3])
connections = set()


class Connection:
    def __init__(self):
        self.frozen = False


async def pump(reader, writer, connection):
    try:
        while data := await reader.read(65536):
            if connection.frozen:
                continue
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if not connection.frozen:
            writer.close()


async def serve(client_reader, client_writer):
    connection = Connection()
    connections.add(connection)
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", TARGET)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pump(client_reader, server_writer, connection), pump(server_reader, client_writer, connection))
    connections.discard(connection)


def freeze():
    for connection in connections:
        connection.frozen = True
    print(f"froze {len(connections)}", flush=True)


async def main():
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, freeze)
    server = await asyncio.start_server(serve, "127.0.0.1", LISTEN)
    async with server:
        await server.serve_forever()


asyncio.run(main())

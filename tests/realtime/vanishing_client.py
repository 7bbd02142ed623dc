"""A Socket.IO client in its own process, for tests that freeze it (SIGSTOP) to play a client
that vanishes without closing its connection. Usage: vanishing_client.py URL TOKEN"""

from __future__ import annotations

import asyncio
import sys

import socketio


async def main(url: str, token: str) -> None:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
    print("connected", flush=True)
    await client.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

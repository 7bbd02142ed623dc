"""Idle connections: memory per authenticated Socket.IO connection held by one hub process.

    python bench/connections.py [--count 5000] [--client-procs 4] [--idle 10]

Starts one hub (`hub serve`, no job workers) on a fresh database of BENCH_DATABASE_URL's server
(the system PostgreSQL by default), makes `--count` people, and opens one authenticated
connection for each, spread over `--client-procs` processes. The clients speak Engine.IO v4 /
Socket.IO v5 directly over aiohttp websockets (bench/_sio_raw.py: open, connect with
auth.token, answer pings): python-socketio's client costs far more memory than the connection
it makes, and the measured side is the hub. Memory per connection = (hub RSS with every connection open and idle
for `--idle` seconds - hub RSS before) / count. The file-descriptor limit is raised first (the
hub inherits it). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from _chat_seed import JWT_SECRET, fresh_database, seed_staff
from _hub import start_hub, stop_hub
from _sio_raw import RawSocket

CONNECT_CONCURRENCY = 200  # handshakes in flight per client process


def raise_fd_limit(wanted: int) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def client_process(base: str, tokens: list[str], pipe: Connection) -> None:
    asyncio.run(_hold_connections(base, tokens, pipe))


async def _hold_connections(base: str, tokens: list[str], pipe: Connection) -> None:
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    sockets: list[RawSocket] = []
    failures: list[str] = []

    async def open_one(session: aiohttp.ClientSession, token: str) -> None:
        try:
            async with limit:
                socket = RawSocket(session, base)
                await socket.connect(token)  # then idle: its reader only answers the server's pings
            sockets.append(socket)
        except Exception as exc:  # counted and reported: a benchmark keeps going
            failures.append(f"{type(exc).__name__}: {exc}")

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.gather(*(open_one(session, t) for t in tokens))
        pipe.send({"connected": len(sockets), "failures": failures[:5], "failed": len(failures)})
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)  # until told to stop
        for socket in sockets:
            await socket.close()


def settled_rss(process: psutil.Process, seconds: float = 30) -> int:
    """RSS once it stops moving (the masker is built in the background after start-up)."""
    deadline = time.monotonic() + seconds
    last = process.memory_info().rss
    while time.monotonic() < deadline:
        time.sleep(2)
        now = process.memory_info().rss
        if abs(now - last) < 2**20:
            return now
        last = now
    return last


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--client-procs", type=int, default=4)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle before measuring")
    args = parser.parse_args()
    fd_limit = raise_fd_limit(args.count * 2 + 1024)
    if fd_limit < args.count + 1024:
        parser.error(f"the file-descriptor limit is {fd_limit}: too low for {args.count} connections")

    async with fresh_database() as database_url:
        proc, base, _ = start_hub({
            "DATABASE_URL": database_url, "HUB_WORKERS": "0", "HUB_JWT_SECRET": JWT_SECRET,
            "HUB_RATE_LIMIT_ENABLED": "false",
        }, cwd=Path(tempfile.mkdtemp()))
        hub = psutil.Process(proc.pid)
        workers: list[Any] = []
        pipes: list[Connection] = []
        try:
            people = await seed_staff(database_url, args.count)
            before = await asyncio.to_thread(settled_rss, hub)
            ctx = mp.get_context("spawn")
            tokens = [p.token for p in people]
            share = -(-len(tokens) // args.client_procs)
            started = time.monotonic()
            for start in range(0, len(tokens), share):
                mine, theirs = ctx.Pipe()
                worker = ctx.Process(target=client_process, args=(base, tokens[start : start + share], theirs))
                worker.start()
                workers.append(worker)
                pipes.append(mine)
            reports = [await asyncio.to_thread(pipe.recv) for pipe in pipes]
            connect_seconds = time.monotonic() - started
            connected = sum(r["connected"] for r in reports)
            failed = sum(r["failed"] for r in reports)
            cpu_before = sum(hub.cpu_times()[:2])
            await asyncio.sleep(args.idle)
            idle_cpu = 100 * (sum(hub.cpu_times()[:2]) - cpu_before) / args.idle
            after = hub.memory_info().rss
            fds = hub.num_fds()
            print(f"hub: 1 process; machine: {psutil.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; fd limit {fd_limit}")
            print(f"connections: {connected} open, {failed} failed, in {connect_seconds:.1f} s "
                  f"({connected / connect_seconds:.0f}/s); hub holds {fds} file descriptors")
            if failed:
                print(f"  first failures: {[f for r in reports for f in r['failures']][:3]}")
            print(f"hub RSS: {before / 2**20:.0f} MiB before, {after / 2**20:.0f} MiB with every connection idle "
                  f"{args.idle:.0f} s -> {(after - before) / max(1, connected) / 1024:.1f} KiB per connection")
            print(f"hub CPU while idle: {idle_cpu:.1f}% of one core")
        finally:
            for pipe in pipes:
                pipe.send(None)
            for worker in workers:
                worker.join(30)
                if worker.is_alive():
                    worker.kill()
            stop_hub(proc)


if __name__ == "__main__":
    asyncio.run(main())

"""Chat fan-out: delivered messages per second, send-to-receive latency, hub CPU and memory.

    python bench/chat_fanout.py [--clients 200] [--thread-size 10] [--rate 2] [--seconds 20]
                                [--step-seconds 8] [--budget 150] [--client-procs 2]

Starts one hub (`hub serve`, in-process fan-out, no job workers) on a fresh database of
BENCH_DATABASE_URL's server (the system PostgreSQL by default). `--clients` Socket.IO clients,
spread over `--client-procs` processes, sit in threads of `--thread-size`; each sends `--rate`
messages a second for `--seconds`, open loop (on a schedule, not waiting for acks). The
clients speak the Socket.IO protocol directly (bench/_sio_raw.py) so that on a small machine
their own cost stays small. Every message:new a member receives gives one latency: receive
time minus send time (the send time travels in clientMsgId). Then the per-client rate is
stepped up, `--step-seconds` a step, to find the highest steady rate whose p99 stays under
100 ms (a step fails on p99, on a delivery shortfall or on sends falling behind schedule); if
the base rate already fails, it is stepped down instead. Steps stop when `--budget` seconds
are used. Hub CPU is also given per message sent (CPU-milliseconds), which depends less on
what else the machine is doing than the latencies do.

The send rate limit is lifted for the run (HUB_CHAT_SEND_LIMITS), since the point is the
pipeline's capacity. Clients and hub share the machine: the figures are for the whole box.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
import psutil

from _chat_seed import JWT_SECRET, Person, fresh_database, seed_staff
from _hub import start_hub, stop_hub
from _sio_raw import RawSocket

P99_TARGET_MS = 100.0
DRAIN_SECONDS = 1.0  # after a phase, late deliveries of its messages are still counted
STEP_RATES = (3, 4, 6, 8, 10, 12, 16, 20, 25, 30, 40)  # messages a second per client
STEP_DOWN = (1.5, 1, 0.5, 0.25)  # tried when the base rate is already over the target


@dataclass
class Phase:
    rate: float  # messages a second per client
    seconds: float
    sent: int = 0
    acked: int = 0
    refused: int = 0
    received: int = 0
    latencies: list[float] | None = None  # ms, one per delivery
    ack_latencies: list[float] | None = None  # ms, one per acked send
    hub_cpu: float = 0.0  # percent of one core
    clients_cpu: float = 0.0  # percent of one core, all client processes together
    hub_rss: int = 0  # bytes
    load: float = 0.0  # the machine's 1-minute load average at the end


# -- client processes ---------------------------------------------------------------------------


def client_process(url: str, members: list[tuple[str, str]], pipe: Connection) -> None:
    """Runs in its own process: connect `members` (token, threadId), then run phases on command."""
    asyncio.run(_client_main(url, members, pipe))


async def _client_main(url: str, members: list[tuple[str, str]], pipe: Connection) -> None:
    deliveries: list[float] = []
    counting = [False]

    def on_message(message: dict[str, Any]) -> None:
        if counting[0]:
            sent_ns = int(message["clientMsgId"].split("-", 1)[0])
            deliveries.append((time.time_ns() - sent_ns) / 1e6)

    limit = asyncio.Semaphore(50)
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))

    async def connect(token: str, thread_id: str) -> RawSocket:
        async with limit:
            client = RawSocket(session, url)
            client.on("message:new", on_message)
            await client.connect(token)
            ack = await client.call("thread:join", {"threadId": thread_id}, timeout=30)
            assert ack["ok"], ack
            return client

    clients = list(await asyncio.gather(*(connect(t, th) for t, th in members)))
    loop = asyncio.get_running_loop()
    pipe.send("ready")
    while (command := await loop.run_in_executor(None, pipe.recv)) is not None:
        rate, seconds = command
        deliveries.clear()
        counting[0] = True
        stats = await _send_for(clients, [th for _, th in members], rate, seconds)
        await asyncio.sleep(DRAIN_SECONDS)
        counting[0] = False
        pipe.send({**stats, "latencies": list(deliveries)})
    for client in clients:
        await client.close()
    await session.close()


async def _send_for(clients: list[RawSocket], threads: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Every client sends `rate` messages a second for `seconds`, open loop (on a schedule,
    without waiting for the previous ack); returns counts and ack latencies."""
    acks: list[float] = []
    stats = {"sent": 0, "acked": 0, "refused": 0}
    end = time.monotonic() + seconds

    async def send_one(client: RawSocket, thread_id: str, client_msg_id: str) -> None:
        stats["sent"] += 1
        started = time.perf_counter()
        try:
            ack = await client.call("message:send", {
                "threadId": thread_id, "clientMsgId": client_msg_id,
                "content": "Thanks, the interview is confirmed for Tuesday at ten."}, timeout=10)
        except TimeoutError:
            stats["refused"] += 1
            return
        if ack.get("ok"):
            stats["acked"] += 1
            acks.append((time.perf_counter() - started) * 1000)
        else:
            stats["refused"] += 1

    async def sender(client: RawSocket, thread_id: str, me: int) -> None:
        interval = 1.0 / rate
        next_at = time.monotonic() + random.random() * interval
        n = 0
        pending: set[asyncio.Task[None]] = set()
        while next_at < end:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            n += 1
            task = asyncio.create_task(send_one(client, thread_id, f"{time.time_ns()}-{me}-{n}"))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.wait(pending, timeout=10)

    await asyncio.gather(*(sender(c, th, i) for i, (c, th) in enumerate(zip(clients, threads, strict=True))))
    return {**stats, "acks": acks}


# -- orchestration ----------------------------------------------------------------------------


async def make_threads(base: str, people: list[Person], size: int) -> list[tuple[str, str]]:
    """Threads of `size` people, made over REST by each group's first member; returns
    (token, threadId) per person."""
    members: list[tuple[str, str]] = []
    async with aiohttp.ClientSession() as session:
        for start in range(0, len(people), size):
            group = people[start : start + size]
            async with session.post(
                base + "/api/v1/chat/threads",
                headers={"Authorization": f"Bearer {group[0].token}"},
                json={"participantIds": [p.id for p in group[1:]], "subject": "bench"},
            ) as response:
                body = await response.json()
                assert response.status == 201, body
            members.extend((p.token, body["data"]["id"]) for p in group)
    return members


def run_phase(pipes: list[Connection], hub: psutil.Process, clients: list[psutil.Process], phase: Phase) -> Phase:
    def cpu(process: psutil.Process) -> float:
        return sum(process.cpu_times()[:2])

    hub_before, clients_before = cpu(hub), sum(cpu(c) for c in clients)
    wall_before = time.monotonic()
    for pipe in pipes:
        pipe.send((phase.rate, phase.seconds))
    results = [pipe.recv() for pipe in pipes]
    wall = time.monotonic() - wall_before
    phase.hub_cpu = 100 * (cpu(hub) - hub_before) / wall
    phase.clients_cpu = 100 * (sum(cpu(c) for c in clients) - clients_before) / wall
    phase.hub_rss = hub.memory_info().rss
    phase.load = os.getloadavg()[0]
    phase.sent = sum(r["sent"] for r in results)
    phase.acked = sum(r["acked"] for r in results)
    phase.refused = sum(r["refused"] for r in results)
    phase.latencies = sorted(x for r in results for x in r["latencies"])
    phase.ack_latencies = sorted(x for r in results for x in r["acks"])
    phase.received = len(phase.latencies)
    return phase


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def describe(phase: Phase, clients: int, thread_size: int) -> str:
    expected = phase.acked * (thread_size - 1)
    lat = phase.latencies or []
    acks = phase.ack_latencies or []
    return (f"{phase.rate:5.1f}/s/client  sent {phase.acked / phase.seconds:7.0f} msg/s  "
            f"delivered {phase.received / phase.seconds:7.0f} msg/s ({phase.received / max(1, expected):5.1%})  "
            f"latency p50 {pct(lat, 0.5):6.1f} p99 {pct(lat, 0.99):7.1f} ms  "
            f"ack p50 {pct(acks, 0.5):6.1f} p99 {pct(acks, 0.99):7.1f} ms  "
            f"refused {phase.refused}  hub CPU {phase.hub_cpu:4.0f}% "
            f"({phase.hub_cpu * 10 / max(1.0, phase.acked / phase.seconds):.2f} ms/msg)  RSS {phase.hub_rss / 2**20:4.0f} MiB  "
            f"clients CPU {phase.clients_cpu:4.0f}%  load {phase.load:4.1f}")


def steady(phase: Phase, clients: int, thread_size: int) -> bool:
    """Kept up: (almost) every scheduled send made and acked, every delivery made, p99 on target."""
    on_schedule = phase.sent >= 0.95 * phase.rate * phase.seconds * clients and phase.acked >= 0.99 * phase.sent
    delivered = phase.received >= 0.99 * phase.acked * (thread_size - 1)
    return on_schedule and delivered and pct(phase.latencies or [], 0.99) < P99_TARGET_MS


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--thread-size", type=int, default=10)
    parser.add_argument("--rate", type=float, default=2.0, help="messages a second per client")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--step-seconds", type=float, default=8.0)
    parser.add_argument("--budget", type=float, default=150.0, help="seconds for the whole run, at most")
    parser.add_argument("--client-procs", type=int, default=2)
    args = parser.parse_args()
    if args.clients % args.thread_size:
        parser.error("--clients must be a multiple of --thread-size")
    began = time.monotonic()

    async with fresh_database() as database_url:
        proc, base, _ = start_hub({
            "DATABASE_URL": database_url, "HUB_WORKERS": "0", "HUB_JWT_SECRET": JWT_SECRET,
            "HUB_RATE_LIMIT_ENABLED": "false", "HUB_CHAT_SEND_LIMITS": "1000000/second",
        }, cwd=Path(tempfile.mkdtemp()))
        hub = psutil.Process(proc.pid)
        ctx = mp.get_context("spawn")
        workers: list[Any] = []
        pipes: list[Connection] = []
        try:
            people = await seed_staff(database_url, args.clients)
            members = await make_threads(base, people, args.thread_size)
            # Whole threads per process, so each process mostly talks among its own clients.
            per_proc = -(-len(members) // args.thread_size // args.client_procs) * args.thread_size
            for start in range(0, len(members), per_proc):
                mine, theirs = ctx.Pipe()
                worker = ctx.Process(target=client_process, args=(base, members[start : start + per_proc], theirs))
                worker.start()
                workers.append(worker)
                pipes.append(mine)
            for pipe in pipes:
                assert pipe.recv() == "ready"
            client_procs = [psutil.Process(w.pid) for w in workers]
            print(f"hub: 1 process; {args.clients} clients in threads of {args.thread_size} "
                  f"({len(pipes)} client processes); machine: {psutil.cpu_count()} CPUs")
            await asyncio.sleep(1.0)
            baseline = run_phase(pipes, hub, client_procs, Phase(args.rate, args.seconds))
            print(f"base run, {args.seconds:.0f} s:")
            print("  " + describe(baseline, args.clients, args.thread_size))
            best = baseline if steady(baseline, args.clients, args.thread_size) else None
            # Up from the base rate while p99 holds; down from it when even the base rate is over.
            rates = [r for r in STEP_RATES if r > args.rate] if best else [r for r in STEP_DOWN if r < args.rate]
            print(f"step {'up' if best else 'down'}, {args.step_seconds:.0f} s a step (p99 target {P99_TARGET_MS:.0f} ms):")
            for rate in rates:
                if time.monotonic() - began + args.step_seconds + DRAIN_SECONDS > args.budget:
                    print("  (time budget used up)")
                    break
                phase = run_phase(pipes, hub, client_procs, Phase(rate, args.step_seconds))
                ok = steady(phase, args.clients, args.thread_size)
                print(("  ok   " if ok else "  over ") + describe(phase, args.clients, args.thread_size))
                if ok:
                    best = phase if best is None or phase.rate > best.rate else best
                if ok != (rates[0] > args.rate):  # going up: stop at the first over; down: at the first ok
                    break
            if best is not None:
                print(f"highest steady rate with p99 < {P99_TARGET_MS:.0f} ms: {best.rate:g} msg/s per client = "
                      f"{best.acked / best.seconds:.0f} msg/s sent, {best.received / best.seconds:.0f} deliveries/s")
            else:
                print(f"no rate tried kept p99 under {P99_TARGET_MS:.0f} ms")
            print(f"total run time {time.monotonic() - began:.0f} s")
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

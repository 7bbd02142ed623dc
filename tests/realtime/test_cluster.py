"""Two real hub processes sharing one database and a Redis this module starts: fan-out and
presence across processes, a process killed with SIGKILL, and Redis restarted under load.

People are made by an in-process hub on the same database (tokens are signed with the secret
both processes are given); the clients then talk to the two `hub serve` processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from hubtest import Hub
from socketkit import ChatScene, Client, HubProcess, RedisServer, chat_scene, connected, eventually, new_msg_id

INTERVAL = 2.0  # seconds, HUB_HEARTBEAT_INTERVAL of both processes

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")


@pytest.fixture(scope="module")
def database_url(server_url: str, template_db: str) -> Iterator[str]:
    """One database for the module (overrides the per-test one): the processes outlive tests."""
    name = f"hub_cluster_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(server_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
    yield urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@dataclass
class Cluster:
    redis: RedisServer
    hubs: list[HubProcess]
    log_dir: Path

    def ensure_running(self) -> None:
        for hub in self.hubs:
            if hub.proc is None or hub.proc.poll() is not None:
                hub.start(self.log_dir)
        for hub in self.hubs:
            hub.wait_healthy()


@pytest.fixture(scope="module")
def cluster(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    log_dir = tmp_path_factory.mktemp("cluster")
    redis = RedisServer()
    redis.start()
    hubs = [HubProcess(database_url, redis.url, INTERVAL) for _ in range(2)]
    result = Cluster(redis, hubs, log_dir)
    try:
        result.ensure_running()
        yield result
    finally:
        for hub in hubs:
            hub.stop()
        redis.kill()


@pytest.fixture
def running(cluster: Cluster) -> Cluster:
    cluster.ensure_running()  # a test may have killed one
    return cluster


async def _pair(hub: Hub, cluster: Cluster) -> tuple[ChatScene, Client, Client]:
    """The recruiter on process A and the candidate on process B, both in their thread."""
    scene = await chat_scene(hub)
    a, b = cluster.hubs
    recruiter = await connected(a.url, scene.recruiter)
    candidate = await connected(b.url, scene.candidate)
    for client in (recruiter, candidate):
        await client.ok("thread:join", {"threadId": scene.thread_id})
    return scene, recruiter, candidate


def _send(thread_id: str, content: str) -> dict[str, Any]:
    return {"threadId": thread_id, "clientMsgId": new_msg_id(), "content": content}


async def test_a_message_sent_on_one_process_reaches_members_on_the_other(hub: Hub, running: Cluster) -> None:
    scene, recruiter, candidate = await _pair(hub, running)
    sent = await candidate.ok("message:send", _send(scene.thread_id, "reach me at 07700 900123"))
    assert await recruiter.next("message:new") == sent and sent["masked"] is True
    reply = await recruiter.ok("message:send", _send(scene.thread_id, "Thanks, noted"))
    assert (await candidate.next("message:new"))["id"] == reply["id"]
    await recruiter.close()
    await candidate.close()


async def test_presence_agrees_on_both_processes(hub: Hub, running: Cluster) -> None:
    scene = await chat_scene(hub)
    a, b = running.hubs
    watcher = await connected(a.url, scene.recruiter)
    await watcher.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    phone = await connected(b.url, scene.candidate)
    laptop = await connected(a.url, scene.candidate)
    assert (await watcher.next("presence:update"))["status"] == "online"
    await laptop.ok("presence:heartbeat", {"status": "away"})
    await watcher.nothing("presence:update")  # the phone on the other process is still active
    for hub_process in (a, b):
        status = await _status(hub, hub_process, scene, scene.candidate.id)
        assert status == "online", hub_process.url
    await phone.close()
    assert (await watcher.next("presence:update"))["status"] == "away"
    await laptop.close()
    assert (await watcher.next("presence:update"))["status"] == "offline"
    assert await _status(hub, b, scene, scene.candidate.id) == "offline"
    await watcher.close()


async def test_killing_a_process_turns_its_users_offline_within_two_intervals(hub: Hub, running: Cluster) -> None:
    scene = await chat_scene(hub)
    a, b = running.hubs
    watcher = await connected(a.url, scene.recruiter)
    await watcher.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    doomed = await connected(b.url, scene.candidate)
    assert (await watcher.next("presence:update"))["status"] == "online"
    b.kill()
    started = time.monotonic()
    update = await watcher.next("presence:update", timeout=4 * INTERVAL)
    elapsed = time.monotonic() - started
    assert update["status"] == "offline"
    assert elapsed <= 2 * INTERVAL + 0.5, f"offline after {elapsed:.2f} s"
    with contextlib.suppress(Exception):
        await doomed.close()
    await watcher.close()


async def test_fan_out_and_presence_resume_after_redis_restarts_under_load(hub: Hub, running: Cluster) -> None:
    scene, recruiter, candidate = await _pair(hub, running)
    a, b = running.hubs
    await recruiter.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    stop = asyncio.Event()
    acked: list[str] = []

    async def load() -> None:
        n = 0
        while not stop.is_set():
            ack = await candidate.call("message:send", _send(scene.thread_id, f"load {n}"))
            if ack["ok"]:  # sends keep working: PostgreSQL stores them, Redis only fans out
                acked.append(ack["data"]["id"])
            n += 1
            await asyncio.sleep(0.05)

    sender = asyncio.create_task(load())
    try:
        await eventually(_arrivals(recruiter, 5), timeout=10)
        running.redis.kill()
        await asyncio.sleep(1.0)
        during = len(acked)
        running.redis.start()  # same port, empty
        recruiter.drain("message:new")
        await eventually(_arrivals(recruiter, 10), timeout=15)  # fan-out is back
        assert len(acked) > during
    finally:
        stop.set()
        await sender
    assert not a.proc.poll() and not b.proc.poll()  # type: ignore[union-attr]
    # Presence came back too: the entries were written again, and changes flow across.
    await eventually(lambda: _is(hub, a, scene, scene.candidate.id, "online"), timeout=10)
    recruiter.drain("presence:update")
    await candidate.ok("presence:heartbeat", {"status": "away"})
    update = await recruiter.next("presence:update", timeout=5)
    assert update["status"] == "away"
    await recruiter.close()
    await candidate.close()


async def test_a_frozen_redis_does_not_stall_sends_and_nothing_queued_is_lost(hub: Hub, running: Cluster) -> None:
    """A Redis that stops answering without closing connections (SIGSTOP) must not hang the
    send pipeline; what was published meanwhile is delivered once Redis answers again."""
    scene, recruiter, candidate = await _pair(hub, running)
    running.redis.freeze()
    try:
        started = time.monotonic()
        sent = await candidate.ok("message:send", _send(scene.thread_id, "sent while Redis is frozen"))
        assert time.monotonic() - started < 5
    finally:
        running.redis.thaw()
    assert (await recruiter.next("message:new", timeout=10))["id"] == sent["id"]
    after = await candidate.ok("message:send", _send(scene.thread_id, "and after"))
    assert (await recruiter.next("message:new", timeout=5))["id"] == after["id"]
    await recruiter.close()
    await candidate.close()


def _arrivals(client: Client, count: int) -> Any:
    """A check for `eventually`: true once `count` more messages reached `client`."""
    seen = 0

    async def check() -> bool:
        nonlocal seen
        seen += len(client.drain("message:new"))
        return seen >= count

    return check


async def _status(hub: Hub, process: HubProcess, scene: ChatScene, user_id: str) -> str:
    async with hub.client.session.get(
        f"{process.url}/api/v1/users/{user_id}/presence", headers=scene.recruiter.headers
    ) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["data"]["status"]


async def _is(hub: Hub, process: HubProcess, scene: ChatScene, user_id: str, status: str) -> bool:
    try:
        return await _status(hub, process, scene, user_id) == status
    except AssertionError:
        return False

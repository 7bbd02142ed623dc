"""Presence over real sockets: devices aggregate, disconnects and vanished clients go offline,
subscribers see only whom they may and hear only of changes."""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path
from typing import Any

from hubtest import Hub, seed_application
from socketkit import chat_scene, connected

VANISHING_CLIENT = Path(__file__).with_name("vanishing_client.py")


async def test_devices_aggregate_online_beats_away(hub: Hub) -> None:
    scene = await chat_scene(hub)
    watcher = await connected(hub.url, scene.recruiter)
    await watcher.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    phone = await connected(hub.url, scene.candidate)
    laptop = await connected(hub.url, scene.candidate)
    assert (await watcher.next("presence:update"))["status"] == "online"
    assert (await phone.ok("presence:heartbeat", {"status": "away"}))["status"] == "online"  # the laptop is active
    ack = await laptop.ok("presence:heartbeat", {"status": "away"})
    assert ack["status"] == "away" and ack["lastActiveAt"].endswith("Z")
    assert (await watcher.next("presence:update"))["status"] == "away"
    await phone.ok("presence:heartbeat", {})  # no status means online
    assert (await watcher.next("presence:update"))["status"] == "online"
    await phone.close()
    assert (await watcher.next("presence:update"))["status"] == "away"  # the laptop is still there, idle
    await laptop.close()
    update = await watcher.next("presence:update")
    assert update == {"userId": scene.candidate.id, "status": "offline", "lastActiveAt": update["lastActiveAt"]}
    await watcher.close()


async def test_closing_the_last_socket_is_offline_at_once(hub: Hub) -> None:
    scene = await chat_scene(hub)
    watcher = await connected(hub.url, scene.recruiter)
    candidate = await connected(hub.url, scene.candidate)
    states = await watcher.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    assert states[0]["status"] == "online"
    started = time.monotonic()
    await candidate.close()
    assert (await watcher.next("presence:update", timeout=2))["status"] == "offline"
    assert time.monotonic() - started < 1.0  # the default interval is 25 s: this was the disconnect
    body = await hub.call("GET", f"/users/{scene.candidate.id}/presence", status=200, headers=scene.recruiter.headers)
    assert body["data"]["status"] == "offline" and body["data"]["lastActiveAt"] is not None
    await watcher.close()


async def test_updates_are_pushed_only_on_a_change(hub: Hub) -> None:
    scene = await chat_scene(hub)
    watcher = await connected(hub.url, scene.recruiter)
    await watcher.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    candidate = await connected(hub.url, scene.candidate)
    assert (await watcher.next("presence:update"))["status"] == "online"
    for _ in range(3):
        await candidate.ok("presence:heartbeat", {"status": "online"})
    await watcher.nothing("presence:update")
    for _ in range(3):
        await candidate.ok("presence:heartbeat", {"status": "away"})
    assert (await watcher.next("presence:update"))["status"] == "away"
    await watcher.nothing("presence:update")
    await candidate.close()
    await watcher.close()


async def test_a_client_that_vanishes_silently_is_offline_within_two_intervals(make_hub: Any) -> None:
    interval = 2.0
    hub = await make_hub(heartbeat_interval=interval)
    scene = await chat_scene(hub)
    watcher = await connected(hub.url, scene.recruiter)
    await watcher.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    proc = await asyncio.create_subprocess_exec(sys.executable, str(VANISHING_CLIENT), hub.url, scene.candidate.token,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"connected"
        assert (await watcher.next("presence:update", timeout=5))["status"] == "online"
        proc.send_signal(signal.SIGSTOP)  # frozen: the socket stays open but nothing answers
        started = time.monotonic()
        update = await watcher.next("presence:update", timeout=4 * interval)
        elapsed = time.monotonic() - started
        assert update["status"] == "offline"
        assert elapsed <= 2 * interval + 0.5, f"offline after {elapsed:.2f} s"
    finally:
        proc.kill()
        await proc.wait()
    await watcher.close()


async def test_candidates_see_only_their_thread_participants(hub: Hub) -> None:
    scene = await chat_scene(hub)
    other_agency = await hub.agency("Other")
    other_candidate = await hub.candidate()
    await seed_application(hub, scene.agency, other_candidate)
    candidate = await connected(hub.url, scene.candidate)
    asked = [scene.recruiter.id, scene.agency.owner.id, other_agency.owner.id, other_candidate.id]
    states = await candidate.ok("presence:subscribe", {"userIds": asked})
    assert [s["userId"] for s in states] == [scene.recruiter.id]
    for person in (other_agency.owner, other_candidate, scene.agency.owner):
        client = await connected(hub.url, person)
        await client.close()
    await candidate.nothing("presence:update")
    await candidate.close()


async def test_staff_see_their_agencys_people_and_applicants(hub: Hub) -> None:
    scene = await chat_scene(hub)
    applicant = await hub.candidate()
    await seed_application(hub, scene.agency, applicant)
    stranger = await hub.candidate()
    colleague = await hub.member(scene.agency, "interviewer")
    other_agency = await hub.agency("Other")
    recruiter = await connected(hub.url, scene.recruiter)
    asked = [applicant.id, stranger.id, colleague.id, other_agency.owner.id, scene.candidate.id]
    states = await recruiter.ok("presence:subscribe", {"userIds": asked})
    assert [s["userId"] for s in states] == [applicant.id, colleague.id, scene.candidate.id]
    assert {s["status"] for s in states} == {"offline"}
    client = await connected(hub.url, applicant)
    assert (await recruiter.next("presence:update"))["userId"] == applicant.id
    await client.close()
    await recruiter.close()


async def test_subscribe_and_heartbeat_reject_bad_payloads(hub: Hub) -> None:
    scene = await chat_scene(hub)
    client = await connected(hub.url, scene.candidate)
    for event, payload in (
        ("presence:subscribe", {"userIds": "x"}),
        ("presence:subscribe", {"userIds": ["not-a-uuid"]}),
        ("presence:subscribe", {"userIds": [scene.recruiter.id] * 201}),
        ("presence:heartbeat", {"status": "busy"}),
        ("presence:heartbeat", [1, 2]),
    ):
        ack = await client.call(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] == "VALIDATION_ERROR", (event, payload, ack)
    assert client.sio.connected
    await client.close()


async def test_presence_outage_is_acked_and_recovers_when_redis_returns(make_hub: Any, redis_server: Any) -> None:
    hub = await make_hub(redis_url=redis_server.url)
    scene = await chat_scene(hub)
    client = await connected(hub.url, scene.candidate)
    await client.ok("presence:heartbeat", {})
    redis_server.kill()
    ack = await client.call("presence:heartbeat", {"status": "away"})
    assert ack["ok"] is False and ack["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert client.sio.connected
    redis_server.start()
    assert (await client.ok("presence:heartbeat", {"status": "away"}))["status"] == "away"
    await client.close()

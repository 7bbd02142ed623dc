"""Webhook delivery under failure: retries on the backoff schedule, a worker process killed
mid-delivery, and a thousand events with none missing. A real receiver verifies every request."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from hubtest import Agency, Hub

from hub.db import transaction
from hub.events import emit
from hub.keys import DB
from hub.services.webhooks import WebhookConfig
from hub.settings import Settings, SettingsError
from tests.workers.webhook_receiver import HANG, Receiver

Factory = Callable[..., Awaitable[Hub]]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def register(hub: Hub, agency: Agency, receiver: Receiver) -> str:
    reply = await hub.call("POST", "/webhooks", status=201, headers=agency.owner.headers,
                           json={"url": receiver.url + "/hooks", "events": ["*"]})  # fmt: skip
    receiver.secrets.append(reply["data"]["secret"])
    return reply["data"]["id"]


async def emit_events(hub: Hub, agency: Agency, count: int, *, per_transaction: int = 100) -> list[str]:
    ids: list[str] = []
    while len(ids) < count:
        async with transaction(hub.app[DB]) as conn:
            for _ in range(min(per_transaction, count - len(ids))):
                event_id = await emit(conn, "application.created", {"n": len(ids)}, agency_id=uuid.UUID(agency.id))
                ids.append(str(event_id))
    return ids


async def test_three_failures_then_success_follow_the_backoff_schedule(make_hub: Factory, receiver: Receiver,
                                                                       pool: asyncpg.Pool) -> None:  # fmt: skip
    schedule = (0.4, 0.8, 1.2)
    hub = await make_hub(extra={"HUB_WEBHOOK_RETRY_SCHEDULE": ",".join(map(str, schedule)), "HUB_WEBHOOK_JITTER": "0.1"})
    receiver.respond = lambda n: 500 if n <= 3 else 200
    agency = await hub.agency()
    endpoint_id = await register(hub, agency, receiver)
    [event_id] = await emit_events(hub, agency, 1)
    await receiver.wait_for(lambda r: len(r.ids()) == 1, timeout=20)
    await asyncio.sleep(0.3)  # the attempt is recorded after the answer
    arrivals = receiver.verified
    assert [a.status for a in arrivals] == [500, 500, 500, 200]
    assert {a.headers["webhook-id"] for a in arrivals} == {event_id}
    for before, after, delay in zip(arrivals[:-1], arrivals[1:], schedule, strict=True):
        assert after.at - before.at >= delay * 0.9 - 0.05, f"retry came {after.at - before.at:.2f} s after, wanted {delay}"
    attempts = await pool.fetch("SELECT attempt, status_code, succeeded, error FROM webhook_attempts ORDER BY attempt")
    assert [(a["attempt"], a["status_code"], a["succeeded"]) for a in attempts] == [
        (1, 500, False), (2, 500, False), (3, 500, False), (4, 200, True)]
    assert attempts[0]["error"] == "HTTP 500"
    delivery = await pool.fetchrow("SELECT * FROM webhook_deliveries WHERE endpoint_id = $1", uuid.UUID(endpoint_id))
    assert (delivery["status"], delivery["attempts"]) == ("succeeded", 4)


async def test_delivery_gives_up_when_the_schedule_is_spent(make_hub: Factory, receiver: Receiver, pool: asyncpg.Pool) -> None:
    hub = await make_hub(extra={"HUB_WEBHOOK_RETRY_SCHEDULE": "0.1,0.1", "HUB_WEBHOOK_JITTER": "0"})
    receiver.respond = lambda n: 500
    agency = await hub.agency()
    await register(hub, agency, receiver)
    await emit_events(hub, agency, 1)
    await receiver.wait_for(lambda r: len(r.arrivals) == 3)
    await asyncio.sleep(1.0)
    assert len(receiver.arrivals) == 3
    delivery = await pool.fetchrow("SELECT status, attempts, next_attempt_at FROM webhook_deliveries")
    assert (delivery["status"], delivery["attempts"], delivery["next_attempt_at"]) == ("failed", 3, None)


@pytest.fixture
def spawn_worker(database_url: str, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    """`python -m hub.cli worker` against the test database, as production runs it."""
    procs: list[subprocess.Popen[bytes]] = []

    def spawn() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url,
            "HUB_WEBHOOK_ALLOW_PRIVATE": "1",
            "HUB_JOB_LEASE_SECONDS": "2",
            "HUB_JOB_POLL_SECONDS": "0.2",
            "HUB_DATA_DIR": str(tmp_path / "worker-data"),
            "HUB_LOG_FORMAT": "text",
        }
        proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--concurrency", "1"], cwd=tmp_path, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


async def test_event_is_delivered_after_its_worker_is_killed_mid_delivery(
    make_hub: Factory, receiver: Receiver, spawn_worker: Callable[[], subprocess.Popen[bytes]], pool: asyncpg.Pool
) -> None:
    hub = await make_hub(workers=0)  # this hub only dispatches events; the worker processes deliver
    receiver.respond = lambda n: HANG if n == 1 else 200
    agency = await hub.agency()
    await register(hub, agency, receiver)
    [event_id] = await emit_events(hub, agency, 1)
    first = spawn_worker()
    await receiver.wait_for(lambda r: len(r.arrivals) == 1, timeout=60)  # the first worker is now waiting on us
    first.send_signal(signal.SIGKILL)
    first.wait()
    spawn_worker()
    await receiver.wait_for(lambda r: len(r.ids()) == 1, timeout=60)
    assert [a.headers["webhook-id"] for a in receiver.verified] == [event_id, event_id]
    for _ in range(50):
        delivery = await pool.fetchrow("SELECT status, attempts FROM webhook_deliveries")
        if delivery["status"] == "succeeded":
            break
        await asyncio.sleep(0.1)
    assert delivery["status"] == "succeeded"
    attempts = await pool.fetch("SELECT succeeded FROM webhook_attempts")
    assert [a["succeeded"] for a in attempts] == [True]  # the killed attempt never got to be recorded


async def test_a_thousand_events_arrive_none_missing(make_hub: Factory, receiver: Receiver, pool: asyncpg.Pool) -> None:
    hub = await make_hub(workers=8)
    agency = await hub.agency()
    await register(hub, agency, receiver)
    sent = await emit_events(hub, agency, 1000)
    await receiver.wait_for(lambda r: len(r.ids()) >= 1000, timeout=120)
    assert receiver.ids() == set(sent)
    assert all(a.payload is not None for a in receiver.arrivals)  # every request verified
    counts: dict[str, Any] = dict(await pool.fetchrow(
        "SELECT count(*) AS rows, count(*) FILTER (WHERE status = 'succeeded') AS ok FROM webhook_deliveries"))
    assert counts["rows"] == 1000


def test_default_schedule_makes_seven_attempts_over_about_a_day() -> None:
    config = WebhookConfig.from_settings(Settings())
    assert config.max_attempts == 7 and 15 * 3600 < sum(config.retry_schedule) < 24 * 3600
    assert config.timeout_seconds == 10 and config.disable_after_seconds == 5 * 86400
    delays = [config.retry_delay(n) for n in range(1, 8)]
    assert delays[-1] is None and all(0.9 * d <= got <= 1.1 * d for d, got in zip(config.retry_schedule, delays[:-1]))


def test_schedule_setting_takes_units_and_needs_three_attempts() -> None:
    config = WebhookConfig.from_settings(Settings(extra={"HUB_WEBHOOK_RETRY_SCHEDULE": "250ms, 2s,1m,1h,1d"}))
    assert config.retry_schedule == (0.25, 2, 60, 3600, 86400)
    for bad in ("5s", "soon,later", "5s,-1s"):
        with pytest.raises(SettingsError, match="HUB_WEBHOOK_RETRY_SCHEDULE"):
            WebhookConfig.from_settings(Settings(extra={"HUB_WEBHOOK_RETRY_SCHEDULE": bad}))

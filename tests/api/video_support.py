"""Shared helpers of the video tests: rooms and tokens through the REST API, records the video
API does not create (applications), and a hub wired to a local LiveKit stand-in.

The LiveKit stand-in is the one tests/media/test_livekit.py defines (LiveKit's Twirp protocol
on a local aiohttp app); it is loaded by file location so both test trees can use it.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from google.protobuf.json_format import MessageToJson
from livekit import api

from hubtest import Agency, Hub, Person, seed_application
from hub.keys import DB


def _load_livekit_tests() -> ModuleType:
    name = "recruit_hub_tests_media_livekit"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "media" / "test_livekit.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_livekit_tests = _load_livekit_tests()
LiveKitStandIn = _livekit_tests.LiveKitStandIn
LIVEKIT_KEY: str = _livekit_tests.KEY
LIVEKIT_SECRET: str = _livekit_tests.SECRET
livekit_signature: Callable[..., str] = _livekit_tests.livekit_signature


def livekit_event(event_id: str, **fields: Any) -> str:
    """A LiveKit webhook body (JSON of a WebhookEvent), as LiveKit's server writes it."""
    return MessageToJson(api.WebhookEvent(id=event_id, created_at=int(time.time()), **fields))


@pytest.fixture
async def livekit(aiohttp_server: Any) -> Any:
    """A LiveKit stand-in on 127.0.0.1 that records every RoomService and Egress call."""
    standin = LiveKitStandIn()
    server = await aiohttp_server(standin.app(), host="127.0.0.1")
    standin.url = f"ws://127.0.0.1:{server.port}"
    return standin


@pytest.fixture
async def livekit_hub(make_hub: Callable[..., Awaitable[Hub]], livekit: Any) -> Hub:
    """A hub whose video provider is LiveKit (the stand-in). No job workers: the recordings
    pipeline's egress job would call the stand-in too, and these tests look at the rooms' calls."""
    return await make_hub(
        livekit_url=livekit.url, livekit_api_key=LIVEKIT_KEY, livekit_api_secret=LIVEKIT_SECRET, workers=0
    )


async def create_room(hub: Hub, person: Person | dict[str, str], status: int = 201, **fields: Any) -> dict[str, Any]:
    """POST /video/rooms as `person` (a Person, or headers); returns the room (or the error body)."""
    headers = person.headers if isinstance(person, Person) else person
    body = await hub.call("POST", "/video/rooms", status=status, headers=headers, json={"callType": "screening", **fields})
    return body["data"] if status == 201 else body


async def join(
    hub: Hub, person: Person, room_id: str, role: str = "participant", status: int = 200, **extra: Any
) -> dict[str, Any]:
    """POST /video/rooms/{id}/join; returns the join data (or the error body)."""
    body = await hub.call(
        "POST", f"/video/rooms/{room_id}/join", status=status, headers=person.headers, json={"role": role, **extra}
    )
    return body["data"] if status == 200 else body


async def application_for(hub: Hub, agency_id: str, candidate: Person) -> str:
    """The id of a fresh application of `candidate` to a job of the agency."""
    agency = Agency(agency_id, candidate, "")  # seed_application only reads the id
    return (await seed_application(hub, agency, candidate))["applicationId"]


async def outbox(hub: Hub, event_type: str) -> list[dict[str, Any]]:
    """Event payloads of one type in the outbox, oldest first."""
    async with hub.app[DB].acquire() as conn:
        rows = await conn.fetch("SELECT data FROM events WHERE type = $1 ORDER BY id", event_type)
    return [r["data"] for r in rows]

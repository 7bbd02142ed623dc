"""Mesh video signaling through the hub: aiortc peers (media.mesh.MeshPeer) whose signaling
channel is a python-socketio client connected with their room join tokens."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import sys
import uuid
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import numpy as np
import pytest
import socketio
from aiortc.contrib.media import MediaPlayer

from hubtest import Agency, Hub, Person
from media.mesh import MeshPeer, SignalingError

pytestmark = pytest.mark.timeout(60)


def _load_video_support() -> ModuleType:
    """tests/api/video_support.py (REST helpers of the video tests), loaded by file location."""
    name = "recruit_hub_tests_video_support"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parents[1] / "api" / "video_support.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


video = _load_video_support()
SAMPLE_RATE = 48000  # Hz


def write_tone(path: Path, frequency: float, seconds: float = 10.0) -> Path:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes((0.3 * np.sin(2 * np.pi * frequency * t) * 32767).astype("<i2").tobytes())
    return path


class RoomClient:
    """A participant's Socket.IO connection to the hub; also the SignalingChannel of its MeshPeer.

    Inbound `signal`s are handed to the peer one at a time, in order, from a task of their own
    (the peer's answer is itself a `signal` call, whose ack the client's read loop must deliver).
    """

    def __init__(self, url: str, token: str, room_id: str) -> None:
        self.url, self.token, self.room_id = url, token, room_id
        self.sio = socketio.AsyncClient(reconnection=False)
        self.peer: MeshPeer | None = None
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.participant_events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.ended: asyncio.Event = asyncio.Event()
        self.disconnected = asyncio.Event()
        self.signals_from: dict[str, int] = {}
        self.errors: list[Exception] = []
        self._worker: asyncio.Task[None] | None = None
        self.sio.on("signal", self._on_signal)
        self.sio.on("room:participant", self.participant_events.put)
        self.sio.on("room:ended", lambda data: self.ended.set())
        self.sio.on("disconnect", lambda *args: self.disconnected.set())

    async def connect(self) -> RoomClient:
        await self.sio.connect(self.url, auth={"token": self.token}, transports=["websocket"], wait_timeout=10)
        return self

    async def join(self) -> dict[str, Any]:
        ack = await self.sio.call("room:join", {"roomId": self.room_id}, timeout=10)
        assert ack["ok"], ack
        return ack["data"]

    async def send(self, to: str, type: str, payload: dict[str, Any]) -> None:
        ack = await self.sio.call("signal", {"roomId": self.room_id, "to": to, "type": type, "payload": payload}, timeout=10)
        if not ack["ok"]:
            raise SignalingError(f"{ack['error']['code']}: {ack['error']['message']}")

    def attach(self, peer: MeshPeer) -> MeshPeer:
        self.peer = peer
        self._worker = asyncio.get_running_loop().create_task(self._deliver())
        return peer

    async def _on_signal(self, data: dict[str, Any]) -> None:
        self.signals_from[data["from"]] = self.signals_from.get(data["from"], 0) + 1
        await self.inbox.put(data)

    async def _deliver(self) -> None:
        while True:
            data = await self.inbox.get()
            assert self.peer is not None and data["roomId"] == self.room_id
            try:
                await self.peer.handle_signal(data["from"], data["type"], data["payload"])
            except Exception as exc:  # kept for the test to inspect; delivery goes on
                self.errors.append(exc)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self.peer is not None:
            await self.peer.close()
        if self.sio.connected:
            await self.sio.disconnect()


@pytest.fixture
async def room_client(hub: Hub) -> AsyncIterator[Callable[..., Awaitable[RoomClient]]]:
    """Factory: a connected RoomClient for `person` in `room` with `role` (token from the REST API)."""
    clients: list[RoomClient] = []

    async def create(person: Person, room: dict[str, Any], role: str = "participant") -> RoomClient:
        ticket = await video.join(hub, person, room["id"], role)
        client = await RoomClient(hub.url, ticket["token"], room["id"]).connect()
        clients.append(client)
        return client

    yield create
    for client in reversed(clients):
        await client.close()


async def until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def interview(hub: Hub, **fields: Any) -> tuple[Person, Person, dict[str, Any]]:
    """A recruiter (the agency's owner), a candidate, and a room for the candidate's application."""
    agency = await hub.agency()
    candidate = await hub.candidate()
    application_id = await video.application_for(hub, agency.id, candidate)
    room = await video.create_room(hub, agency.owner, applicationId=application_id, **fields)
    return agency.owner, candidate, room


# -- media over the hub's signaling ------------------------------------------------------------


async def test_two_peers_exchange_audio_through_the_hub(hub: Hub, room_client: Any, tmp_path: Path) -> None:
    """Two aiortc peers join through the hub; audio frames arrive at both ends."""
    recruiter, candidate, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    host_peer = host.attach(MeshPeer(recruiter.id, host, player=MediaPlayer(str(write_tone(tmp_path / "a.wav", 440)))))
    assert (await host.join())["participants"] == []

    guest = await room_client(candidate, room)
    guest_peer = guest.attach(MeshPeer(candidate.id, guest, player=MediaPlayer(str(write_tone(tmp_path / "b.wav", 880)))))
    roster = await guest.join()
    assert [p["identity"] for p in roster["participants"]] == [recruiter.id]
    joined = await host.participant_events.get()
    assert (joined["event"], joined["participant"]["identity"]) == ("joined", candidate.id)

    await guest_peer.connect_to(recruiter.id)  # the newcomer offers
    await until(lambda: min(host_peer.received_frames.get(candidate.id, 0),
                            guest_peer.received_frames.get(recruiter.id, 0)) > 10)
    assert host.errors == [] and guest.errors == []
    assert [e["roomId"] for e in await video.outbox(hub, "video.room.started")] == [room["id"]]
    assert {e["participantId"] for e in await video.outbox(hub, "video.participant.joined")} == {recruiter.id, candidate.id}


async def test_observer_receives_but_cannot_offer(hub: Hub, room_client: Any, tmp_path: Path) -> None:
    """The hub refuses an observer's offer with an error ack; a publisher's offer to it works."""
    recruiter, _, room = await interview(hub)
    watcher = await hub.member(await _agency_of(hub, recruiter), "recruiter", name="Wanda Watcher")
    host = await room_client(recruiter, room, "host")
    host_peer = host.attach(MeshPeer(recruiter.id, host, player=MediaPlayer(str(write_tone(tmp_path / "a.wav", 440)))))
    await host.join()
    observer = await room_client(watcher, room, "observer")
    observer_peer = observer.attach(MeshPeer(watcher.id, observer))  # no player: receives only
    assert (await observer.join())["role"] == "observer"
    announced = await host.participant_events.get()
    assert announced["participant"]["role"] == "observer" and announced["participant"]["hidden"] is True

    refused = await observer.sio.call("signal", {"roomId": room["id"], "to": recruiter.id, "type": "offer",
                                                 "payload": {"type": "offer", "sdp": "v=0\r\n"}})
    assert refused == {"ok": False, "error": {"code": "OBSERVER_CANNOT_OFFER",
                                              "message": "Observers receive only: they cannot send offers"}}
    await host_peer.connect_to(watcher.id)  # publishers offer to observers
    await until(lambda: observer_peer.received_frames.get(recruiter.id, 0) > 10)
    assert host.signals_from.get(watcher.id, 0) >= 1  # its answer got through
    assert observer.errors == [] and host.errors == []


async def test_removed_participant_is_disconnected_and_locked_out(hub: Hub, room_client: Any) -> None:
    recruiter, candidate, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    await host.join()
    guest = await room_client(candidate, room)
    await guest.join()
    await host.participant_events.get()  # guest joined
    old_token = guest.token

    await hub.call("DELETE", f"/video/rooms/{room['id']}/participants/{candidate.id}", status=200, headers=recruiter.headers)
    await asyncio.wait_for(guest.disconnected.wait(), 5)
    removed = await asyncio.wait_for(host.participant_events.get(), 5)
    assert (removed["event"], removed["participant"]["identity"]) == ("removed", candidate.id)

    again = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(hub.url, auth={"token": old_token}, transports=["websocket"])
    body = await video.join(hub, candidate, room["id"], status=403)
    assert body["error"]["code"] == "REMOVED_FROM_ROOM"
    [left] = await video.outbox(hub, "video.participant.left")
    assert (left["participantId"], left["reason"]) == (candidate.id, "removed")


# -- the rules of the relay (no media) ------------------------------------------------------------


async def test_signal_needs_both_sides_in_the_room(hub: Hub, room_client: Any) -> None:
    recruiter, candidate, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    before = await host.sio.call("signal", {"roomId": room["id"], "to": candidate.id, "type": "offer", "payload": {}})
    assert before["error"]["code"] == "NOT_IN_ROOM"
    await host.join()
    guest = await room_client(candidate, room)  # connected, not joined
    absent = await host.sio.call("signal", {"roomId": room["id"], "to": candidate.id, "type": "offer", "payload": {}})
    assert absent["error"]["code"] == "PEER_NOT_IN_ROOM"
    await guest.join()
    with contextlib.suppress(asyncio.QueueEmpty):
        host.participant_events.get_nowait()
    await host.send(candidate.id, "candidate", {"candidate": "", "sdpMid": "0"})
    await until(lambda: guest.signals_from.get(recruiter.id, 0) == 1)
    delivered = await guest.inbox.get()
    assert delivered == {"roomId": room["id"], "from": recruiter.id, "type": "candidate",
                         "payload": {"candidate": "", "sdpMid": "0"}}


async def test_signals_keep_their_order(hub: Hub, room_client: Any) -> None:
    """Fired without waiting for acks, 30 messages arrive in the order they were sent."""
    recruiter, candidate, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    await host.join()
    guest = await room_client(candidate, room)
    await guest.join()
    sends = [host.send(candidate.id, "candidate", {"candidate": f"n{i}", "sdpMid": "0"}) for i in range(30)]
    await asyncio.gather(*sends)
    await until(lambda: guest.inbox.qsize() == 30)
    order = [guest.inbox.get_nowait()["payload"]["candidate"] for _ in range(30)]
    assert order == [f"n{i}" for i in range(30)]


async def test_bad_signal_payloads_are_refused_in_the_ack(hub: Hub, room_client: Any) -> None:
    recruiter, _, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    await host.join()
    for payload in ({"roomId": room["id"], "type": "offer", "payload": {}},
                    {"roomId": room["id"], "to": recruiter.id, "type": "hello", "payload": {}},
                    {"roomId": "nope", "to": recruiter.id, "type": "offer", "payload": {}},
                    "not an object"):
        ack = await host.sio.call("signal", payload)
        assert ack["error"]["code"] == "VALIDATION_ERROR", payload
    itself = await host.sio.call("signal", {"roomId": room["id"], "to": recruiter.id, "type": "offer", "payload": {}})
    assert itself["error"]["code"] == "VALIDATION_ERROR"
    assert host.sio.connected  # a bad message never closes the connection


async def test_room_token_is_for_one_room(hub: Hub, room_client: Any) -> None:
    recruiter, _, room = await interview(hub)
    other = await video.create_room(hub, recruiter)
    host = await room_client(recruiter, room, "host")
    ack = await host.sio.call("room:join", {"roomId": other["id"]})
    assert ack["error"]["code"] == "WRONG_ROOM"


async def test_access_token_connections_cannot_signal(hub: Hub) -> None:
    recruiter, _, room = await interview(hub)
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(hub.url, auth={"token": recruiter.token}, transports=["websocket"])
    try:
        ack = await client.call("room:join", {"roomId": room["id"]})
        assert ack["error"]["code"] == "ROOM_TOKEN_REQUIRED"
    finally:
        await client.disconnect()


async def test_full_room_refuses_one_more(hub: Hub, room_client: Any) -> None:
    recruiter, candidate, room = await interview(hub, maxParticipants=2)
    for person, role in ((recruiter, "host"), (candidate, "participant")):
        await (await room_client(person, room, role)).join()
    third = await room_client(await hub.member(await _agency_of(hub, recruiter), "recruiter"), room, "observer")
    ack = await third.sio.call("room:join", {"roomId": room["id"]})
    assert ack["error"]["code"] == "ROOM_FULL"


async def test_leaving_is_announced_and_recorded(hub: Hub, room_client: Any) -> None:
    recruiter, candidate, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    await host.join()
    guest = await room_client(candidate, room)
    await guest.join()
    await host.participant_events.get()
    await guest.sio.disconnect()
    left = await asyncio.wait_for(host.participant_events.get(), 5)
    assert (left["event"], left["participant"]["identity"]) == ("left", candidate.id)
    [event] = await video.outbox(hub, "video.participant.left")
    assert (event["participantId"], event["reason"]) == (candidate.id, "left")
    listed = await hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=recruiter.headers)
    assert {p["identity"]: p["connected"] for p in listed["data"]} == {recruiter.id: True, candidate.id: False}


async def test_ending_the_room_disconnects_everyone(hub: Hub, room_client: Any) -> None:
    recruiter, candidate, room = await interview(hub)
    host = await room_client(recruiter, room, "host")
    await host.join()
    guest = await room_client(candidate, room)
    await guest.join()
    await hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=recruiter.headers)
    for client in (host, guest):
        await asyncio.wait_for(client.ended.wait(), 5)
        await asyncio.wait_for(client.disconnected.wait(), 5)
    again = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await again.connect(hub.url, auth={"token": guest.token}, transports=["websocket"])
    assert {e["participantId"] for e in await video.outbox(hub, "video.participant.left")} == {recruiter.id, candidate.id}


async def test_invited_guest_joins_and_the_invitation_says_so(hub: Hub) -> None:
    recruiter, _, room = await interview(hub)
    created = await hub.call("POST", "/video/invitations", status=201, headers=recruiter.headers,
                             json={"roomId": room["id"], "email": "gus@example.org", "name": "Gus", "sendEmail": False})
    token = created["data"]["inviteUrl"].split("token=", 1)[1]
    ticket = (await hub.call("POST", "/video/invitations/accept", status=200, json={"token": token}))["data"]
    guest = await RoomClient(hub.url, ticket["token"], room["id"]).connect()
    try:
        assert (await guest.join())["identity"] == created["data"]["id"]
        tracked = await hub.call("GET", f"/video/invitations/{created['data']['id']}", status=200, headers=recruiter.headers)
        assert tracked["data"]["status"] == "joined" and tracked["data"]["joinedAt"]
    finally:
        await guest.close()


async def test_forged_room_token_is_refused(hub: Hub) -> None:
    recruiter, _, room = await interview(hub)
    forged = jwt.encode({"typ": "room", "sub": str(uuid.uuid4()), "room": room["id"], "role": "host", "gen": 1,
                         "iat": 0, "exp": 2**31, "iss": "recruit-hub"}, "not-the-hub-secret-" + "z" * 30, algorithm="HS256")
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(hub.url, auth={"token": forged}, transports=["websocket"])


async def _agency_of(hub: Hub, owner: Person) -> Agency:
    """The Agency record of an owner, for hub.member()."""
    return Agency(owner.agency_id or "", owner, "")

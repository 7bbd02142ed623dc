"""End to end with real speech: two aiortc peers talk in a mesh room through the hub's Socket.IO
signaling, the hidden recorder records each of them, the room ends, a worker transcribes, and
an integrator's webhook receiver gets `video.recording.ready` and `video.transcript.completed`,
signed (Standard Webhooks)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
import wave
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import socketio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from aiortc.contrib.media import MediaPlayer
from hubtest import Hub, Person
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from hub.app import create_app
from hub.keys import DB
from hub.realtime.signaling import room_token_principal
from hub.services.recordings import begin_room_recording
from hub.services.room_recorder import is_recorder, recorder_identity
from hub.settings import Settings
from media.mesh import MeshPeer, SignalingError
from tests.api.media_helpers import WER_LIMIT, word_error_rate
from tests.media.conftest import speech  # noqa: F401  (the espeak-ng fixture)
from workers.recording import HubSignalingChannel, recorder_credentials

pytestmark = pytest.mark.timeout(150)

# Who says what, in order; each speaker's file holds silence while the other one talks.
SCRIPT = [
    ("alice", "en-us", "Good morning and thank you for joining this interview for the backend role."),
    ("bob", "en-gb+m3", "Thank you for having me. I have been looking forward to this conversation."),
    ("alice", "en-us", "Could you walk me through a project you are particularly proud of?"),
    ("bob", "en-gb+m3", "Last year I rebuilt the payment service of an online shop so it could scale."),
]
GAP_SECONDS = 0.7  # pause between turns


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _speaker_tracks(speech, directory: Path) -> tuple[dict[str, Path], float]:  # noqa: F811
    """One WAV per speaker, equally long, each line placed where it falls in the conversation."""
    lines = [(who, speech(text, voice=voice)) for who, voice, text in SCRIPT]
    with wave.open(str(lines[0][1]), "rb") as first:
        rate = first.getframerate()
    gap = np.zeros(int(rate * GAP_SECONDS), np.int16)
    timelines: dict[str, list[np.ndarray]] = {"alice": [gap], "bob": [gap]}
    for who, path in lines:
        with wave.open(str(path), "rb") as source:
            samples = np.frombuffer(source.readframes(source.getnframes()), np.int16)
        for speaker, parts in timelines.items():
            parts.append(samples if speaker == who else np.zeros_like(samples))
            parts.append(gap)
    tracks = {}
    for speaker, parts in timelines.items():
        tracks[speaker] = directory / f"{speaker}.wav"
        with wave.open(str(tracks[speaker]), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(np.concatenate(parts).tobytes())
    return tracks, sum(len(p) for p in timelines["alice"]) / rate


class WebhookReceiver:
    """A real HTTP endpoint that verifies each delivery with the standardwebhooks library."""

    def __init__(self) -> None:
        self.secret = ""
        self.verified: list[dict[str, Any]] = []
        self.rejected = 0
        self.arrived = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        try:
            payload = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.rejected += 1
            return web.Response(status=400)
        async with self.arrived:
            self.verified.append(payload)
            self.arrived.notify_all()
        return web.Response(status=204)

    async def wait_for(self, type: str, timeout: float) -> dict[str, Any]:
        async with asyncio.timeout(timeout), self.arrived:
            while True:
                for event in self.verified:
                    if event["type"] == type:
                        return event
                await self.arrived.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[WebhookReceiver, str]]:
    hooks = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/hooks", hooks.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = _free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    yield hooks, f"http://127.0.0.1:{port}/hooks"
    await runner.cleanup()


@pytest.fixture
async def public_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub on a known port, so the recorder job can reach it at HUB_PUBLIC_URL like in production."""
    port = _free_port()
    app = create_app(settings.replace(public_url=f"http://127.0.0.1:{port}", workers=2))
    client = TestClient(TestServer(app, host="127.0.0.1", port=port))
    await client.start_server()
    yield Hub(app, client)
    await client.close()


class Participant:
    """A person in the room: a Socket.IO connection with a room token and an aiortc MeshPeer."""

    def __init__(self, hub: Hub, person: Person, room_id: str) -> None:
        self.hub, self.person, self.room_id = hub, person, room_id
        self.client = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.peer: MeshPeer | None = None
        self.roster: dict[str, dict[str, Any]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.client.on("signal", self._on_signal)
        self.client.on("room:participant", self._on_participant)

    @property
    def identity(self) -> str:
        return self.person.id

    async def join(self) -> None:
        ticket = await self.hub.call("POST", f"/video/rooms/{self.room_id}/join", status=200,
                                     json={"role": "participant"}, headers=self.person.headers)
        await self.client.connect(self.hub.url, auth={"token": ticket["data"]["token"]}, transports=["websocket"])
        ack = await self.client.call("room:join", {"roomId": self.room_id}, timeout=10)
        assert ack["ok"], ack
        self.roster.update({p["identity"]: p for p in ack["data"]["participants"]})

    def start_media(self, audio: Path) -> None:
        self.peer = MeshPeer(self.identity, HubSignalingChannel(self.client, uuid.UUID(self.room_id)),
                             player=MediaPlayer(str(audio)))

    async def _on_signal(self, data: dict[str, Any]) -> None:
        if self.peer is not None:
            self._spawn(self._handle(data))

    async def _handle(self, data: dict[str, Any]) -> None:
        assert self.peer is not None
        with contextlib.suppress(SignalingError):
            await self.peer.handle_signal(data["from"], data["type"], data["payload"])

    async def _on_participant(self, data: dict[str, Any]) -> None:
        participant = data["participant"]
        if data["event"] == "joined":
            self.roster[participant["identity"]] = participant
        else:
            self.roster.pop(participant["identity"], None)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self.peer is not None:
            await self.peer.close()
        await self.client.disconnect()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def test_two_speakers_recorded_transcribed_and_delivered(
    public_hub: Hub, receiver: tuple[WebhookReceiver, str], speech, tmp_path: Path  # noqa: F811
) -> None:
    hub = public_hub
    hooks, hook_url = receiver
    agency = await hub.agency()
    alice_person = agency.owner
    bob_person = await hub.member(agency, "recruiter", name="Bob Recruiter")
    owner = alice_person.headers
    endpoint = await hub.call("POST", "/webhooks", status=201, headers=owner, json={
        "url": hook_url, "events": ["video.recording.ready", "video.transcript.completed"]})
    hooks.secret = endpoint["data"]["secret"]
    audio, seconds = _speaker_tracks(speech, tmp_path)

    room = (await hub.call("POST", "/video/rooms", status=201, headers=owner, json={
        "callType": "screening", "enableRecording": True, "enableTranscription": True}))["data"]
    alice = Participant(hub, alice_person, room["id"])
    bob = Participant(hub, bob_person, room["id"])
    try:
        await alice.join()  # the room starts: the recording job is queued and a worker's recorder joins
        await bob.join()
        await _until(lambda: any(map(is_recorder, alice.roster.values())) and
                     any(map(is_recorder, bob.roster.values())), 30, "the recorder to join")
        [recorder] = [i for i, p in alice.roster.items() if is_recorder(p)]
        alice.start_media(audio["alice"])
        bob.start_media(audio["bob"])
        assert alice.peer is not None and bob.peer is not None
        await bob.peer.connect_to(alice.identity)  # the newcomer offers; both offer to the recorder
        await bob.peer.connect_to(recorder)
        await alice.peer.connect_to(recorder)
        await _until(lambda: alice.peer.received_frames.get(bob.identity, 0) > 50, 20, "media between the peers")
        await asyncio.sleep(seconds + 1.0)  # let the conversation play out
    finally:
        await alice.close()
        await bob.close()
    await hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=owner)

    ready = await hooks.wait_for("video.recording.ready", timeout=60)
    recording_id = ready["data"]["recordingId"]
    assert ready["data"]["roomId"] == room["id"] and ready["data"]["source"] == "mesh"
    assert {p["id"] for p in ready["data"]["participants"]} == {alice.identity, bob.identity}
    completed = await hooks.wait_for("video.transcript.completed", timeout=90)
    assert completed["data"]["recordingId"] == recording_id and completed["data"]["excerpt"]
    assert hooks.rejected == 0

    recording = (await hub.call("GET", f"/video/recordings/{recording_id}", status=200, headers=owner))["data"]
    assert recording["status"] == "ready" and recording["format"] == "wav"
    assert sorted(t["participant"] for t in recording["tracks"] if t["kind"] == "audio") == sorted(
        [alice.identity, bob.identity])
    assert recording["durationSeconds"] == pytest.approx(seconds, abs=3.0)

    transcript = (await hub.call("GET", f"/video/transcripts/{completed['data']['transcriptId']}", status=200,
                                 headers=owner))["data"]
    speakers = {alice.identity: "alice", bob.identity: "bob"}
    assert {speakers[s["speaker"]] for s in transcript["segments"]} == {"alice", "bob"}
    names = {s["id"]: s["name"] for s in transcript["speakers"]}
    assert names == {alice.identity: "Olive Owner", bob.identity: "Bob Recruiter"}
    script = " ".join(text for _, _, text in SCRIPT)
    assert word_error_rate(script, transcript["text"]) < WER_LIMIT, transcript["text"]
    for who in ("alice", "bob"):  # each speaker's words came from their own track
        said = " ".join(text for speaker, _, text in SCRIPT if speaker == who)
        heard = " ".join(s["text"] for s in transcript["segments"] if speakers[s["speaker"]] == who)
        assert word_error_rate(said, heard) < WER_LIMIT, (who, heard)
    vtt = await hub.client.get(f"/api/v1/video/transcripts/{transcript['id']}/download.vtt", headers=owner)
    assert "<v Olive Owner>" in await vtt.text() and "<v Bob Recruiter>" in await vtt.text()


async def test_a_worker_process_seats_the_recorder_with_a_token_the_hub_accepts(
    public_hub: Hub, settings: Settings
) -> None:
    """`hub worker` processes have no app: they sign the recorder's token themselves, the same way."""
    hub = public_hub
    agency = await hub.agency()
    room = (await hub.call("POST", "/video/rooms", status=201, headers=agency.owner.headers,
                           json={"callType": "screening", "enableRecording": True}))["data"]
    async with hub.app[DB].acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM video_rooms WHERE id = $1", uuid.UUID(room["id"]))
    credentials = await recorder_credentials({"settings": settings}, hub.app[DB], settings, row)
    assert credentials.identity == str(recorder_identity(row["id"]))
    principal = await room_token_principal(hub.app, credentials.token)
    assert principal is not None and principal.room_id == row["id"]
    assert str(principal.room_role) == "observer"  # hidden, and the relay refuses its offers
    # The same seat again (a restarted job): still one participant record.
    await recorder_credentials({"settings": settings}, hub.app[DB], settings, row)
    listed = await hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=agency.owner.headers)
    assert [p["name"] for p in listed["data"]] == ["Recorder"] and listed["data"][0]["hidden"] is True


async def test_room_that_ended_before_the_recorder_joined_fails_the_recording(public_hub: Hub) -> None:
    hub = public_hub
    agency = await hub.agency()
    owner = agency.owner.headers
    room = (await hub.call("POST", "/video/rooms", status=201, headers=owner,
                           json={"callType": "screening", "enableRecording": True}))["data"]
    async with hub.app[DB].acquire() as conn, conn.transaction():  # started and ended before any worker ran
        await conn.execute("UPDATE video_rooms SET status = 'ended', ended_at = now() WHERE id = $1",
                           uuid.UUID(room["id"]))
        await begin_room_recording(conn, agency_id=uuid.UUID(agency.id), room_id=uuid.UUID(room["id"]),
                                   source="mesh", application_id=None, transcribe=True)
    async with asyncio.timeout(30):
        while True:
            listed = (await hub.call("GET", f"/video/recordings?roomId={room['id']}", headers=owner))["data"]
            if listed and listed[0]["status"] != "recording":
                break
            await asyncio.sleep(0.2)
    assert listed[0]["status"] == "failed" and "ended before the recorder joined" in listed[0]["failureReason"]

"""LiveKit provider: tokens, RoomService/Egress calls and webhooks.

No LiveKit server runs on test machines. Tokens and webhooks are checked with the livekit-api
SDK's own `TokenVerifier` / `AccessToken`; RoomService and Egress calls go to `LiveKitStandIn`, a
local aiohttp app that speaks LiveKit's Twirp protocol (protobuf bodies, JSON errors).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import AsyncIterator, Callable

import aiohttp
import jwt
import pytest
from aiohttp import web
from google.protobuf.json_format import MessageToJson
from google.protobuf.message import Message
from livekit import api

from media.livekit import (
    LiveKitProvider,
    ParticipantRole,
    ProviderError,
    ProviderParticipant,
    ProviderWebhookError,
)

KEY = "APIhubtest"
SECRET = "a-long-enough-livekit-secret-for-tests-0123456789"


# -- the Twirp stand-in --------------------------------------------------------------------------

# (service, method) -> (request message, default reply), as in LiveKit's room.proto / egress.proto
TWIRP_ROUTES: dict[tuple[str, str], tuple[type[Message], Callable[[Message], Message]]] = {
    ("RoomService", "CreateRoom"): (
        api.CreateRoomRequest,
        lambda r: api.Room(sid="RM_1", name=r.name, max_participants=r.max_participants, empty_timeout=r.empty_timeout),
    ),
    ("RoomService", "DeleteRoom"): (api.DeleteRoomRequest, lambda r: api.DeleteRoomResponse()),
    ("RoomService", "ListParticipants"): (api.ListParticipantsRequest, lambda r: api.ListParticipantsResponse()),
    ("RoomService", "RemoveParticipant"): (api.RoomParticipantIdentity, lambda r: api.RemoveParticipantResponse()),
    ("Egress", "StartRoomCompositeEgress"): (
        api.RoomCompositeEgressRequest,
        lambda r: api.EgressInfo(egress_id="EG_abc123", room_name=r.room_name, status=api.EgressStatus.EGRESS_STARTING),
    ),
    ("Egress", "StopEgress"): (
        api.StopEgressRequest,
        lambda r: api.EgressInfo(egress_id=r.egress_id, status=api.EgressStatus.EGRESS_ENDING),
    ),
}


@dataclass
class TwirpCall:
    """One request the provider made: route, decoded body and headers."""

    method: str
    body: Message
    headers: dict[str, str]

    def claims(self) -> api.access_token.Claims:
        """The Bearer token's claims, verified like LiveKit's server verifies them."""
        scheme, _, token = self.headers["Authorization"].partition(" ")
        assert scheme == "Bearer"
        return api.TokenVerifier(KEY, SECRET).verify(token)


@dataclass
class LiveKitStandIn:
    """A local aiohttp app answering LiveKit's Twirp routes and recording what it was sent."""

    calls: list[TwirpCall] = field(default_factory=list)
    replies: dict[str, Message] = field(default_factory=dict)  # method -> canned reply
    errors: dict[str, tuple[int, str, str]] = field(default_factory=dict)  # method -> (status, code, msg)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/twirp/livekit.{service}/{method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        service, method = request.match_info["service"], request.match_info["method"]
        if (service, method) not in TWIRP_ROUTES:
            return web.json_response({"code": "bad_route", "msg": f"no handler for {service}/{method}"}, status=404)
        if request.content_type != "application/protobuf":
            return web.json_response({"code": "malformed", "msg": "expected protobuf"}, status=400)
        request_type, default_reply = TWIRP_ROUTES[(service, method)]
        body = request_type.FromString(await request.read())
        self.calls.append(TwirpCall(method, body, dict(request.headers)))
        if method in self.errors:
            status, code, msg = self.errors[method]
            return web.json_response({"code": code, "msg": msg}, status=status)
        reply = self.replies.get(method) or default_reply(body)
        return web.Response(body=reply.SerializeToString(), content_type="application/protobuf")

    def only_call(self, method: str) -> TwirpCall:
        [call] = [c for c in self.calls if c.method == method]
        return call


@pytest.fixture
async def livekit(aiohttp_server) -> LiveKitStandIn:
    standin = LiveKitStandIn()
    server = await aiohttp_server(standin.app(), host="127.0.0.1")
    # LiveKit URLs are usually ws(s)://; the SDK turns them into http(s) for Twirp.
    standin.url = f"ws://127.0.0.1:{server.port}"
    return standin


@pytest.fixture
async def provider(livekit: LiveKitStandIn) -> AsyncIterator[LiveKitProvider]:
    prov = LiveKitProvider(livekit.url, KEY, SECRET)
    yield prov
    await prov.aclose()


def verify(token: str) -> api.access_token.Claims:
    return api.TokenVerifier(KEY, SECRET, leeway=timedelta(0)).verify(token)


def unverified_claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


# -- tokens (checked with the SDK's TokenVerifier) ------------------------------------------------

def test_host_token_is_room_admin_of_one_room() -> None:
    """Verified with livekit-api's TokenVerifier: identity, name, room and host grants."""
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    token = prov.issue_token(room="interview-42", identity="u-host", name="Rita Recruiter",
                             role=ParticipantRole.HOST, ttl=timedelta(minutes=10))
    claims = verify(token)
    assert (claims.identity, claims.name) == ("u-host", "Rita Recruiter")
    video = claims.video
    assert video.room == "interview-42"
    assert video.room_join and video.room_admin
    assert video.can_publish and video.can_subscribe and video.can_publish_data
    assert not video.hidden
    assert not (video.room_create or video.room_list or video.room_record)


def test_participant_token_publishes_without_admin() -> None:
    """Verified with livekit-api's TokenVerifier."""
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    token = prov.issue_token(room="interview-42", identity="u-cand", name="Cara Candidate",
                             role=ParticipantRole.PARTICIPANT, ttl=timedelta(minutes=10))
    video = verify(token).video
    assert video.room == "interview-42" and video.room_join
    assert video.can_publish and video.can_subscribe and video.can_publish_data
    assert not video.room_admin and not video.hidden


def test_observer_token_is_hidden_and_cannot_publish() -> None:
    """Verified with livekit-api's TokenVerifier."""
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    token = prov.issue_token(room="interview-42", identity="u-obs", name="Olga Observer",
                             role=ParticipantRole.OBSERVER, ttl=timedelta(minutes=10))
    video = verify(token).video
    assert video.room == "interview-42" and video.room_join and video.can_subscribe
    assert video.can_publish is False and video.can_publish_data is False
    assert video.hidden is True
    assert not video.room_admin


def test_token_carries_metadata() -> None:
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    token = prov.issue_token(room="r", identity="u", name="U", role="participant",
                             ttl=timedelta(minutes=1), metadata='{"applicationId": "a-1"}')
    assert verify(token).metadata == '{"applicationId": "a-1"}'


def test_token_lifetime_is_the_requested_ttl() -> None:
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    token = prov.issue_token(room="r", identity="u", name="U", role=ParticipantRole.HOST, ttl=timedelta(minutes=15))
    verify(token)  # valid now
    claims = unverified_claims(token)
    assert claims["exp"] - claims["nbf"] == 15 * 60
    assert abs(claims["exp"] - (datetime.now(UTC) + timedelta(minutes=15)).timestamp()) < 5


async def test_expired_token_is_rejected_by_the_verifier() -> None:
    """livekit-api's TokenVerifier (no leeway) refuses a token once its ttl has passed."""
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    token = prov.issue_token(room="r", identity="u", name="U", role=ParticipantRole.PARTICIPANT, ttl=timedelta(seconds=1))
    await asyncio.sleep(1.1)  # exp is whole seconds: at most 1 s from now
    with pytest.raises(jwt.ExpiredSignatureError):
        verify(token)


def test_token_from_another_secret_is_rejected() -> None:
    prov = LiveKitProvider("wss://lk.example.com", KEY, "some-other-secret-of-decent-length-000")
    token = prov.issue_token(room="r", identity="u", name="U", role=ParticipantRole.HOST, ttl=timedelta(minutes=1))
    with pytest.raises(jwt.InvalidSignatureError):
        verify(token)


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(seconds=-5), timedelta(days=2)])
def test_token_ttl_outside_bounds_is_refused(ttl: timedelta) -> None:
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    with pytest.raises(ValueError, match="ttl"):
        prov.issue_token(room="r", identity="u", name="U", role=ParticipantRole.HOST, ttl=ttl)


@pytest.mark.parametrize(
    ("url", "key", "secret", "named"),
    [("", KEY, SECRET, "LIVEKIT_URL"), ("wss://lk.example.com", "", SECRET, "LIVEKIT_API_KEY"),
     ("wss://lk.example.com", KEY, "", "LIVEKIT_API_SECRET"), ("lk.example.com", KEY, SECRET, "LIVEKIT_URL")],
)
def test_missing_or_malformed_setting_is_named(url: str, key: str, secret: str, named: str) -> None:
    with pytest.raises(ValueError, match=named):
        LiveKitProvider(url, key, secret)


def test_join_url_hands_the_client_websocket_url_and_token() -> None:
    prov = LiveKitProvider("https://lk.example.com", KEY, SECRET)
    assert prov.join_url("r", "tok.en-value") == "wss://lk.example.com?token=tok.en-value"


def test_join_url_uses_livekit_meet_when_configured() -> None:
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET, meet_url="https://meet.example.com/")
    assert prov.join_url("room 1", "abc") == (
        "https://meet.example.com/custom?liveKitUrl=wss%3A%2F%2Flk.example.com&token=abc&room=room%201"
    )


# -- RoomService (against the local Twirp stand-in) ------------------------------------------------

async def test_create_room_sends_limits_signed_for_room_create(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in; the Bearer token is checked with TokenVerifier."""
    await provider.create_room("interview-42", max_participants=4, empty_timeout=120)
    call = livekit.only_call("CreateRoom")
    assert (call.body.name, call.body.max_participants, call.body.empty_timeout) == ("interview-42", 4, 120)
    assert call.headers["Content-Type"] == "application/protobuf"
    assert call.claims().video.room_create is True


async def test_delete_room_names_the_room(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in."""
    await provider.delete_room("interview-42")
    call = livekit.only_call("DeleteRoom")
    assert call.body.room == "interview-42"
    assert call.claims().video.room_create is True


async def test_list_participants_maps_livekit_participants(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in returning realistic ParticipantInfo records."""
    livekit.replies["ListParticipants"] = api.ListParticipantsResponse(participants=[
        api.ParticipantInfo(sid="PA_1", identity="u-host", name="Rita", state=api.ParticipantInfo.State.ACTIVE,
                            joined_at=1_760_000_000, joined_at_ms=1_760_000_000_250, is_publisher=True,
                            permission=api.ParticipantPermission(can_publish=True, can_subscribe=True)),
        api.ParticipantInfo(sid="PA_2", identity="EG_abc123", kind=api.ParticipantInfo.Kind.EGRESS,
                            permission=api.ParticipantPermission(can_subscribe=True, hidden=True, recorder=True)),
    ])
    participants = await provider.list_participants("interview-42")
    assert participants == [
        ProviderParticipant("u-host", "Rita", datetime(2025, 10, 9, 8, 53, 20, 250000, tzinfo=UTC), True, False),
        ProviderParticipant("EG_abc123", "", None, False, True),
    ]
    call = livekit.only_call("ListParticipants")
    assert call.body.room == "interview-42"
    assert call.claims().video.room_admin and call.claims().video.room == "interview-42"


async def test_remove_participant_disconnects_one_identity(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in."""
    await provider.remove_participant("interview-42", "u-cand")
    call = livekit.only_call("RemoveParticipant")
    assert (call.body.room, call.body.identity) == ("interview-42", "u-cand")
    claims = call.claims()
    assert claims.video.room_admin and claims.video.room == "interview-42"


async def test_twirp_not_found_becomes_provider_error(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """The stand-in answers a Twirp 404 error, as LiveKit does for a participant not in the room."""
    livekit.errors["RemoveParticipant"] = (404, "not_found", "participant not found")
    with pytest.raises(ProviderError) as caught:
        await provider.remove_participant("interview-42", "ghost")
    assert caught.value.code == "not_found" and caught.value.status == 404
    assert str(caught.value) == "LiveKit RemoveParticipant failed: not_found: participant not found (HTTP 404)"


async def test_twirp_server_error_becomes_provider_error(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """A 5xx from a self-hosted LiveKit is not retried against other regions; it is reported."""
    livekit.errors["CreateRoom"] = (503, "unavailable", "no nodes available")
    with pytest.raises(ProviderError, match="unavailable: no nodes available") as caught:
        await provider.create_room("r", max_participants=2)
    assert caught.value.status == 503
    assert len(livekit.calls) == 1


async def test_unreachable_livekit_becomes_provider_error(unused_tcp_port: int) -> None:
    """Nothing listens on the port: a connection error, mapped to ProviderError."""
    prov = LiveKitProvider(f"http://127.0.0.1:{unused_tcp_port}", KEY, SECRET)
    try:
        with pytest.raises(ProviderError, match="DeleteRoom failed: server unreachable") as caught:
            await prov.delete_room("r")
        assert caught.value.code is None
    finally:
        await prov.aclose()


async def test_passed_session_is_used_and_left_open(livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in."""
    async with aiohttp.ClientSession() as session:
        prov = LiveKitProvider(livekit.url, KEY, SECRET, session=session)
        await prov.delete_room("r")
        await prov.aclose()
        assert not session.closed
    assert livekit.only_call("DeleteRoom").body.room == "r"


# -- Egress (against the local Twirp stand-in) ----------------------------------------------------

async def test_start_recording_asks_for_a_room_composite_mp4(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in; the token must carry room_record."""
    egress_id = await provider.start_recording("interview-42", filepath="recordings/{room_name}-{time}.mp4")
    assert egress_id == "EG_abc123"
    call = livekit.only_call("StartRoomCompositeEgress")
    assert call.body.room_name == "interview-42" and not call.body.audio_only
    [output] = call.body.file_outputs
    assert output.filepath == "recordings/{room_name}-{time}.mp4"
    assert output.file_type == api.EncodedFileType.MP4
    assert call.claims().video.room_record is True


async def test_audio_only_recording_writes_ogg(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in."""
    await provider.start_recording("interview-42", filepath="audio/interview-42.ogg", audio_only=True)
    call = livekit.only_call("StartRoomCompositeEgress")
    assert call.body.audio_only
    assert call.body.file_outputs[0].file_type == api.EncodedFileType.OGG


async def test_stop_recording_names_the_egress(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """Against the local aiohttp Twirp stand-in."""
    await provider.stop_recording("EG_abc123")
    call = livekit.only_call("StopEgress")
    assert call.body.egress_id == "EG_abc123"
    assert call.claims().video.room_record is True


async def test_egress_refusal_becomes_provider_error(provider: LiveKitProvider, livekit: LiveKitStandIn) -> None:
    """The stand-in answers as LiveKit does when no egress service is connected."""
    livekit.errors["StartRoomCompositeEgress"] = (412, "failed_precondition", "egress not connected (redis required)")
    with pytest.raises(ProviderError, match="egress not connected") as caught:
        await provider.start_recording("interview-42", filepath="x.mp4")
    assert caught.value.code == "failed_precondition"


# -- webhooks (signed the way LiveKit's server signs them) ----------------------------------------

def livekit_signature(body: str, *, key: str = KEY, secret: str = SECRET) -> str:
    """LiveKit's webhook Authorization value: a JWT whose `sha256` claim is base64(sha256(body))."""
    digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
    return api.AccessToken(key, secret).with_sha256(digest).with_ttl(timedelta(minutes=5)).to_jwt()


def webhook_body(**fields) -> str:
    return MessageToJson(api.WebhookEvent(id="EV_1", created_at=1_760_000_000, **fields))


def receive(body: str, authorization: str | None = None):
    prov = LiveKitProvider("wss://lk.example.com", KEY, SECRET)
    return prov.verify_webhook(body, livekit_signature(body) if authorization is None else authorization)


def test_participant_joined_webhook_is_mapped() -> None:
    body = webhook_body(event="participant_joined", room=api.Room(sid="RM_1", name="interview-42"),
                        participant=api.ParticipantInfo(sid="PA_1", identity="u-cand", name="Cara"))
    event = receive(body)
    assert event is not None
    assert (event.type, event.room_name, event.participant_identity) == ("video.participant.joined", "interview-42", "u-cand")
    assert (event.raw_event, event.event_id, event.egress) == ("participant_joined", "EV_1", None)
    assert event.created_at == datetime.fromtimestamp(1_760_000_000, UTC)


def test_participant_left_webhook_is_mapped() -> None:
    body = webhook_body(event="participant_left", room=api.Room(name="interview-42"),
                        participant=api.ParticipantInfo(identity="u-cand"))
    event = receive(body)
    assert event is not None and (event.type, event.participant_identity) == ("video.participant.left", "u-cand")


@pytest.mark.parametrize(("livekit_event", "ours"), [("room_started", "video.room.started"), ("room_finished", "video.room.ended")])
def test_room_lifecycle_webhooks_are_mapped(livekit_event: str, ours: str) -> None:
    event = receive(webhook_body(event=livekit_event, room=api.Room(sid="RM_1", name="interview-42")))
    assert event is not None
    assert (event.type, event.room_name, event.participant_identity) == (ours, "interview-42", None)


def test_egress_ended_webhook_reports_the_recording_file() -> None:
    info = api.EgressInfo(
        egress_id="EG_abc123", room_name="interview-42", status=api.EgressStatus.EGRESS_COMPLETE,
        file_results=[api.FileInfo(filename="recordings/interview-42.mp4", location="s3://bucket/recordings/interview-42.mp4",
                                   duration=61_500_000_000, size=7_340_032)],
    )
    event = receive(webhook_body(event="egress_ended", egress_info=info))
    assert event is not None and (event.type, event.room_name) == ("video.recording.ready", "interview-42")
    assert event.egress is not None
    assert {k: v for k, v in event.egress.items() if k != "files"} == {
        "egress_id": "EG_abc123", "status": "EGRESS_COMPLETE", "error": None,
        "filename": "recordings/interview-42.mp4", "location": "s3://bucket/recordings/interview-42.mp4",
        "duration_seconds": 61.5, "size_bytes": 7_340_032,
    }
    assert len(event.egress["files"]) == 1


def test_failed_egress_webhook_is_a_failed_recording() -> None:
    info = api.EgressInfo(egress_id="EG_x", room_name="interview-42", status=api.EgressStatus.EGRESS_FAILED,
                          error="could not upload file")
    event = receive(webhook_body(event="egress_ended", egress_info=info))
    assert event is not None and event.type == "video.recording.failed"
    assert event.egress is not None and event.egress["error"] == "could not upload file"
    assert event.egress["files"] == []


def test_unused_webhook_event_maps_to_none() -> None:
    assert receive(webhook_body(event="track_published", room=api.Room(name="interview-42"))) is None


def test_bearer_prefixed_authorization_is_accepted() -> None:
    body = webhook_body(event="room_started", room=api.Room(name="r"))
    event = receive(body, "Bearer " + livekit_signature(body))
    assert event is not None and event.type == "video.room.started"


def test_tampered_webhook_body_is_rejected() -> None:
    body = webhook_body(event="participant_left", room=api.Room(name="interview-42"),
                        participant=api.ParticipantInfo(identity="u-cand"))
    signature = livekit_signature(body)
    with pytest.raises(ProviderWebhookError, match="hash mismatch"):
        receive(body.replace("u-cand", "u-host"), signature)


@pytest.mark.parametrize(("key", "secret"), [(KEY, "an-attackers-secret-of-plausible-length-00"), ("APIother", SECRET)])
def test_webhook_signed_with_another_key_is_rejected(key: str, secret: str) -> None:
    body = webhook_body(event="room_finished", room=api.Room(name="interview-42"))
    with pytest.raises(ProviderWebhookError):
        receive(body, livekit_signature(body, key=key, secret=secret))


@pytest.mark.parametrize("authorization", ["", "Bearer ", "not-a-jwt"])
def test_webhook_without_a_valid_token_is_rejected(authorization: str) -> None:
    body = webhook_body(event="room_started", room=api.Room(name="r"))
    with pytest.raises(ProviderWebhookError):
        receive(body, authorization)


def test_webhook_token_without_body_hash_is_rejected() -> None:
    body = webhook_body(event="room_started", room=api.Room(name="r"))
    token = api.AccessToken(KEY, SECRET).with_ttl(timedelta(minutes=5)).to_jwt()
    with pytest.raises(ProviderWebhookError, match="sha256"):
        receive(body, token)


def test_signed_but_malformed_body_is_rejected() -> None:
    body = '{"event": "room_started", "room": 42}'
    with pytest.raises(ProviderWebhookError):
        receive(body)

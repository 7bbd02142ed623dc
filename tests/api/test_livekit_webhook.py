"""POST /api/v1/video/livekit/webhook with bodies signed the way LiveKit's server signs them."""

from __future__ import annotations

import uuid
from typing import Any

from livekit import api

from hubtest import Hub
from hub.keys import DB
from video_support import (  # noqa: F401 (livekit, livekit_hub are fixtures)
    application_for,
    create_room,
    join,
    livekit,
    livekit_hub,
    livekit_signature,
    outbox,
    livekit_event,
)

WEBHOOK = "/video/livekit/webhook"


async def deliver(hub: Hub, body: str, *, signature: str | None = None, status: int = 200) -> Any:
    headers = {"Authorization": livekit_signature(body) if signature is None else signature,
               "Content-Type": "application/webhook+json"}
    return await hub.call("POST", WEBHOOK, status=status, headers=headers, data=body.encode())


def participant_event(event: str, room_id: str, identity: str, event_id: str = "EV_1") -> str:
    return livekit_event(event_id, event=event, room=api.Room(name=room_id),
                         participant=api.ParticipantInfo(identity=identity, name="Cora"))


async def room_status(hub: Hub, room_id: str) -> str:
    async with hub.app[DB].acquire() as conn:
        return await conn.fetchval("SELECT status FROM video_rooms WHERE id = $1", uuid.UUID(room_id))


async def test_participant_joined_webhook_reaches_the_outbox(livekit_hub: Hub) -> None:
    agency = await livekit_hub.agency()
    candidate = await livekit_hub.candidate()
    room = await create_room(livekit_hub, agency.owner, applicationId=await application_for(livekit_hub, agency.id, candidate))
    await join(livekit_hub, candidate, room["id"])
    reply = await deliver(livekit_hub, participant_event("participant_joined", room["id"], candidate.id))
    assert reply["data"] == {"applied": True}
    [event] = await outbox(livekit_hub, "video.participant.joined")
    assert (event["roomId"], event["participantId"], event["userId"]) == (room["id"], candidate.id, candidate.id)
    assert event["role"] == "participant"
    listed = await livekit_hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=agency.owner.headers)
    assert listed["data"][0]["status"] == "joined"

    await deliver(livekit_hub, participant_event("participant_left", room["id"], candidate.id, "EV_2"))
    [left] = await outbox(livekit_hub, "video.participant.left")
    assert (left["participantId"], left["reason"]) == (candidate.id, "left")


async def test_room_started_and_finished_webhooks_move_the_room(livekit_hub: Hub) -> None:
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    await deliver(livekit_hub, livekit_event("EV_s", event="room_started", room=api.Room(name=room["id"])))
    assert await room_status(livekit_hub, room["id"]) == "active"
    [started] = await outbox(livekit_hub, "video.room.started")
    assert started["roomId"] == room["id"] and started["provider"] == "livekit" and started["startedAt"].endswith("Z")
    await deliver(livekit_hub, livekit_event("EV_f", event="room_finished", room=api.Room(name=room["id"])))
    assert await room_status(livekit_hub, room["id"]) == "ended"
    assert [e["roomId"] for e in await outbox(livekit_hub, "video.room.ended")] == [room["id"]]


async def test_tampered_webhook_is_rejected_and_changes_nothing(livekit_hub: Hub) -> None:
    agency = await livekit_hub.agency()
    candidate = await livekit_hub.candidate()
    room = await create_room(livekit_hub, agency.owner, applicationId=await application_for(livekit_hub, agency.id, candidate))
    await join(livekit_hub, candidate, room["id"])
    body = participant_event("participant_joined", room["id"], candidate.id)
    signature = livekit_signature(body)
    reply = await deliver(livekit_hub, body.replace("Cora", "Mallory"), signature=signature, status=401)
    assert reply["error"]["code"] == "INVALID_SIGNATURE"
    forged = livekit_signature(body, secret="an-attackers-secret-of-plausible-length-00")
    await deliver(livekit_hub, body, signature=forged, status=401)
    await deliver(livekit_hub, body, signature="", status=401)
    assert await outbox(livekit_hub, "video.participant.joined") == []


async def test_redelivered_webhook_is_applied_once(livekit_hub: Hub) -> None:
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    body = livekit_event("EV_again", event="room_started", room=api.Room(name=room["id"]))
    assert (await deliver(livekit_hub, body))["data"]["applied"] is True
    assert (await deliver(livekit_hub, body))["data"]["applied"] is False
    assert len(await outbox(livekit_hub, "video.room.started")) == 1


async def test_webhook_for_an_unknown_room_is_acknowledged_and_ignored(livekit_hub: Hub) -> None:
    reply = await deliver(livekit_hub, livekit_event("EV_x", event="room_started", room=api.Room(name="not-ours")))
    assert reply["data"] == {"applied": False}


async def test_egress_participant_is_not_a_participant_of_ours(livekit_hub: Hub) -> None:
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    reply = await deliver(livekit_hub, participant_event("participant_joined", room["id"], "EG_abc123"))
    assert reply["data"] == {"applied": False}


async def test_webhook_endpoint_is_absent_without_livekit(hub: Hub) -> None:
    body = livekit_event("EV_r", event="room_started", room=api.Room(name="r"))
    await deliver(hub, body, status=404)


async def test_egress_ended_webhook_makes_the_recording_ready(livekit_hub: Hub) -> None:
    """room_started begins the room's recording (enableRecording); egress_ended hands the file to
    the recordings service, which announces video.recording.ready."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner, enableRecording=True)
    await deliver(livekit_hub, livekit_event("EV_s", event="room_started", room=api.Room(name=room["id"])))
    info = api.EgressInfo(
        egress_id="EG_done", room_name=room["id"], status=api.EgressStatus.EGRESS_COMPLETE,
        file_results=[api.FileInfo(filename="recordings/interview.mp4", location="s3://bucket/recordings/interview.mp4",
                                   duration=61_500_000_000, size=7_340_032)],
    )
    reply = await deliver(livekit_hub, livekit_event("EV_e", event="egress_ended", egress_info=info))
    assert reply["data"] == {"applied": True}
    async with livekit_hub.app[DB].acquire() as conn:
        recording = await conn.fetchrow("SELECT * FROM recordings WHERE room_id = $1", uuid.UUID(room["id"]))
    assert (recording["status"], recording["egress_id"], recording["location"]) == (
        "ready", "EG_done", "s3://bucket/recordings/interview.mp4")
    [ready] = await outbox(livekit_hub, "video.recording.ready")
    assert ready["roomId"] == room["id"]

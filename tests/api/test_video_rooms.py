"""Video rooms: create, list, read, change and end; tenancy; LiveKit RoomService and Egress calls."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from livekit import api

from hubtest import Hub
from hub.db import transaction
from hub.keys import DB
from hub.services import recordings
from video_support import application_for, create_room, livekit, livekit_hub, outbox  # noqa: F401 (fixtures)


def _future(hours: float = 1) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


async def test_staff_creates_a_mesh_room_by_default(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner, callType="technical", title="Backend round")
    assert room["provider"] == "mesh" and room["status"] == "scheduled"
    assert (room["callType"], room["title"], room["agencyId"]) == ("technical", "Backend round", agency.id)
    assert room["maxParticipants"] == 6  # the mesh cap
    assert room["createdBy"] == agency.owner.id


async def test_room_links_to_an_application_of_the_agency(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    application_id = await application_for(hub, agency.id, candidate)
    room = await create_room(hub, agency.owner, applicationId=application_id, scheduledFor=_future(), endsAt=_future(2))
    assert room["applicationId"] == application_id
    assert room["scheduledFor"].endswith("Z") and room["endsAt"] > room["scheduledFor"]


async def test_application_of_another_agency_is_not_found(hub: Hub) -> None:
    a, b = await hub.agency("A"), await hub.agency("B")
    foreign = await application_for(hub, b.id, await hub.candidate())
    body = await create_room(hub, a.owner, status=404, applicationId=foreign)
    assert body["error"]["details"]["field"] == "applicationId"


@pytest.mark.parametrize("field", ["interviewId", "threadId"])
async def test_unknown_linked_record_is_not_found(hub: Hub, field: str) -> None:
    agency = await hub.agency()
    body = await create_room(hub, agency.owner, status=404, **{field: str(uuid.uuid4())})
    assert body["error"]["code"] == "NOT_FOUND" and body["error"]["details"]["field"] == field


@pytest.mark.parametrize(
    "fields",
    [
        {"callType": "coffee"},
        {"maxParticipants": 1},
        {"maxParticipants": 101},
        {"maxParticipants": "six"},
        {"enableRecording": "yes"},
        {"title": "x" * 201},
        {"title": "null\x00byte"},
        {"scheduledFor": "2030-01-01T10:00:00"},  # no time zone
        {"scheduledFor": "next tuesday"},
        {"scheduledFor": "0001-01-01T00:00:00+05:00"},
        {"endsAt": "9999-12-31T23:00:00-05:00"},
        {"applicationId": "not-a-uuid"},
        {"surprise": True},
    ],
)
async def test_invalid_room_fields_are_rejected(hub: Hub, fields: dict[str, Any]) -> None:
    agency = await hub.agency()
    body = await create_room(hub, agency.owner, status=400, **fields)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_missing_call_type_is_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("POST", "/video/rooms", status=400, headers=agency.owner.headers, json={})
    assert body["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe"])
async def test_malformed_body_is_rejected(hub: Hub, raw: bytes) -> None:
    agency = await hub.agency()
    headers = {**agency.owner.headers, "Content-Type": "application/json"}
    body = await hub.call("POST", "/video/rooms", status=400, headers=headers, data=raw)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_end_before_start_is_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    body = await create_room(hub, agency.owner, status=400, scheduledFor=_future(2), endsAt=_future(1))
    assert body["error"]["details"]["field"] == "endsAt"


async def test_mesh_room_larger_than_the_cap_is_refused(hub: Hub) -> None:
    agency = await hub.agency()
    body = await create_room(hub, agency.owner, status=422, maxParticipants=7)
    assert body["error"]["code"] == "ROOM_TOO_LARGE" and body["error"]["details"]["max"] == 6


async def test_mesh_cap_is_configurable(make_hub: Any) -> None:
    hub = await make_hub(extra={"HUB_MESH_MAX_PARTICIPANTS": "3"})
    agency = await hub.agency()
    assert (await create_room(hub, agency.owner))["maxParticipants"] == 3
    await create_room(hub, agency.owner, status=422, maxParticipants=4)


@pytest.mark.parametrize("role", ["interviewer", "candidate"])
async def test_only_staff_create_rooms(hub: Hub, role: str) -> None:
    agency = await hub.agency()
    person = await hub.candidate() if role == "candidate" else await hub.member(agency, role)
    body = await create_room(hub, person, status=403)
    assert body["error"]["code"] == "STAFF_ONLY"


async def test_api_key_needs_the_video_write_scope(hub: Hub) -> None:
    agency = await hub.agency()
    reader = await hub.api_key(agency, scopes=["video:read"])
    body = await create_room(hub, {"X-API-Key": reader}, status=403)
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE"
    writer = await hub.api_key(agency, scopes=["video:read", "video:write"])
    assert (await create_room(hub, {"X-API-Key": writer}))["provider"] == "mesh"


async def test_list_filters_and_paginates(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    application_id = await application_for(hub, agency.id, candidate)
    for call_type in ("screening", "technical", "final"):
        await create_room(hub, agency.owner, callType=call_type)
    linked = await create_room(hub, agency.owner, callType="final", applicationId=application_id)
    headers = agency.owner.headers

    body = await hub.call("GET", "/video/rooms?perPage=2", status=200, headers=headers)
    assert len(body["data"]) == 2 and body["meta"] == {"page": 1, "perPage": 2, "total": 4, "totalPages": 2}
    body = await hub.call("GET", "/video/rooms?callType=final", status=200, headers=headers)
    assert {r["callType"] for r in body["data"]} == {"final"} and body["meta"]["total"] == 2
    body = await hub.call("GET", f"/video/rooms?application_id={application_id}", status=200, headers=headers)
    assert [r["id"] for r in body["data"]] == [linked["id"]]
    body = await hub.call("GET", "/video/rooms", status=200, headers=headers, params={"status": "ended"})
    assert body["data"] == []


async def test_list_time_window_uses_schedule(hub: Hub) -> None:
    agency = await hub.agency()
    later = await create_room(hub, agency.owner, scheduledFor=_future(48))
    await create_room(hub, agency.owner)  # ad hoc: its time is now
    params = {"from": _future(24), "to": _future(72)}
    body = await hub.call("GET", "/video/rooms", status=200, headers=agency.owner.headers, params=params)
    assert [r["id"] for r in body["data"]] == [later["id"]]


@pytest.mark.parametrize("query", ["status=open", "from=yesterday", "to=0001-01-01T00:00:00", "applicationId=7"])
async def test_bad_list_filter_is_rejected(hub: Hub, query: str) -> None:
    agency = await hub.agency()
    body = await hub.call("GET", f"/video/rooms?{query}", status=400, headers=agency.owner.headers)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_candidate_sees_only_rooms_of_their_applications(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    mine = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    other = await create_room(hub, agency.owner)
    body = await hub.call("GET", "/video/rooms", status=200, headers=candidate.headers)
    assert [r["id"] for r in body["data"]] == [mine["id"]]
    await hub.call("GET", f"/video/rooms/{mine['id']}", status=200, headers=candidate.headers)
    await hub.call("GET", f"/video/rooms/{other['id']}", status=404, headers=candidate.headers)


async def test_another_agencys_room_is_not_found(hub: Hub) -> None:
    a, b = await hub.agency("A"), await hub.agency("B")
    room = await create_room(hub, b.owner)
    key = await hub.api_key(a)
    for headers in (a.owner.headers, {"X-API-Key": key}):
        body = await hub.call("GET", f"/video/rooms/{room['id']}", status=404, headers=headers)
        assert body["error"]["code"] == "NOT_FOUND"
        await hub.call("PATCH", f"/video/rooms/{room['id']}", status=404, headers=headers, json={"title": "mine"})
        await hub.call("DELETE", f"/video/rooms/{room['id']}", status=404, headers=headers)
    listed = await hub.call("GET", "/video/rooms", status=200, headers=a.owner.headers)
    assert listed["data"] == []


async def test_unknown_and_malformed_room_ids(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("GET", f"/video/rooms/{uuid.uuid4()}", status=404, headers=agency.owner.headers)
    body = await hub.call("GET", "/video/rooms/42", status=400, headers=agency.owner.headers)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_patch_changes_only_what_is_sent(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner, title="First", scheduledFor=_future())
    body = await hub.call(
        "PATCH", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers,
        json={"callType": "final", "scheduledFor": None, "maxParticipants": 4},
    )
    changed = body["data"]
    assert (changed["callType"], changed["scheduledFor"], changed["maxParticipants"]) == ("final", None, 4)
    assert changed["title"] == "First"


@pytest.mark.parametrize("patch", [{"callType": None}, {"enableRecording": None}, {"maxParticipants": 0}, {"threadId": 1}])
async def test_patch_rejects_invalid_changes(hub: Hub, patch: dict[str, Any]) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    await hub.call("PATCH", f"/video/rooms/{room['id']}", status=400, headers=agency.owner.headers, json=patch)


async def test_candidate_cannot_change_or_end_a_room(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    await hub.call("PATCH", f"/video/rooms/{room['id']}", status=403, headers=candidate.headers, json={"title": "x"})
    await hub.call("DELETE", f"/video/rooms/{room['id']}", status=403, headers=candidate.headers)


async def test_ending_a_room_emits_ended_and_is_repeatable(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    first = await hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers)
    assert first["data"]["status"] == "ended" and first["data"]["endedAt"]
    again = await hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers)
    assert again["data"]["endedAt"] == first["data"]["endedAt"]
    ended = await outbox(hub, "video.room.ended")
    assert [e["roomId"] for e in ended] == [room["id"]]
    body = await hub.call("PATCH", f"/video/rooms/{room['id']}", status=422, headers=agency.owner.headers, json={"title": "x"})
    assert body["error"]["code"] == "ROOM_ENDED"


# -- on LiveKit (the local stand-in) ------------------------------------------------------------


async def test_livekit_room_is_created_with_its_limit(livekit_hub: Hub, livekit: Any) -> None:
    """Against the local LiveKit stand-in: CreateRoom carries our room id and maxParticipants."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner, maxParticipants=12)
    assert room["provider"] == "livekit"
    call = livekit.only_call("CreateRoom")
    assert (call.body.name, call.body.max_participants) == (room["id"], 12)
    assert call.claims().video.room_create


async def test_ending_a_livekit_room_deletes_it(livekit_hub: Hub, livekit: Any) -> None:
    """Against the local LiveKit stand-in."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    await livekit_hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers)
    assert livekit.only_call("DeleteRoom").body.room == room["id"]


async def _recording_in_progress(hub: Hub, room: dict[str, Any], egress_id: str) -> None:
    """What the recordings pipeline leaves behind once its job has started LiveKit egress."""
    async with transaction(hub.app[DB]) as conn:
        room_row = await conn.fetchrow("SELECT * FROM video_rooms WHERE id = $1", uuid.UUID(room["id"]))
        recording = await recordings.begin_room_recording(
            conn, agency_id=room_row["agency_id"], room_id=room_row["id"], source="livekit", application_id=None,
            transcribe=False,
        )
        await recordings.record_egress_started(conn, recording["id"], egress_id)


async def test_ending_a_recorded_livekit_room_stops_egress_first(livekit_hub: Hub, livekit: Any) -> None:
    """Against the local LiveKit stand-in: StopEgress for the room's egress, then DeleteRoom."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner, enableRecording=True)
    await _recording_in_progress(livekit_hub, room, "EG_room1")
    await livekit_hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers)
    assert [c.method for c in livekit.calls] == ["CreateRoom", "StopEgress", "DeleteRoom"]
    stop = livekit.only_call("StopEgress")
    assert stop.body.egress_id == "EG_room1" and stop.claims().video.room_record


async def test_switching_recording_off_stops_egress(livekit_hub: Hub, livekit: Any) -> None:
    """Against the local LiveKit stand-in."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner, enableRecording=True)
    await _recording_in_progress(livekit_hub, room, "EG_room2")
    body = await livekit_hub.call(
        "PATCH", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers, json={"enableRecording": False}
    )
    assert body["data"]["enableRecording"] is False
    assert livekit.only_call("StopEgress").body.egress_id == "EG_room2"


async def test_livekit_failure_is_503_and_creates_nothing(livekit_hub: Hub, livekit: Any) -> None:
    """The stand-in answers CreateRoom with a Twirp 503."""
    livekit.errors["CreateRoom"] = (503, "unavailable", "no nodes available")
    agency = await livekit_hub.agency()
    body = await create_room(livekit_hub, agency.owner, status=503)
    assert body["error"]["code"] == "VIDEO_PROVIDER_UNAVAILABLE"
    assert "nodes" not in body["error"]["message"]
    listed = await livekit_hub.call("GET", "/video/rooms", status=200, headers=agency.owner.headers)
    assert listed["data"] == []


async def test_egress_of_a_livekit_room_uses_room_composite(livekit_hub: Hub, livekit: Any) -> None:
    """The provider the hub builds from LIVEKIT_* starts RoomComposite egress for a room (used by
    the recordings job)."""
    from hub.keys import VIDEO

    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    egress_id = await livekit_hub.app[VIDEO].provider.start_recording(room["id"])
    call = livekit.only_call("StartRoomCompositeEgress")
    assert egress_id == "EG_abc123" and call.body.room_name == room["id"]
    assert call.body.file_outputs[0].file_type == api.EncodedFileType.MP4

"""Join tokens and participants: who may ask for which role, what the token grants (LiveKit
tokens checked with livekit-api's own TokenVerifier), pre-authorization and removal."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from livekit import api

from hubtest import JWT_SECRET, Hub
from video_support import (  # noqa: F401 (livekit, livekit_hub are fixtures)
    LIVEKIT_KEY,
    LIVEKIT_SECRET,
    application_for,
    create_room,
    join,
    livekit,
    livekit_hub,
    outbox,
)


def verify_livekit(token: str) -> api.access_token.Claims:
    return api.TokenVerifier(LIVEKIT_KEY, LIVEKIT_SECRET, leeway=timedelta(0)).verify(token)


def mesh_claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, JWT_SECRET, algorithms=["HS256"], issuer="recruit-hub")


# -- mesh tokens ------------------------------------------------------------------------------


async def test_mesh_host_token_is_a_room_scoped_hub_jwt(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    ticket = await join(hub, agency.owner, room["id"], "host")
    assert (ticket["provider"], ticket["role"], ticket["identity"]) == ("mesh", "host", agency.owner.id)
    claims = mesh_claims(ticket["token"])
    assert (claims["typ"], claims["sub"], claims["room"], claims["role"]) == ("room", agency.owner.id, room["id"], "host")
    assert abs(claims["exp"] - (time.time() + 3600)) < 5  # default lifetime: one hour
    assert ticket["expiresAt"] == datetime.fromtimestamp(claims["exp"], UTC).isoformat().replace("+00:00", "Z")


async def test_room_token_is_not_an_access_token(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    ticket = await join(hub, agency.owner, room["id"], "host")
    await hub.call("GET", "/users/me", status=401, headers={"Authorization": f"Bearer {ticket['token']}"})


async def test_token_lifetime_is_configurable(make_hub: Any) -> None:
    hub = await make_hub(extra={"HUB_VIDEO_TOKEN_TTL": "120"})
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    claims = mesh_claims((await join(hub, agency.owner, room["id"], "host"))["token"])
    assert abs(claims["exp"] - (time.time() + 120)) < 5


async def test_token_never_outlives_the_room(hub: Hub) -> None:
    agency = await hub.agency()
    ends_at = datetime.now(UTC) + timedelta(minutes=5)
    room = await create_room(hub, agency.owner, endsAt=ends_at.isoformat())
    claims = mesh_claims((await join(hub, agency.owner, room["id"], "host"))["token"])
    assert claims["exp"] <= ends_at.timestamp() + 1


async def test_ended_room_gives_no_tokens(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    await hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers)
    body = await join(hub, agency.owner, room["id"], "host", status=422)
    assert body["error"]["code"] == "ROOM_ENDED"


# -- who may ask for which role ----------------------------------------------------------------


async def test_candidate_of_the_application_joins_as_participant(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    ticket = await join(hub, candidate, room["id"], "participant")
    assert ticket["identity"] == candidate.id and mesh_claims(ticket["token"])["role"] == "participant"


async def test_candidate_cannot_get_a_host_or_observer_token(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    for role in ("host", "observer"):
        body = await join(hub, candidate, room["id"], role, status=403)
        assert body["error"]["code"] == "ROLE_NOT_ALLOWED"


async def test_unrelated_candidate_does_not_see_the_room(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, await hub.candidate()))
    stranger = await hub.candidate()
    body = await join(hub, stranger, room["id"], "participant", status=404)
    assert body["error"]["code"] == "NOT_FOUND"


async def test_interviewer_needs_an_interview_or_authorization(hub: Hub) -> None:
    agency = await hub.agency()
    interviewer = await hub.member(agency, "interviewer")
    room = await create_room(hub, agency.owner)
    await join(hub, interviewer, room["id"], "participant", status=404)
    await hub.call("POST", f"/video/rooms/{room['id']}/participants", status=201, headers=agency.owner.headers,
                   json={"userId": interviewer.id, "role": "participant"})
    assert (await join(hub, interviewer, room["id"], "participant"))["role"] == "participant"
    body = await join(hub, interviewer, room["id"], "host", status=403)
    assert body["error"]["code"] == "ROLE_NOT_ALLOWED"


async def test_staff_of_another_agency_gets_404(hub: Hub) -> None:
    a, b = await hub.agency("A"), await hub.agency("B")
    room = await create_room(hub, b.owner)
    body = await join(hub, a.owner, room["id"], "host", status=404)
    assert body["error"]["code"] == "NOT_FOUND"


async def test_a_token_is_only_issued_to_the_person_asking(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    body = await join(hub, agency.owner, room["id"], "participant", status=403, userId=candidate.id)
    assert body["error"]["code"] == "NOT_YOUR_TOKEN"
    assert "token" not in str(body.get("data", ""))
    mine = await join(hub, agency.owner, room["id"], "host", userId=agency.owner.id)
    assert mine["identity"] == agency.owner.id


async def test_api_keys_cannot_take_join_tokens(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency)
    room = await create_room(hub, agency.owner)
    body = await hub.call("POST", f"/video/rooms/{room['id']}/join", status=403, headers={"X-API-Key": key},
                          json={"role": "host"})
    assert body["error"]["code"] == "NOT_A_PERSON"


async def test_join_body_is_validated(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    for body in ({"role": "admin"}, {}, {"role": "host", "userId": "me"}):
        reply = await hub.call("POST", f"/video/rooms/{room['id']}/join", status=400, headers=agency.owner.headers, json=body)
        assert reply["error"]["code"] == "VALIDATION_ERROR"


async def test_participant_lists_never_carry_tokens(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    ticket = await join(hub, candidate, room["id"])
    body = await hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=agency.owner.headers)
    assert ticket["token"] not in str(body) and "token" not in body["data"][0]
    assert body["data"][0]["status"] == "authorized" and body["data"][0]["connected"] is False


# -- pre-authorization --------------------------------------------------------------------------


async def test_preauthorized_candidate_may_join_in_that_role(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    await application_for(hub, agency.id, candidate)  # known to the agency, not linked to the room
    room = await create_room(hub, agency.owner)
    body = await hub.call("POST", f"/video/rooms/{room['id']}/participants", status=201, headers=agency.owner.headers,
                          json={"userId": candidate.id, "role": "participant"})
    assert (body["data"]["authorizedRole"], body["data"]["status"]) == ("participant", "authorized")
    assert (await join(hub, candidate, room["id"]))["role"] == "participant"


async def test_only_staff_may_be_authorized_as_hosts(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    await application_for(hub, agency.id, candidate)
    room = await create_room(hub, agency.owner)
    body = await hub.call("POST", f"/video/rooms/{room['id']}/participants", status=422, headers=agency.owner.headers,
                          json={"userId": candidate.id, "role": "host"})
    assert body["error"]["code"] == "HOST_MUST_BE_STAFF"


async def test_people_unknown_to_the_agency_cannot_be_authorized(hub: Hub) -> None:
    a, b = await hub.agency("A"), await hub.agency("B")
    room = await create_room(hub, a.owner)
    for user_id in (b.owner.id, (await hub.candidate()).id, str(uuid.uuid4())):
        await hub.call("POST", f"/video/rooms/{room['id']}/participants", status=404, headers=a.owner.headers,
                       json={"userId": user_id, "role": "participant"})


async def test_candidates_cannot_authorize_others(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    room = await create_room(hub, agency.owner, applicationId=await application_for(hub, agency.id, candidate))
    body = await hub.call("POST", f"/video/rooms/{room['id']}/participants", status=403, headers=candidate.headers,
                          json={"userId": candidate.id, "role": "host"})
    assert body["error"]["code"] == "STAFF_ONLY"


# -- LiveKit tokens, checked with livekit-api's TokenVerifier ---------------------------------------


async def test_livekit_host_token_from_the_join_endpoint(livekit_hub: Hub) -> None:
    """Verified with livekit-api's TokenVerifier: identity, name, room and the host's grants."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    ticket = await join(livekit_hub, agency.owner, room["id"], "host")
    assert ticket["provider"] == "livekit"
    claims = verify_livekit(ticket["token"])
    assert (claims.identity, claims.name) == (agency.owner.id, "Olive Owner")
    assert claims.video.room == room["id"] and claims.video.room_join and claims.video.room_admin
    assert claims.video.can_publish and claims.video.can_subscribe and not claims.video.hidden
    assert ticket["joinUrl"].startswith("ws://127.0.0.1:") and "token=" in ticket["joinUrl"]


async def test_livekit_participant_token_for_the_candidate(livekit_hub: Hub) -> None:
    """Verified with livekit-api's TokenVerifier."""
    agency = await livekit_hub.agency()
    candidate = await livekit_hub.candidate()
    room = await create_room(livekit_hub, agency.owner, applicationId=await application_for(livekit_hub, agency.id, candidate))
    claims = verify_livekit((await join(livekit_hub, candidate, room["id"], "participant"))["token"])
    assert claims.identity == candidate.id and claims.video.room == room["id"]
    assert claims.video.can_publish and claims.video.can_subscribe
    assert not claims.video.room_admin and not claims.video.hidden


async def test_livekit_observer_token_is_hidden_and_cannot_publish(livekit_hub: Hub) -> None:
    """Verified with livekit-api's TokenVerifier."""
    agency = await livekit_hub.agency()
    recruiter = await livekit_hub.member(agency, "recruiter")
    room = await create_room(livekit_hub, agency.owner)
    video = verify_livekit((await join(livekit_hub, recruiter, room["id"], "observer"))["token"]).video
    assert video.room == room["id"] and video.can_subscribe and video.hidden
    assert not video.can_publish and not video.can_publish_data and not video.room_admin


async def test_livekit_tokens_are_short_lived(livekit_hub: Hub) -> None:
    """Removal on LiveKit cannot revoke a token, so its lifetime is capped (10 minutes by default)."""
    agency = await livekit_hub.agency()
    room = await create_room(livekit_hub, agency.owner)
    claims = jwt.decode((await join(livekit_hub, agency.owner, room["id"], "host"))["token"], options={"verify_signature": False})
    assert abs(claims["exp"] - (time.time() + 600)) < 5


async def test_livekit_participants_merge_roomservice_state(livekit_hub: Hub, livekit: Any) -> None:
    """ListParticipants against the local stand-in marks who is connected; candidates never see observers."""
    agency = await livekit_hub.agency()
    candidate = await livekit_hub.candidate()
    observer = await livekit_hub.member(agency, "recruiter", name="Otto Observer")
    room = await create_room(livekit_hub, agency.owner, applicationId=await application_for(livekit_hub, agency.id, candidate))
    await join(livekit_hub, candidate, room["id"])
    await join(livekit_hub, observer, room["id"], "observer")
    livekit.replies["ListParticipants"] = api.ListParticipantsResponse(participants=[
        api.ParticipantInfo(identity=candidate.id, name="Cora Candidate", is_publisher=True),
    ])
    body = await livekit_hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=agency.owner.headers)
    connected = {p["identity"]: p["connected"] for p in body["data"]}
    assert connected == {candidate.id: True, observer.id: False}
    call = livekit.calls[-1]
    assert call.method == "ListParticipants" and call.body.room == room["id"]
    seen = await livekit_hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=candidate.headers)
    assert [p["identity"] for p in seen["data"]] == [candidate.id]


async def test_removing_a_livekit_participant(livekit_hub: Hub, livekit: Any) -> None:
    """RemoveParticipant against the local stand-in; the removed person gets no new token."""
    agency = await livekit_hub.agency()
    candidate = await livekit_hub.candidate()
    room = await create_room(livekit_hub, agency.owner, applicationId=await application_for(livekit_hub, agency.id, candidate))
    await join(livekit_hub, candidate, room["id"])
    body = await livekit_hub.call("DELETE", f"/video/rooms/{room['id']}/participants/{candidate.id}", status=200,
                                  headers=agency.owner.headers)
    assert body["data"]["status"] == "removed"
    call = livekit.only_call("RemoveParticipant")
    assert (call.body.room, call.body.identity) == (room["id"], candidate.id)
    refused = await join(livekit_hub, candidate, room["id"], status=403)
    assert refused["error"]["code"] == "REMOVED_FROM_ROOM"


async def test_removing_someone_unknown_is_404(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    await hub.call("DELETE", f"/video/rooms/{room['id']}/participants/{uuid.uuid4()}", status=404, headers=agency.owner.headers)
    await hub.call("DELETE", f"/video/rooms/{room['id']}/participants/nobody", status=400, headers=agency.owner.headers)

"""Presence over REST: heartbeats, expiry, and who may see whose presence."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from hubtest import Hub, seed_application


async def test_heartbeat_makes_the_caller_online_then_away(hub: Hub) -> None:
    person = await hub.candidate()
    body = await hub.call("POST", "/users/me/heartbeat", status=200, headers=person.headers, json={})
    assert body["data"]["userId"] == person.id and body["data"]["status"] == "online"
    assert body["data"]["lastActiveAt"].endswith("Z")
    away = await hub.call("POST", "/users/me/heartbeat", status=200, headers=person.headers, json={"status": "away"})
    assert away["data"]["status"] == "away"
    assert away["data"]["lastActiveAt"] == body["data"]["lastActiveAt"]  # away is not activity
    mine = await hub.call("GET", f"/users/{person.id}/presence", status=200, headers=person.headers)
    assert mine["data"]["status"] == "away"


async def test_someone_never_seen_is_offline_without_last_active(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    body = await hub.call("GET", f"/users/{recruiter.id}/presence", status=200, headers=agency.owner.headers)
    assert body["data"] == {"userId": recruiter.id, "status": "offline", "lastActiveAt": None}


async def test_rest_heartbeats_expire_without_renewal(make_hub: Any) -> None:
    hub = await make_hub(heartbeat_interval=0.4)
    person = await hub.candidate()
    await hub.call("POST", "/users/me/heartbeat", status=200, headers=person.headers, json={})
    await asyncio.sleep(1.0)  # more than two intervals
    body = await hub.call("GET", f"/users/{person.id}/presence", status=200, headers=person.headers)
    assert body["data"]["status"] == "offline" and body["data"]["lastActiveAt"] is not None


async def test_heartbeat_rejects_bad_input_and_api_keys(hub: Hub) -> None:
    agency = await hub.agency()
    for payload in ({"status": "busy"}, {"status": 1}, {"extra": True}):
        body = await hub.call("POST", "/users/me/heartbeat", status=400, headers=agency.owner.headers, json=payload)
        assert body["error"]["code"] == "VALIDATION_ERROR"
    key = await hub.api_key(agency)
    body = await hub.call("POST", "/users/me/heartbeat", status=403, headers={"X-API-Key": key}, json={})
    assert body["error"]["code"] == "FORBIDDEN"
    await hub.call("POST", "/users/me/heartbeat", status=401, json={})


async def test_staff_see_members_and_applicants_but_not_strangers(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    applicant = await hub.candidate()
    await seed_application(hub, agency, applicant)
    stranger = await hub.candidate()
    other = await hub.agency("Other")
    for visible in (recruiter, applicant):
        await hub.call("GET", f"/users/{visible.id}/presence", status=200, headers=agency.owner.headers)
    for hidden in (stranger.id, other.owner.id, str(uuid.uuid4())):
        body = await hub.call("GET", f"/users/{hidden}/presence", status=404, headers=agency.owner.headers)
        assert body["error"]["code"] == "NOT_FOUND"


async def test_candidates_see_only_people_they_share_a_thread_with(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    candidate = await hub.candidate()
    await seed_application(hub, agency, candidate)
    await hub.call("POST", "/chat/threads", status=201, headers=recruiter.headers, json={"participantIds": [candidate.id]})
    other_candidate = await hub.candidate()
    await seed_application(hub, agency, other_candidate)
    await hub.call("GET", f"/users/{recruiter.id}/presence", status=200, headers=candidate.headers)
    for hidden in (agency.owner, other_candidate):
        await hub.call("GET", f"/users/{hidden.id}/presence", status=404, headers=candidate.headers)


async def test_bulk_presence_leaves_out_those_the_caller_may_not_see(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    stranger = await hub.candidate()
    await hub.call("POST", "/users/me/heartbeat", status=200, headers=recruiter.headers, json={})
    ids = f"{recruiter.id},{stranger.id},{agency.owner.id}"
    body = await hub.call("GET", f"/presence/users?ids={ids}", status=200, headers=agency.owner.headers)
    assert [(p["userId"], p["status"]) for p in body["data"]] == [(recruiter.id, "online"), (agency.owner.id, "offline")]
    key = await hub.api_key(agency, scopes=["chat:read"])
    by_key = await hub.call("GET", f"/presence/users?ids={ids}", status=200, headers={"X-API-Key": key})
    assert [p["userId"] for p in by_key["data"]] == [recruiter.id, agency.owner.id]


async def test_bulk_presence_validates_ids(hub: Hub) -> None:
    agency = await hub.agency()
    too_many = ",".join(str(uuid.uuid4()) for _ in range(201))
    for query in ("", "?ids=", "?ids=nope", f"?ids={too_many}"):
        body = await hub.call("GET", f"/presence/users{query}", status=400, headers=agency.owner.headers)
        assert body["error"]["code"] == "VALIDATION_ERROR", query
    key = await hub.api_key(agency, scopes=["jobs:read"])
    body = await hub.call("GET", f"/presence/users?ids={agency.owner.id}", status=403, headers={"X-API-Key": key})
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE"

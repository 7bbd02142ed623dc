"""Placements: made from an accepted offer, one per application, their transitions and isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hubtest import Hub

from tests.api.recruitment_helpers import (
    Application,
    Team,
    activities_of,
    application_status,
    events_of,
    ids,
    make_application,
    make_team,
)


@pytest.fixture
async def team(hub: Hub) -> Team:
    return await make_team(hub, status="interviewed")


async def accepted_offer(hub: Hub, team: Team, application: Application | None = None) -> dict[str, Any]:
    """An offer for the application, sent by the recruiter and accepted by its candidate."""
    application = application or team.application
    offer = (await hub.call("POST", "/offers", status=201, headers=team.recruiter.headers, json={
        "applicationId": application.id, "salary": 70000, "currency": "EUR", "startDate": "2031-05-01"}))["data"]
    await hub.call("PATCH", f"/offers/{offer['id']}", status=200, headers=team.recruiter.headers,
                   json={"action": "send"})
    await hub.call("PATCH", f"/offers/{offer['id']}", status=200, headers=application.candidate.headers,
                   json={"action": "accept"})
    return offer


async def place(hub: Hub, team: Team, application: Application | None = None, **body: Any) -> dict[str, Any]:
    application = application or team.application
    made = await hub.call("POST", "/placements", status=201, headers=team.recruiter.headers,
                          json={"applicationId": application.id, **body})
    return made["data"]


async def test_create_from_accepted_offer_takes_its_terms(hub: Hub, team: Team) -> None:
    offer = await accepted_offer(hub, team)
    placement = await place(hub, team, fee=14000)
    assert placement["status"] == "active" and placement["offerId"] == offer["id"]
    assert placement["salary"] == 70000 and placement["startDate"] == "2031-05-01" and placement["fee"] == 14000
    assert placement["recruiterId"] == team.recruiter.id and placement["candidateId"] == team.candidate.id
    [event] = await events_of(hub, "placement.created")
    assert event["placementId"] == placement["id"] and event["recruiterId"] == team.recruiter.id
    assert [a["action_type"] for a in await activities_of(hub, placement["id"])] == ["placement.created"]
    assert await application_status(hub, team.application.id) == "hired"


async def test_placement_needs_an_accepted_offer(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/placements", status=422, headers=team.recruiter.headers,
                          json={"applicationId": team.application.id})
    assert body["error"]["code"] == "RULE_VIOLATED"


async def test_second_placement_for_an_application_is_conflict(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    first = await place(hub, team)
    body = await hub.call("POST", "/placements", status=409, headers=team.recruiter.headers,
                          json={"applicationId": team.application.id})
    assert body["error"]["details"]["placementId"] == first["id"]


async def test_recruiter_id_attribution(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    body = await hub.call("POST", "/placements", status=400, headers=team.recruiter.headers,
                          json={"applicationId": team.application.id, "recruiterId": str(uuid.uuid4())})
    assert body["error"]["message"] == "Invalid recruiter ID" and body["error"]["details"]["field"] == "recruiterId"
    other = await hub.agency("Other Agency")
    body = await hub.call("POST", "/placements", status=403, headers=team.recruiter.headers,
                          json={"applicationId": team.application.id, "recruiterId": other.owner.id})
    assert body["error"]["message"] == "Recruiter does not belong to your agency"
    key = {"X-API-Key": await hub.api_key(team.agency)}
    body = await hub.call("POST", "/placements", status=400, headers=key, json={"applicationId": team.application.id})
    assert body["error"]["details"]["field"] == "recruiterId"
    made = await hub.call("POST", "/placements", status=201, headers=key,
                          json={"applicationId": team.application.id, "recruiterId": team.agency.owner.id})
    assert made["data"]["recruiterId"] == team.agency.owner.id


async def test_create_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    for body in (
        {},
        {"applicationId": "x"},
        {"applicationId": team.application.id, "fee": "a lot"},
        {"applicationId": team.application.id, "fee": -5},
        {"applicationId": team.application.id, "startDate": "2031-13-01"},
        {"applicationId": team.application.id, "status": "completed"},
        {"applicationId": team.application.id, "startDate": "2031-05-01", "endDate": "2031-01-01"},
    ):
        reply = await hub.call("POST", "/placements", status=400, headers=team.recruiter.headers, json=body)
        assert reply["error"]["code"] == "VALIDATION_ERROR", body


async def test_complete_and_terminate_are_final(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    placement = await place(hub, team)
    path = f"/placements/{placement['id']}"
    done = await hub.call("PATCH", path, status=200, headers=team.recruiter.headers,
                          json={"status": "completed", "endDate": "2032-05-01"})
    assert done["data"]["status"] == "completed" and done["data"]["endDate"] == "2032-05-01"
    assert len(await events_of(hub, "placement.completed")) == 1
    body = await hub.call("PATCH", path, status=422, headers=team.recruiter.headers, json={"status": "terminated"})
    assert body["error"]["details"] == {"status": "completed", "to": "terminated"}
    await hub.call("PATCH", path, status=422, headers=team.recruiter.headers, json={"status": "completed"})


async def test_terminate_records_reason_and_end_date(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    placement = await place(hub, team, startDate="2020-01-01")
    ended = await hub.call("PATCH", f"/placements/{placement['id']}", status=200, headers=team.recruiter.headers,
                           json={"status": "terminated", "reason": "Role eliminated"})
    assert ended["data"]["status"] == "terminated" and ended["data"]["endDate"] is not None
    [event] = await events_of(hub, "placement.terminated")
    assert event["reason"] == "Role eliminated"
    actions = [a["action_type"] for a in await activities_of(hub, placement["id"])]
    assert actions == ["placement.created", "placement.terminated"]


async def test_details_can_be_corrected_with_attribution(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    placement = await place(hub, team)
    path = f"/placements/{placement['id']}"
    colleague = await hub.member(team.agency, "recruiter", name="Colin Colleague")
    fixed = await hub.call("PATCH", path, status=200, headers=team.recruiter.headers,
                           json={"fee": "15500.00", "recruiterId": colleague.id})
    assert fixed["data"]["fee"] == 15500 and fixed["data"]["recruiterId"] == colleague.id
    body = await hub.call("PATCH", path, status=403, headers=team.recruiter.headers,
                          json={"recruiterId": (await hub.agency("Elsewhere")).owner.id})
    assert body["error"]["message"] == "Recruiter does not belong to your agency"
    body = await hub.call("PATCH", path, status=400, headers=team.recruiter.headers,
                          json={"recruiterId": team.interviewer.id})
    assert body["error"]["message"] == "Invalid recruiter ID"


async def test_patch_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    placement = await place(hub, team)
    for patch in ({}, {"status": "active"}, {"status": "paused"}, {"reason": "no status"}, {"endDate": "soon"},
                  {"salary": True}, {"endDate": "2000-01-01"}):
        body = await hub.call("PATCH", f"/placements/{placement['id']}", status=400, headers=team.recruiter.headers,
                              json=patch)
        assert body["error"]["code"] == "VALIDATION_ERROR", patch


async def test_get_and_list_with_filters(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    first = await place(hub, team)
    other = await make_application(hub, team.agency, status="interviewed")
    await accepted_offer(hub, team, other)
    colleague = await hub.member(team.agency, "recruiter", name="Colin Colleague")
    second = await place(hub, team, other, recruiterId=colleague.id)
    await hub.call("PATCH", f"/placements/{second['id']}", status=200, headers=team.recruiter.headers,
                   json={"status": "completed"})
    h = team.recruiter.headers
    got = await hub.call("GET", f"/placements/{first['id']}", status=200, headers=h)
    assert got["data"] == first
    assert ids(await hub.call("GET", "/placements", status=200, headers=h)) == {first["id"], second["id"]}
    assert ids(await hub.call("GET", "/placements?status=active", status=200, headers=h)) == {first["id"]}
    assert ids(await hub.call("GET", "/placements?status=completed", status=200, headers=h)) == {second["id"]}
    assert ids(await hub.call("GET", f"/placements?applicationId={other.id}", status=200, headers=h)) == {second["id"]}
    by_recruiter = await hub.call("GET", f"/placements?recruiterId={colleague.id}", status=200, headers=h)
    assert ids(by_recruiter) == {second["id"]}
    paged = await hub.call("GET", "/placements?perPage=1", status=200, headers=h)
    assert paged["meta"]["total"] == 2 and paged["meta"]["totalPages"] == 2 and len(paged["data"]) == 1
    for query in ("status=ended", "recruiterId=me", "page=-1"):
        await hub.call("GET", f"/placements?{query}", status=400, headers=h)


async def test_candidates_and_interviewers_cannot_see_placements(hub: Hub, team: Team) -> None:
    await hub.call("GET", "/placements", status=403, headers=team.candidate.headers)
    await hub.call("GET", "/placements", status=403, headers=team.interviewer.headers)


async def test_another_agency_sees_404_on_every_placement_route(hub: Hub, team: Team) -> None:
    await accepted_offer(hub, team)
    placement = await place(hub, team)
    other = await hub.agency("Other Agency")
    key = {"X-API-Key": await hub.api_key(other)}
    for headers in (other.owner.headers, key):
        await hub.call("GET", f"/placements/{placement['id']}", status=404, headers=headers)
        await hub.call("PATCH", f"/placements/{placement['id']}", status=404, headers=headers,
                       json={"status": "terminated"})
        listed = await hub.call("GET", "/placements", status=200, headers=headers)
        assert listed["data"] == [] and listed["meta"]["total"] == 0
        await hub.call("POST", "/placements", status=404, headers=headers,
                       json={"applicationId": team.application.id, "recruiterId": other.owner.id})
    unchanged = await hub.call("GET", f"/placements/{placement['id']}", status=200, headers=team.recruiter.headers)
    assert unchanged["data"]["status"] == "active"

"""Onboarding tasks: assigning, reviewing, the candidate's own view, filters and isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hubtest import Hub

from tests.api.recruitment_helpers import Team, activities_of, events_of, ids, make_application, make_team


@pytest.fixture
async def team(hub: Hub) -> Team:
    return await make_team(hub, status="hired")


TASKS = [
    {"title": "Sign contract", "description": "Sign and upload the contract", "dueDate": "2031-04-01"},
    {"title": "Send bank details"},
    {"title": "Background check", "dueDate": "2031-03-15"},
]


async def assign(hub: Hub, team: Team, tasks: list[dict[str, Any]] | None = None,
                 application_id: str | None = None) -> list[dict[str, Any]]:
    body = await hub.call("POST", "/onboarding", status=201, headers=team.recruiter.headers,
                          json={"applicationId": application_id or team.application.id, "tasks": tasks or TASKS})
    return body["data"]


async def review(hub: Hub, team: Team, task_id: str, action: str, status: int = 200, **extra: Any) -> Any:
    return await hub.call("PUT", f"/onboarding/{task_id}", status=status, headers=team.recruiter.headers,
                          json={"action": action, **extra})


async def test_assign_creates_pending_tasks_in_order(hub: Hub, team: Team) -> None:
    tasks = await assign(hub, team)
    assert [t["title"] for t in tasks] == ["Sign contract", "Send bank details", "Background check"]
    assert {t["status"] for t in tasks} == {"pending"}
    assert tasks[0]["dueDate"] == "2031-04-01" and tasks[1]["dueDate"] is None
    assert tasks[0]["candidateId"] == team.candidate.id
    [event] = await events_of(hub, "onboarding.tasks.assigned")
    assert event["taskIds"] == [t["id"] for t in tasks]
    [activity] = await activities_of(hub, team.application.id)
    assert activity["action_type"] == "onboarding.tasks.assigned"


async def test_assign_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    for body in (
        {"applicationId": team.application.id, "tasks": []},
        {"applicationId": team.application.id, "tasks": [{"title": ""}]},
        {"applicationId": team.application.id, "tasks": [{"title": "x" * 201}]},
        {"applicationId": team.application.id, "tasks": [{"title": "ok", "dueDate": "tomorrow"}]},
        {"applicationId": team.application.id, "tasks": [{"title": "ok", "priority": "high"}]},
        {"applicationId": team.application.id, "tasks": [{"title": f"t{i}"} for i in range(51)]},
        {"applicationId": team.application.id, "tasks": "sign contract"},
        {"applicationId": "nope", "tasks": TASKS},
    ):
        reply = await hub.call("POST", "/onboarding", status=400, headers=team.recruiter.headers, json=body)
        assert reply["error"]["code"] == "VALIDATION_ERROR"


async def test_assign_to_closed_application_is_rule_violation(hub: Hub, team: Team) -> None:
    rejected = await make_application(hub, team.agency, status="rejected")
    await hub.call("POST", "/onboarding", status=422, headers=team.recruiter.headers,
                   json={"applicationId": rejected.id, "tasks": TASKS})


async def test_approve_and_reject_are_final(hub: Hub, team: Team) -> None:
    first, second, _ = await assign(hub, team)
    approved = (await review(hub, team, first["id"], "approve", note="Looks good"))["data"]
    assert approved["status"] == "approved" and approved["reviewNote"] == "Looks good"
    assert approved["reviewedBy"] == team.recruiter.id and approved["reviewedAt"] is not None
    rejected = (await review(hub, team, second["id"], "reject", note="Wrong IBAN"))["data"]
    assert rejected["status"] == "rejected"
    body = await review(hub, team, first["id"], "reject", status=422)
    assert body["error"]["details"] == {"status": "approved", "action": "reject"}
    await review(hub, team, second["id"], "approve", status=422)
    assert len(await events_of(hub, "onboarding.task.approved")) == 1
    [event] = await events_of(hub, "onboarding.task.rejected")
    assert event["note"] == "Wrong IBAN" and event["taskId"] == second["id"]
    assert [a["action_type"] for a in await activities_of(hub, first["id"])] == ["onboarding.task.approved"]


async def test_reviewed_by_attribution(hub: Hub, team: Team) -> None:
    [task] = await assign(hub, team, [{"title": "Sign contract"}])
    body = await review(hub, team, task["id"], "approve", status=400, reviewedBy=str(uuid.uuid4()))
    assert body["error"]["message"] == "Invalid recruiter ID" and body["error"]["details"]["field"] == "reviewedBy"
    other = await hub.agency("Other Agency")
    body = await review(hub, team, task["id"], "approve", status=403, reviewedBy=other.owner.id)
    assert body["error"]["message"] == "Recruiter does not belong to your agency"
    key = {"X-API-Key": await hub.api_key(team.agency)}
    body = await hub.call("PUT", f"/onboarding/{task['id']}", status=400, headers=key, json={"action": "approve"})
    assert body["error"]["details"]["field"] == "reviewedBy"
    done = await hub.call("PUT", f"/onboarding/{task['id']}", status=200, headers=key,
                          json={"action": "approve", "reviewedBy": team.agency.owner.id})
    assert done["data"]["reviewedBy"] == team.agency.owner.id


async def test_review_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    [task] = await assign(hub, team, [{"title": "Sign contract"}])
    path = f"/onboarding/{task['id']}"
    for body in ({}, {"action": "maybe"}, {"action": "approve", "note": "x" * 2001},
                 {"action": "approve", "reviewedBy": 5}):
        reply = await hub.call("PUT", path, status=400, headers=team.recruiter.headers, json=body)
        assert reply["error"]["code"] == "VALIDATION_ERROR", body
    await hub.call("PUT", "/onboarding/not-a-uuid", status=400, headers=team.recruiter.headers,
                   json={"action": "approve"})
    await hub.call("PUT", f"/onboarding/{uuid.uuid4()}", status=404, headers=team.recruiter.headers,
                   json={"action": "approve"})


async def test_candidate_sees_only_own_tasks_and_cannot_review(hub: Hub, team: Team) -> None:
    mine = await assign(hub, team)
    someone_else = await make_application(hub, team.agency, status="hired")
    await assign(hub, team, [{"title": "Other person's task"}], application_id=someone_else.id)
    listed = await hub.call("GET", "/onboarding", status=200, headers=team.candidate.headers)
    assert ids(listed) == {t["id"] for t in mine}
    got = await hub.call("GET", f"/onboarding/{mine[0]['id']}", status=200, headers=team.candidate.headers)
    assert got["data"]["title"] == "Sign contract"
    await hub.call("PUT", f"/onboarding/{mine[0]['id']}", status=403, headers=team.candidate.headers,
                   json={"action": "approve"})
    await hub.call("POST", "/onboarding", status=403, headers=team.candidate.headers,
                   json={"applicationId": team.application.id, "tasks": TASKS})
    stranger = await hub.candidate("Stan Stranger")
    await hub.call("GET", f"/onboarding/{mine[0]['id']}", status=404, headers=stranger.headers)
    assert (await hub.call("GET", "/onboarding", status=200, headers=stranger.headers))["data"] == []


async def test_list_filters_and_pagination(hub: Hub, team: Team) -> None:
    tasks = await assign(hub, team)
    other = await make_application(hub, team.agency, status="hired")
    [other_task] = await assign(hub, team, [{"title": "Laptop"}], application_id=other.id)
    await review(hub, team, tasks[0]["id"], "approve")
    h = team.recruiter.headers
    everything = await hub.call("GET", "/onboarding", status=200, headers=h)
    assert everything["meta"]["total"] == 4
    by_application = await hub.call("GET", f"/onboarding?applicationId={other.id}", status=200, headers=h)
    assert ids(by_application) == {other_task["id"]}
    assert ids(await hub.call("GET", "/onboarding?status=approved", status=200, headers=h)) == {tasks[0]["id"]}
    pending = await hub.call("GET", f"/onboarding?status=pending&applicationId={team.application.id}", status=200,
                             headers=h)
    # by due date, undated last
    assert [t["id"] for t in pending["data"]] == [tasks[2]["id"], tasks[1]["id"]]
    paged = await hub.call("GET", "/onboarding?perPage=3&page=2", status=200, headers=h)
    assert paged["meta"] == {"page": 2, "perPage": 3, "total": 4, "totalPages": 2} and len(paged["data"]) == 1
    for query in ("status=done", "applicationId=7", "perPage=101"):
        await hub.call("GET", f"/onboarding?{query}", status=400, headers=h)


async def test_interviewer_has_no_access_to_onboarding(hub: Hub, team: Team) -> None:
    await hub.call("GET", "/onboarding", status=403, headers=team.interviewer.headers)


async def test_another_agency_sees_404_on_every_onboarding_route(hub: Hub, team: Team) -> None:
    [task] = await assign(hub, team, [{"title": "Sign contract"}])
    other = await hub.agency("Other Agency")
    key = {"X-API-Key": await hub.api_key(other)}
    for headers in (other.owner.headers, key):
        await hub.call("GET", f"/onboarding/{task['id']}", status=404, headers=headers)
        await hub.call("PUT", f"/onboarding/{task['id']}", status=404, headers=headers,
                       json={"action": "approve", "reviewedBy": other.owner.id})
        listed = await hub.call("GET", "/onboarding", status=200, headers=headers)
        assert listed["data"] == [] and listed["meta"]["total"] == 0
        await hub.call("POST", "/onboarding", status=404, headers=headers,
                       json={"applicationId": team.application.id, "tasks": TASKS})
    unchanged = await hub.call("GET", f"/onboarding/{task['id']}", status=200, headers=team.recruiter.headers)
    assert unchanged["data"]["status"] == "pending"

"""Jobs: create (two routes), read, update, approve, the status life cycle, bulk, filters,
attribution, and the candidates' job board."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from hubtest import Agency, Hub
from recruiting import UNKNOWN_ID, activities_of, create_job, ids, open_job, sql


async def _client_id(hub: Hub, agency: Agency, name: str = "Globex") -> str:
    body = await hub.call("POST", "/clients", status=201, headers=agency.owner.headers, json={"name": name})
    return body["data"]["id"]


async def test_create_job_defaults_to_a_draft_posted_by_the_caller(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    job = await create_job(
        hub,
        recruiter.headers,
        title="Data Engineer",
        skills=["Python", " SQL ", "python"],
        salaryMin=50000,
        salaryMax=70000.5,
        currency="eur",
        employmentType="full_time",
    )
    assert job["status"] == "draft" and job["postedBy"] == recruiter.id and job["approvedBy"] is None
    assert job["skills"] == ["python", "sql"] and job["currency"] == "EUR"
    assert job["salaryMin"] == 50000 and job["salaryMax"] == 70000.5
    (entry,) = await activities_of(hub, agency, "job.created")
    assert str(entry["performed_by_id"]) == recruiter.id


async def test_post_jobs_is_the_same_as_jobs_create(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call(
        "POST", "/jobs", status=201, headers=agency.owner.headers, json={"title": "QA", "status": "pending_approval"}
    )
    assert body["data"]["status"] == "pending_approval" and body["data"]["postedBy"] == agency.owner.id


async def test_read_and_update_a_job(hub: Hub) -> None:
    agency = await hub.agency()
    job = await create_job(hub, agency.owner.headers)
    client_id = await _client_id(hub, agency)
    body = await hub.call(
        "PATCH",
        f"/jobs/{job['id']}",
        status=200,
        headers=agency.owner.headers,
        json={"description": "Build pipelines", "clientId": client_id, "location": "Remote"},
    )
    assert body["data"]["clientId"] == client_id and body["data"]["clientName"] == "Globex"
    read = await hub.call("GET", f"/jobs/{job['id']}", status=200, headers=agency.owner.headers)
    assert read["data"]["description"] == "Build pipelines" and read["data"]["location"] == "Remote"
    (entry,) = await activities_of(hub, agency, "job.updated")
    assert "description" in entry["metadata"]["fields"]


async def test_approve_opens_the_job_with_attribution(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    job = await create_job(hub, agency.owner.headers)
    body = await hub.call(
        "POST", f"/jobs/{job['id']}/approve", status=200, headers=agency.owner.headers, json={"approvedBy": recruiter.id}
    )
    assert body["data"]["status"] == "open" and body["data"]["approvedBy"] == recruiter.id and body["data"]["approvedAt"]
    (entry,) = await activities_of(hub, agency, "job.approved")
    assert entry["metadata"] == {"approvedBy": recruiter.id}


async def test_approving_an_open_job_violates_the_rules(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency)
    body = await hub.call("POST", f"/jobs/{job['id']}/approve", status=422, headers=agency.owner.headers, json={})
    assert body["error"]["details"] == {"from": "open", "to": "open"}


async def test_draft_cannot_be_opened_by_patch(hub: Hub) -> None:
    agency = await hub.agency()
    job = await create_job(hub, agency.owner.headers)
    body = await hub.call("PATCH", f"/jobs/{job['id']}", status=422, headers=agency.owner.headers, json={"status": "open"})
    assert body["error"]["code"] == "RULE_VIOLATED"
    assert body["error"]["details"]["from"] == "draft" and body["error"]["details"]["to"] == "open"


async def test_open_job_pauses_reopens_and_closes_for_good(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency)
    for status in ("paused", "open", "closed"):
        body = await hub.call("PATCH", f"/jobs/{job['id']}", status=200, headers=agency.owner.headers, json={"status": status})
        assert body["data"]["status"] == status
    await hub.call("PATCH", f"/jobs/{job['id']}", status=422, headers=agency.owner.headers, json={"status": "open"})


async def test_bulk_update_changes_every_job(hub: Hub) -> None:
    agency = await hub.agency()
    jobs = [await open_job(hub, agency) for _ in range(2)]
    body = await hub.call(
        "PATCH",
        "/jobs/bulk",
        status=200,
        headers=agency.owner.headers,
        json={"ids": [j["id"] for j in jobs], "changes": {"status": "paused"}},
    )
    assert {j["status"] for j in body["data"]} == {"paused"}
    assert len(await activities_of(hub, agency, "job.updated")) == 2


async def test_bulk_update_is_all_or_nothing_and_names_each_failure(hub: Hub) -> None:
    agency = await hub.agency()
    good = await open_job(hub, agency)
    draft = await create_job(hub, agency.owner.headers)
    body = await hub.call(
        "PATCH",
        "/jobs/bulk",
        status=422,
        headers=agency.owner.headers,
        json={"ids": [good["id"], draft["id"], UNKNOWN_ID], "changes": {"status": "paused"}},
    )
    errors = {e["id"]: e["code"] for e in body["error"]["details"]["errors"]}
    assert errors == {draft["id"]: "RULE_VIOLATED", UNKNOWN_ID: "NOT_FOUND"}
    still = await hub.call("GET", f"/jobs/{good['id']}", status=200, headers=agency.owner.headers)
    assert still["data"]["status"] == "open"


async def test_bulk_update_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        {"ids": [], "changes": {"status": "paused"}},
        {"ids": [UNKNOWN_ID], "changes": {}},
        {"ids": [str(uuid.uuid4()) for _ in range(101)], "changes": {"status": "paused"}},
        {"ids": ["x"], "changes": {"status": "paused"}},
        {"ids": [UNKNOWN_ID], "changes": {"status": "gone"}},
    ):
        body = await hub.call("PATCH", "/jobs/bulk", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_list_filters_by_status(hub: Hub) -> None:
    agency = await hub.agency()
    live = await open_job(hub, agency)
    draft = await create_job(hub, agency.owner.headers)
    assert ids((await hub.call("GET", "/jobs?status=open", status=200, headers=agency.owner.headers))["data"]) == {live["id"]}
    assert ids((await hub.call("GET", "/jobs?status=draft", status=200, headers=agency.owner.headers))["data"]) == {draft["id"]}


async def test_list_filters_by_client(hub: Hub) -> None:
    agency = await hub.agency()
    client_id = await _client_id(hub, agency)
    theirs = await create_job(hub, agency.owner.headers, clientId=client_id)
    await create_job(hub, agency.owner.headers)
    body = await hub.call("GET", f"/jobs?clientId={client_id}", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {theirs["id"]}


async def test_list_filters_by_poster(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    mine = await create_job(hub, recruiter.headers)
    await create_job(hub, agency.owner.headers)
    body = await hub.call("GET", f"/jobs?posted_by={recruiter.id}", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {mine["id"]}


async def test_list_filters_by_creation_time(hub: Hub) -> None:
    agency = await hub.agency()
    old = await create_job(hub, agency.owner.headers)
    await sql(hub, "UPDATE jobs SET created_at = now() - interval '10 days' WHERE id = $1", uuid.UUID(old["id"]))
    new = await create_job(hub, agency.owner.headers)
    cut = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    after = await hub.call("GET", f"/jobs?createdAfter={cut}", status=200, headers=agency.owner.headers)
    before = await hub.call("GET", f"/jobs?createdBefore={cut}Z", status=200, headers=agency.owner.headers)
    assert ids(after["data"]) == {new["id"]} and ids(before["data"]) == {old["id"]}


async def test_list_search_looks_in_title_and_description(hub: Hub) -> None:
    agency = await hub.agency()
    by_title = await create_job(hub, agency.owner.headers, title="Rust Developer")
    by_text = await create_job(hub, agency.owner.headers, title="Engineer", description="Mostly rust, some Go")
    await create_job(hub, agency.owner.headers, title="Designer")
    body = await hub.call("GET", "/jobs?search=RUST", status=200, headers=agency.owner.headers)
    assert ids(body["data"]) == {by_title["id"], by_text["id"]}


async def test_list_paginates_newest_first(hub: Hub) -> None:
    agency = await hub.agency()
    made = []
    for n in range(3):
        made.append(await create_job(hub, agency.owner.headers, title=f"Job {n}"))
        await asyncio.sleep(0.01)
    body = await hub.call("GET", "/jobs?perPage=2", status=200, headers=agency.owner.headers)
    assert [j["id"] for j in body["data"]] == [made[2]["id"], made[1]["id"]]
    assert body["meta"] == {"page": 1, "perPage": 2, "total": 3, "totalPages": 2}


async def test_bad_job_input_is_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        {"title": ""},
        {"title": 123},
        {"title": "x" * 201},
        {"title": "X", "employmentType": "gig"},
        {"title": "X", "status": "open"},
        {"title": "X", "salaryMin": 10, "salaryMax": 5},
        {"title": "X", "salaryMin": -1},
        {"title": "X", "salaryMin": 1e13},
        {"title": "X", "salaryMin": 1.234},
        {"title": "X", "currency": "EURO"},
        {"title": "X", "skills": ["s" * 51]},
        {"title": "X", "skills": ["a"] * 51},
        {"title": "X", "clientId": "nope"},
    ):
        body = await hub.call("POST", "/jobs/create", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad
    job = await create_job(hub, agency.owner.headers, salaryMax=100)
    for bad in ({}, {"status": "archived"}, {"title": None}, {"salaryMin": 200, "salaryMax": 100}):
        await hub.call("PATCH", f"/jobs/{job['id']}", status=400, headers=agency.owner.headers, json=bad)
    over = await hub.call("PATCH", f"/jobs/{job['id']}", status=400, headers=agency.owner.headers, json={"salaryMin": 200})
    assert over["error"]["details"]["field"] == "salaryMin"
    await hub.call("GET", "/jobs?status=archived", status=400, headers=agency.owner.headers)
    await hub.call("GET", "/jobs?createdAfter=yesterday", status=400, headers=agency.owner.headers)


async def test_job_client_must_be_active_and_the_agencys(hub: Hub) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other")
    archived = await _client_id(hub, agency)
    await hub.call("DELETE", f"/clients/{archived}", status=200, headers=agency.owner.headers)
    body = await create_job(hub, agency.owner.headers, status=422, clientId=archived)
    assert body["error"]["details"]["field"] == "clientId"
    foreign = await _client_id(hub, other)
    await create_job(hub, agency.owner.headers, status=404, clientId=foreign)


async def test_posted_by_and_approved_by_must_be_recruiters_of_the_agency(hub: Hub) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other")
    interviewer = await hub.member(agency, "interviewer")
    foreign = await create_job(hub, agency.owner.headers, status=403, postedBy=other.owner.id)
    assert foreign["error"]["message"] == "Recruiter does not belong to your agency"
    unknown = await create_job(hub, agency.owner.headers, status=400, postedBy=UNKNOWN_ID)
    assert unknown["error"]["message"] == "Invalid recruiter ID"
    not_recruiter = await create_job(hub, agency.owner.headers, status=400, postedBy=interviewer.id)
    assert not_recruiter["error"]["message"] == "Invalid recruiter ID"
    job = await create_job(hub, agency.owner.headers)
    denied = await hub.call(
        "POST", f"/jobs/{job['id']}/approve", status=403, headers=agency.owner.headers, json={"approvedBy": other.owner.id}
    )
    assert denied["error"]["details"]["field"] == "approvedBy"
    await hub.call("PATCH", f"/jobs/{job['id']}", status=403, headers=agency.owner.headers, json={"postedBy": other.owner.id})


async def test_api_key_must_name_the_poster(hub: Hub) -> None:
    agency = await hub.agency()
    key = {"X-API-Key": await hub.api_key(agency, scopes=["jobs:write", "jobs:read"])}
    body = await create_job(hub, key, status=400)
    assert body["error"]["details"]["field"] == "postedBy"
    job = await create_job(hub, key, postedBy=agency.owner.id)
    await hub.call("POST", f"/jobs/{job['id']}/approve", status=400, headers=key, json={})
    approved = await hub.call("POST", f"/jobs/{job['id']}/approve", status=200, headers=key, json={"approvedBy": agency.owner.id})
    assert approved["data"]["status"] == "open"


async def test_candidates_see_open_jobs_of_every_agency_without_internals(hub: Hub) -> None:
    first = await hub.agency("First")
    second = await hub.agency("Second")
    client_id = await _client_id(hub, first)
    one = await open_job(hub, first, clientId=client_id)
    two = await open_job(hub, second)
    draft = await create_job(hub, first.owner.headers)
    candidate = await hub.candidate()
    board = await hub.call("GET", "/jobs?status=draft", status=200, headers=candidate.headers)
    assert ids(board["data"]) == {one["id"], two["id"]}
    seen = await hub.call("GET", f"/jobs/{one['id']}", status=200, headers=candidate.headers)
    assert seen["data"]["agencyName"] == "First"
    assert seen["data"]["clientId"] is None and seen["data"]["postedBy"] is None and seen["data"]["approvedBy"] is None
    await hub.call("GET", f"/jobs/{draft['id']}", status=404, headers=candidate.headers)


async def test_candidates_and_interviewers_cannot_write_jobs(hub: Hub) -> None:
    agency = await hub.agency()
    candidate = await hub.candidate()
    interviewer = await hub.member(agency, "interviewer")
    await create_job(hub, candidate.headers, status=403)
    await create_job(hub, interviewer.headers, status=403)
    await hub.call("GET", "/jobs", status=200, headers=interviewer.headers)


async def test_unknown_job_is_not_found(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("GET", f"/jobs/{UNKNOWN_ID}", status=404, headers=agency.owner.headers)
    await hub.call("PATCH", f"/jobs/{UNKNOWN_ID}", status=404, headers=agency.owner.headers, json={"title": "X"})
    await hub.call("POST", f"/jobs/{UNKNOWN_ID}/approve", status=404, headers=agency.owner.headers, json={})
    await hub.call("GET", "/jobs/not-a-uuid", status=400, headers=agency.owner.headers)

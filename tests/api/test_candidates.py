"""Candidates: the Enterprise talent-pool search (no contact details) and one applicant in full."""

from __future__ import annotations

import uuid

import pytest
from hubtest import Hub
from recruiting import UNKNOWN_ID, apply, ids, open_job, sql


async def test_talent_pool_search_needs_the_enterprise_plan(hub: Hub) -> None:
    for plan in ("free", "pro"):
        agency = await hub.agency(plan=plan)
        body = await hub.call("GET", "/candidates", status=403, headers=agency.owner.headers)
        assert body["error"]["code"] == "PLAN_REQUIRED" and body["error"]["details"] == {"requiredTier": "enterprise"}


async def test_talent_pool_lists_profiles_without_contact_details(hub: Hub) -> None:
    agency = await hub.agency(plan="enterprise")
    job = await open_job(hub, agency)
    candidate = await hub.candidate("Ada Lovelace")
    await apply(hub, candidate, job["id"], skills=["Python"], experienceYears=6, location="London")
    body = await hub.call("GET", "/candidates", status=200, headers=agency.owner.headers)
    (entry,) = body["data"]
    assert entry["id"] == candidate.id and entry["fullName"] == "Ada Lovelace"
    assert entry["skills"] == ["python"] and entry["location"] == "London" and entry["experienceYears"] == 6
    assert "email" not in entry and candidate.email not in str(body)


async def test_profile_merges_what_each_application_told(hub: Hub) -> None:
    agency = await hub.agency(plan="enterprise")
    first, second = await open_job(hub, agency), await open_job(hub, agency)
    candidate = await hub.candidate()
    await apply(hub, candidate, first["id"], skills=["go", "sql"], experienceYears=3, location="Porto")
    await apply(hub, candidate, second["id"], skills=["rust", "go"], location="Lisbon")
    (entry,) = (await hub.call("GET", "/candidates", status=200, headers=agency.owner.headers))["data"]
    assert entry["skills"] == ["go", "rust", "sql"] and entry["location"] == "Lisbon" and entry["experienceYears"] == 3


async def _pool(hub: Hub) -> tuple[object, dict[str, str]]:
    agency = await hub.agency(plan="enterprise")
    job = await open_job(hub, agency)
    people = {
        "ada": ("Ada", {"skills": ["python", "sql"], "experienceYears": 8, "location": "London, UK"}),
        "bob": ("Bob", {"skills": ["java"], "experienceYears": 2, "location": "Berlin"}),
        "cy": ("Cy", {"skills": ["python"], "experienceYears": 4, "location": "Londrina"}),
    }
    named = {}
    for key, (name, fields) in people.items():
        person = await hub.candidate(name)
        await apply(hub, person, job["id"], **fields)
        named[key] = person.id
    return agency, named


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ada", {"ada"}),
        ("q=JAVA", {"bob"}),
        ("skills=python", {"ada", "cy"}),
        ("skills=python,sql", {"ada"}),
        ("location=lond", {"ada", "cy"}),
        ("minExperience=4", {"ada", "cy"}),
        ("maxExperience=4", {"bob", "cy"}),
        ("minExperience=3&maxExperience=5", {"cy"}),
    ],
)
async def test_talent_pool_filter(hub: Hub, query: str, expected: set[str]) -> None:
    agency, named = await _pool(hub)
    body = await hub.call("GET", f"/candidates?{query}", status=200, headers=agency.owner.headers)  # type: ignore[attr-defined]
    assert ids(body["data"]) == {named[n] for n in expected}


async def test_talent_pool_rejects_bad_filters(hub: Hub) -> None:
    agency = await hub.agency(plan="enterprise")
    for bad in ("minExperience=5&maxExperience=2", "minExperience=old", "maxExperience=-1", "q=" + "x" * 201):
        body = await hub.call("GET", f"/candidates?{bad}", status=400, headers=agency.owner.headers)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


async def test_deactivated_candidates_leave_the_pool(hub: Hub) -> None:
    agency = await hub.agency(plan="enterprise")
    job = await open_job(hub, agency)
    candidate = await hub.candidate()
    await apply(hub, candidate, job["id"])
    await sql(hub, "UPDATE users SET is_active = false WHERE id = $1", uuid.UUID(candidate.id))
    body = await hub.call("GET", "/candidates", status=200, headers=agency.owner.headers)
    assert body["data"] == []


async def test_applicant_is_readable_with_this_agencys_applications_only(hub: Hub) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other")
    ours, theirs = await open_job(hub, agency, title="Ours"), await open_job(hub, other, title="Theirs")
    candidate = await hub.candidate("Dee")
    mine = await apply(hub, candidate, ours["id"], skills=["sql"], location="Oslo")
    await apply(hub, candidate, theirs["id"])
    body = await hub.call("GET", f"/candidates/{candidate.id}", status=200, headers=agency.owner.headers)
    assert body["data"]["fullName"] == "Dee" and body["data"]["location"] == "Oslo" and "email" not in body["data"]
    assert [(a["id"], a["jobTitle"]) for a in body["data"]["applications"]] == [(mine["id"], "Ours")]


async def test_candidate_who_never_applied_is_not_found(hub: Hub) -> None:
    agency = await hub.agency()
    stranger = await hub.candidate()
    await hub.call("GET", f"/candidates/{stranger.id}", status=404, headers=agency.owner.headers)
    await hub.call("GET", f"/candidates/{agency.owner.id}", status=404, headers=agency.owner.headers)
    await hub.call("GET", f"/candidates/{UNKNOWN_ID}", status=404, headers=agency.owner.headers)


async def test_interviewers_read_applicants_but_candidates_cannot(hub: Hub) -> None:
    agency = await hub.agency(plan="enterprise")
    job = await open_job(hub, agency)
    candidate = await hub.candidate()
    await apply(hub, candidate, job["id"])
    interviewer = await hub.member(agency, "interviewer")
    await hub.call("GET", f"/candidates/{candidate.id}", status=200, headers=interviewer.headers)
    await hub.call("GET", "/candidates", status=403, headers=candidate.headers)
    await hub.call("GET", f"/candidates/{candidate.id}", status=403, headers=candidate.headers)

"""Tenant isolation of agency, team, clients, jobs, applications, candidates and analytics:
another agency's id is always 404, and nothing of another agency shows in lists or reports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from hubtest import Agency, Hub
from recruiting import apply, create_job, form, ids, move, open_job
from recruitment_helpers import PDF_BYTES


@dataclass
class Records:
    """One of everything an agency owns."""

    agency: Agency
    client: str
    job: str
    draft: str
    application: str
    candidate: str
    member: str
    invitation: str


async def _records(hub: Hub, name: str) -> Records:
    agency = await hub.agency(name, plan="enterprise")
    headers = agency.owner.headers
    client = (await hub.call("POST", "/clients", status=201, headers=headers, json={"name": f"{name} client"}))["data"]["id"]
    job = (await open_job(hub, agency, clientId=client, title=f"{name} job"))["id"]
    draft = (await create_job(hub, headers, title=f"{name} draft"))["id"]
    candidate = await hub.candidate(f"{name} applicant")
    application = (await apply(hub, candidate, job, skills=["sql"]))["id"]
    await move(hub, agency, application, "under_review")
    member = (await hub.member(agency, "recruiter")).id
    invitation = (
        await hub.call(
            "POST",
            "/team/invite",
            status=201,
            headers=headers,
            json={"email": f"{uuid.uuid4().hex[:8]}@example.com", "role": "recruiter"},
        )
    )["data"]["id"]
    return Records(agency, client, job, draft, application, candidate.id, member, invitation)


def _id_routes(b: Records) -> list[tuple[str, str, dict[str, Any]]]:
    """Every route of these resources that takes an id, aimed at agency B's records."""
    json = "json"
    return [
        ("GET", f"/clients/{b.client}", {}),
        ("PATCH", f"/clients/{b.client}", {json: {"name": "hijacked"}}),
        ("DELETE", f"/clients/{b.client}", {}),
        ("GET", f"/jobs/{b.job}", {}),
        ("GET", f"/jobs/{b.draft}", {}),
        ("PATCH", f"/jobs/{b.job}", {json: {"title": "hijacked"}}),
        ("POST", f"/jobs/{b.draft}/approve", {json: {}}),
        ("GET", f"/applications/{b.application}", {}),
        ("PATCH", f"/applications/{b.application}", {json: {"score": 1}}),
        ("PATCH", f"/applications/{b.application}/status", {json: {"status": "shortlisted"}}),
        ("GET", f"/applications/{b.application}/history", {}),
        ("POST", f"/applications/{b.application}/release", {json: {}}),
        ("POST", f"/applications/{b.application}/reject", {json: {}}),
        ("POST", f"/applications/{b.application}/resume", {"data": lambda: form(PDF_BYTES)}),
        ("PATCH", f"/team/{b.member}", {json: {"role": "admin"}}),
        ("DELETE", f"/team/{b.member}", {}),
        ("PATCH", f"/team/{b.agency.owner.id}", {json: {"isActive": False}}),
        ("POST", f"/team/invitations/{b.invitation}/resend", {}),
        ("DELETE", f"/team/invitations/{b.invitation}/revoke", {}),
        ("GET", f"/candidates/{b.candidate}", {}),
    ]


async def test_every_id_route_answers_404_for_another_agencys_records(hub: Hub) -> None:
    a = await _records(hub, "Alpha")
    b = await _records(hub, "Beta")
    key = {"X-API-Key": await hub.api_key(a.agency)}
    wrong: list[str] = []
    for caller in (a.agency.owner.headers, key):
        for method, path, options in _id_routes(b):
            options = {k: (v() if callable(v) else v) for k, v in options.items()}
            response = await hub.client.request(method, "/api/v1" + path, headers=caller, **options)
            body = await response.json()
            if response.status != 404 or body["error"]["code"] != "NOT_FOUND":
                wrong.append(f"{method} {path}: {response.status} {body}")
    assert not wrong, "\n".join(wrong)
    # and nothing of B changed
    owner = b.agency.owner.headers
    assert (await hub.call("GET", f"/clients/{b.client}", status=200, headers=owner))["data"]["name"] == "Beta client"
    application = (await hub.call("GET", f"/applications/{b.application}", status=200, headers=owner))["data"]
    assert application["status"] == "under_review" and application["hasResume"] is False
    assert (await hub.call("GET", f"/jobs/{b.draft}", status=200, headers=owner))["data"]["status"] == "draft"
    team = (await hub.call("GET", "/team?isActive=true", status=200, headers=owner))["data"]
    assert ids(team) == {b.agency.owner.id, b.member} and {m["role"] for m in team} == {"owner", "recruiter"}
    invitations = (await hub.call("GET", "/team/invitations", status=200, headers=owner))["data"]
    assert [(i["status"], i["sendCount"]) for i in invitations] == [("pending", 1)]


async def test_bulk_changes_treat_another_agencys_ids_as_unknown(hub: Hub) -> None:
    a = await _records(hub, "Alpha")
    b = await _records(hub, "Beta")
    for path, own, foreign, changes in (
        ("/jobs/bulk", a.job, b.job, {"status": "paused"}),
        ("/applications/bulk", a.application, b.application, {"status": "shortlisted"}),
    ):
        body = await hub.call(
            "PATCH", path, status=422, headers=a.agency.owner.headers, json={"ids": [own, foreign], "changes": changes}
        )
        assert body["error"]["details"]["errors"] == [
            {"id": foreign, "code": "NOT_FOUND", "message": body["error"]["details"]["errors"][0]["message"]}
        ]


async def test_lists_show_nothing_of_another_agency(hub: Hub) -> None:
    a = await _records(hub, "Alpha")
    b = await _records(hub, "Beta")
    headers = a.agency.owner.headers
    b_ids = {b.client, b.job, b.draft, b.application, b.member, b.agency.owner.id, b.invitation}
    for path in ("/clients", "/jobs", "/applications", "/team", "/team/invitations", "/agency/recruiters"):
        body = await hub.call("GET", f"{path}?perPage=100", status=200, headers=headers)
        assert not ids(body["data"]) & b_ids, path
        assert body["meta"]["total"] == len(body["data"]), path
    filtered = await hub.call("GET", f"/applications?jobId={b.job}", status=200, headers=headers)
    assert filtered["data"] == []
    by_client = await hub.call("GET", f"/jobs?clientId={b.client}", status=200, headers=headers)
    assert by_client["data"] == []


async def test_reports_count_only_the_callers_agency(hub: Hub) -> None:
    a = await _records(hub, "Alpha")
    await _records(hub, "Beta")
    headers = a.agency.owner.headers
    jobs = (await hub.call("GET", "/analytics/jobs", status=200, headers=headers))["data"]
    assert jobs["total"] == 2 and {t["jobId"] for t in jobs["topJobs"]} == {a.job, a.draft}
    applications = (await hub.call("GET", "/analytics/applications", status=200, headers=headers))["data"]
    assert applications["total"] == 1 and applications["byStatus"] == {"under_review": 1}
    clients = (await hub.call("GET", "/analytics/clients", status=200, headers=headers))["data"]
    assert clients["total"] == 1 and [c["clientId"] for c in clients["topClients"]] == [a.client]
    interviews = (await hub.call("GET", "/analytics/interviews", status=200, headers=headers))["data"]
    assert interviews["total"] == 0


async def test_talent_pool_shows_people_but_no_agency_records_or_contacts(hub: Hub) -> None:
    """The pool is the hub's candidates (by design); what B holds about them stays with B."""
    a = await _records(hub, "Alpha")
    b = await _records(hub, "Beta")
    body = await hub.call("GET", "/candidates", status=200, headers=a.agency.owner.headers)
    entries = {c["id"]: c for c in body["data"]}
    assert b.candidate in entries
    assert set(entries[b.candidate]) == {"id", "fullName", "headline", "location", "skills", "experienceYears", "updatedAt"}
    await hub.call("GET", f"/candidates/{b.candidate}", status=404, headers=a.agency.owner.headers)

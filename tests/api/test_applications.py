"""Applications: applying, reading (staff vs candidate), every list filter, the state machine,
history, release/reject attribution, bulk, resumes, and the index fit of the filtered list."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bulk_applications import load_applications
from hubtest import Agency, Hub, Person
from recruiting import UNKNOWN_ID, activities_of, applied, apply, create_job, events_of, form, ids, move, open_job, sql
from recruitment_helpers import EXE_BYTES, PDF_BYTES, docx_bytes, zip_bytes

from hub.keys import DB
from hub.storage.applications import ApplicationFilter, applications_page

# -- applying -----------------------------------------------------------------------------


async def test_apply_creates_a_scored_application_with_event_history_and_activity(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency, skills=["python", "sql", "docker", "aws"])
    candidate = await hub.candidate()
    application = await apply(
        hub, candidate, job["id"], coverLetter="Hello", skills=["Python", "SQL", "Go"], experienceYears=4.5, location="Lisbon"
    )
    assert application["status"] == "submitted" and application["candidateId"] == candidate.id
    assert application["skills"] == ["python", "sql", "go"] and application["experienceYears"] == 4.5
    assert application["score"] is None  # the agency's score is not shown to the candidate
    staff = await hub.call("GET", f"/applications/{application['id']}", status=200, headers=agency.owner.headers)
    assert staff["data"]["score"] == 50.0 and staff["data"]["recruiterId"] == agency.owner.id
    (event,) = await events_of(hub, agency, "application.created")
    assert event["applicationId"] == application["id"] and event["jobId"] == job["id"]
    assert event["appliedAt"] == application["appliedAt"]  # ISO 8601 UTC with Z, like the reply
    (entry,) = await activities_of(hub, agency, "application.created")
    assert str(entry["performed_by_id"]) == candidate.id
    history = await hub.call("GET", f"/applications/{application['id']}/history", status=200, headers=agency.owner.headers)
    assert [(h["fromStatus"], h["toStatus"]) for h in history["data"]] == [(None, "submitted")]


async def test_applying_twice_is_a_conflict(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency)
    candidate = await hub.candidate()
    await apply(hub, candidate, job["id"])
    body = await apply(hub, candidate, job["id"], status=409)
    assert body["error"]["code"] == "CONFLICT"


async def test_only_open_jobs_take_applications(hub: Hub) -> None:
    agency = await hub.agency()
    draft = await create_job(hub, agency.owner.headers)
    candidate = await hub.candidate()
    await apply(hub, candidate, draft["id"], status=404)
    await apply(hub, candidate, UNKNOWN_ID, status=404)


async def test_only_candidates_apply(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency)
    body = await apply(hub, agency.owner, job["id"], status=403)
    assert body["error"]["code"] == "FORBIDDEN"
    key = await hub.api_key(agency, scopes=["jobs:read"])
    await hub.call("POST", f"/jobs/{job['id']}/apply", status=403, headers={"X-API-Key": key}, json={})


async def test_apply_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency)
    candidate = await hub.candidate()
    for bad in (
        {"experienceYears": -1},
        {"experienceYears": "lots"},
        {"experienceYears": 1000},
        {"skills": "python"},
        {"coverLetter": "x" * 10_001},
        {"salary": 5},
    ):
        body = await apply(hub, candidate, job["id"], status=400, **bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


# -- reading ------------------------------------------------------------------------------


async def test_candidate_sees_only_their_own_applications(hub: Hub) -> None:
    agency = await hub.agency()
    mine, me = await applied(hub, agency)
    theirs, _ = await applied(hub, agency)
    body = await hub.call("GET", "/applications", status=200, headers=me.headers)
    assert ids(body["data"]) == {mine["id"]} and body["data"][0]["score"] is None
    await hub.call("GET", f"/applications/{theirs['id']}", status=404, headers=me.headers)
    staff = await hub.call("GET", "/applications", status=200, headers=agency.owner.headers)
    assert ids(staff["data"]) == {mine["id"], theirs["id"]}


async def test_candidate_history_hides_the_agencys_reasons(hub: Hub) -> None:
    agency = await hub.agency()
    application, candidate = await applied(hub, agency)
    await hub.call(
        "POST",
        f"/applications/{application['id']}/reject",
        status=200,
        headers=agency.owner.headers,
        json={"reason": "not a fit", "comment": "weak answers"},
    )
    body = await hub.call("GET", f"/applications/{application['id']}/history", status=200, headers=candidate.headers)
    assert body["data"][-1]["toStatus"] == "rejected"
    assert body["data"][-1]["reason"] is None and body["data"][-1]["changedBy"] is None


async def _filter_fixture(hub: Hub) -> tuple[Agency, dict[str, Any]]:
    """Three applications that differ in every filtered property."""
    agency = await hub.agency()
    client_one = (await hub.call("POST", "/clients", status=201, headers=agency.owner.headers, json={"name": "One"}))["data"][
        "id"
    ]
    client_two = (await hub.call("POST", "/clients", status=201, headers=agency.owner.headers, json={"name": "Two"}))["data"][
        "id"
    ]
    job_a = await open_job(hub, agency, clientId=client_one, skills=["python", "sql"])
    job_b = await open_job(hub, agency, clientId=client_two)
    c1, c2, c3 = [await hub.candidate() for _ in range(3)]
    first = await apply(hub, c1, job_a["id"], skills=["python", "sql"], experienceYears=5)
    second = await apply(hub, c2, job_a["id"], skills=["java"], experienceYears=1)
    third = await apply(hub, c3, job_b["id"], skills=["python"], experienceYears=10)
    await move(hub, agency, second["id"], "rejected")
    await hub.call("POST", f"/applications/{first['id']}/resume", status=200, headers=c1.headers, data=form(PDF_BYTES))
    await sql(hub, "UPDATE applications SET applied_at = now() - interval '10 days' WHERE id = $1", uuid.UUID(third["id"]))
    named = {
        "first": first["id"],
        "second": second["id"],
        "third": third["id"],
        "client_one": client_one,
        "job_b": job_b["id"],
        "yesterday": (datetime.now(UTC) - timedelta(days=1)).isoformat().replace("+00:00", "Z"),
    }
    return agency, named


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("clientId={client_one}", {"first", "second"}),
        ("jobId={job_b}", {"third"}),
        ("status=rejected", {"second"}),
        ("status=submitted,rejected", {"first", "second", "third"}),
        ("minScore=50", {"first"}),
        ("hasResume=true", {"first"}),
        ("hasResume=false", {"second", "third"}),
        ("skills=python", {"first", "third"}),
        ("skills=Python,SQL", {"first"}),
        ("experienceYears=5", {"first", "third"}),
        ("appliedAfter={yesterday}", {"first", "second"}),
        ("appliedBefore={yesterday}", {"third"}),
        ("job_id={job_b}&min_score=50", set()),
    ],
)
async def test_list_filter(hub: Hub, query: str, expected: set[str]) -> None:
    agency, named = await _filter_fixture(hub)
    body = await hub.call(
        "GET", "/applications?" + query.format(**named).replace("+", "%2B"), status=200, headers=agency.owner.headers
    )
    assert ids(body["data"]) == {named[n] for n in expected}
    assert body["meta"]["total"] == len(expected)


async def test_list_paginates_newest_first(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency)
    made = [await apply(hub, await hub.candidate(), job["id"]) for _ in range(3)]
    body = await hub.call("GET", "/applications?perPage=2&page=1", status=200, headers=agency.owner.headers)
    assert [a["id"] for a in body["data"]] == [made[2]["id"], made[1]["id"]]
    assert body["meta"] == {"page": 1, "perPage": 2, "total": 3, "totalPages": 2}


async def test_list_rejects_bad_filters(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        "status=lost",
        "minScore=abc",
        "minScore=101",
        "hasResume=perhaps",
        "jobId=12",
        "experienceYears=-2",
        "appliedAfter=soon",
        "perPage=101",
        "page=0",
    ):
        body = await hub.call("GET", f"/applications?{bad}", status=400, headers=agency.owner.headers)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


# -- the state machine --------------------------------------------------------------------


async def test_status_moves_along_the_pipeline_with_events_in_the_same_transaction(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    final = await move(
        hub, agency, application["id"], "under_review", "shortlisted", "interview_scheduled", "interviewed", "offer_sent", "hired"
    )
    assert final["status"] == "hired"
    events = await events_of(hub, agency, "application.status_changed")
    assert [(e["from"], e["to"]) for e in events][-1] == ("offer_sent", "hired")
    assert len(events) == 6 and events[0]["changedBy"] == agency.owner.id
    history = await hub.call("GET", f"/applications/{application['id']}/history", status=200, headers=agency.owner.headers)
    assert [h["toStatus"] for h in history["data"]] == [
        "submitted",
        "under_review",
        "shortlisted",
        "interview_scheduled",
        "interviewed",
        "offer_sent",
        "hired",
    ]
    assert len(await activities_of(hub, agency, "application.status_changed")) == 6


async def test_illegal_transition_names_both_ends_and_changes_nothing(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    body = await hub.call(
        "PATCH", f"/applications/{application['id']}/status", status=422, headers=agency.owner.headers, json={"status": "hired"}
    )
    assert body["error"]["code"] == "RULE_VIOLATED"
    assert body["error"]["details"]["from"] == "submitted" and body["error"]["details"]["to"] == "hired"
    assert "submitted" in body["error"]["message"] and "hired" in body["error"]["message"]
    assert await events_of(hub, agency, "application.status_changed") == []


async def test_terminal_statuses_do_not_move(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    await move(hub, agency, application["id"], "withdrawn")
    body = await hub.call(
        "PATCH",
        f"/applications/{application['id']}/status",
        status=422,
        headers=agency.owner.headers,
        json={"status": "under_review"},
    )
    assert body["error"]["details"]["allowed"] == []


async def test_status_change_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    application, candidate = await applied(hub, agency)
    path = f"/applications/{application['id']}/status"
    for bad in ({"status": "promoted"}, {}, {"status": 3}, {"status": "rejected", "reason": "r" * 501}):
        body = await hub.call("PATCH", path, status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad
    await hub.call("PATCH", path, status=403, headers=candidate.headers, json={"status": "withdrawn"})
    await hub.call(
        "PATCH", f"/applications/{UNKNOWN_ID}/status", status=404, headers=agency.owner.headers, json={"status": "rejected"}
    )


async def test_release_and_reject_are_attributed(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    released, _ = await applied(hub, agency)
    rejected, _ = await applied(hub, agency)
    body = await hub.call(
        "POST",
        f"/applications/{released['id']}/release",
        status=200,
        headers=agency.owner.headers,
        json={"releasedBy": recruiter.id, "reason": "role filled"},
    )
    assert body["data"]["status"] == "released"
    body = await hub.call("POST", f"/applications/{rejected['id']}/reject", status=200, headers=recruiter.headers, json={})
    assert body["data"]["status"] == "rejected"
    history = await hub.call("GET", f"/applications/{released['id']}/history", status=200, headers=agency.owner.headers)
    assert history["data"][-1]["changedBy"] == recruiter.id and history["data"][-1]["reason"] == "role filled"
    events = await events_of(hub, agency, "application.status_changed")
    assert {(e["applicationId"], e["to"], e["changedBy"]) for e in events} == {
        (released["id"], "released", recruiter.id),
        (rejected["id"], "rejected", recruiter.id),
    }


@pytest.mark.parametrize(("action", "field"), [("release", "releasedBy"), ("reject", "rejectedBy")])
async def test_release_and_reject_attribution_errors(hub: Hub, action: str, field: str) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other")
    application, _ = await applied(hub, agency)
    path = f"/applications/{application['id']}/{action}"
    foreign = await hub.call("POST", path, status=403, headers=agency.owner.headers, json={field: other.owner.id})
    assert foreign["error"]["message"] == "Recruiter does not belong to your agency"
    assert foreign["error"]["details"]["field"] == field
    unknown = await hub.call("POST", path, status=400, headers=agency.owner.headers, json={field: UNKNOWN_ID})
    assert unknown["error"]["message"] == "Invalid recruiter ID"
    key = {"X-API-Key": await hub.api_key(agency, scopes=["applications:write"])}
    missing = await hub.call("POST", path, status=400, headers=key, json={})
    assert missing["error"]["details"]["field"] == field
    await hub.call("POST", path, status=200, headers=key, json={field: agency.owner.id})


async def test_rejecting_a_hired_application_is_refused(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    await move(hub, agency, application["id"], "shortlisted", "interview_scheduled", "interviewed", "offer_sent", "hired")
    body = await hub.call("POST", f"/applications/{application['id']}/reject", status=422, headers=agency.owner.headers, json={})
    assert body["error"]["details"]["from"] == "hired"


# -- updates and bulk ---------------------------------------------------------------------


async def test_update_score_and_recruiter(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    application, _ = await applied(hub, agency)
    body = await hub.call(
        "PATCH",
        f"/applications/{application['id']}",
        status=200,
        headers=agency.owner.headers,
        json={"score": 87.5, "recruiterId": recruiter.id},
    )
    assert body["data"]["score"] == 87.5 and body["data"]["recruiterId"] == recruiter.id
    (entry,) = await activities_of(hub, agency, "application.updated")
    assert entry["metadata"] == {"score": "87.5", "recruiter_id": recruiter.id}


async def test_recruiter_id_must_be_a_recruiter_of_the_agency(hub: Hub) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other")
    application, _ = await applied(hub, agency)
    path = f"/applications/{application['id']}"
    foreign = await hub.call("PATCH", path, status=403, headers=agency.owner.headers, json={"recruiterId": other.owner.id})
    assert foreign["error"]["message"] == "Recruiter does not belong to your agency"
    unknown = await hub.call("PATCH", path, status=400, headers=agency.owner.headers, json={"recruiterId": UNKNOWN_ID})
    assert unknown["error"]["message"] == "Invalid recruiter ID"
    bulk = await hub.call(
        "PATCH",
        "/applications/bulk",
        status=403,
        headers=agency.owner.headers,
        json={"ids": [application["id"]], "changes": {"recruiterId": other.owner.id}},
    )
    assert bulk["error"]["details"]["field"] == "recruiterId"


async def test_update_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    for bad in ({}, {"score": 101}, {"score": "high"}, {"score": 1.234}, {"status": "hired"}):
        body = await hub.call("PATCH", f"/applications/{application['id']}", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


async def test_bulk_moves_every_application(hub: Hub) -> None:
    agency = await hub.agency()
    first, _ = await applied(hub, agency)
    second, _ = await applied(hub, agency)
    body = await hub.call(
        "PATCH",
        "/applications/bulk",
        status=200,
        headers=agency.owner.headers,
        json={"ids": [first["id"], second["id"]], "changes": {"status": "under_review", "reason": "triage", "score": 60}},
    )
    assert {(a["status"], a["score"]) for a in body["data"]} == {("under_review", 60.0)}
    assert len(await events_of(hub, agency, "application.status_changed")) == 2


async def test_bulk_is_all_or_nothing_with_per_id_errors(hub: Hub) -> None:
    agency = await hub.agency()
    other = await hub.agency("Other")
    movable, _ = await applied(hub, agency)
    stuck, _ = await applied(hub, agency)
    await move(hub, agency, stuck["id"], "rejected")
    foreign, _ = await applied(hub, other)
    body = await hub.call(
        "PATCH",
        "/applications/bulk",
        status=422,
        headers=agency.owner.headers,
        json={"ids": [movable["id"], stuck["id"], foreign["id"]], "changes": {"status": "shortlisted"}},
    )
    errors = {e["id"]: e for e in body["error"]["details"]["errors"]}
    assert set(errors) == {stuck["id"], foreign["id"]}
    assert errors[stuck["id"]]["details"]["from"] == "rejected" and errors[foreign["id"]]["code"] == "NOT_FOUND"
    unchanged = await hub.call("GET", f"/applications/{movable['id']}", status=200, headers=agency.owner.headers)
    assert unchanged["data"]["status"] == "submitted"
    assert len(await events_of(hub, agency, "application.status_changed")) == 1  # only the setup's rejection


async def test_bulk_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        {"ids": [UNKNOWN_ID], "changes": {}},
        {"ids": [UNKNOWN_ID], "changes": {"reason": "why"}},
        {"ids": [], "changes": {"status": "rejected"}},
        {"ids": [UNKNOWN_ID], "changes": {"status": "lost"}},
        {"ids": [UNKNOWN_ID], "changes": {"status": None}},
    ):
        body = await hub.call("PATCH", "/applications/bulk", status=400, headers=agency.owner.headers, json=bad)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


# -- resumes ------------------------------------------------------------------------------


async def _upload(hub: Hub, person: Person, application_id: str, status: int, data: bytes, **options: Any) -> dict:
    return await hub.call(
        "POST", f"/applications/{application_id}/resume", status=status, headers=person.headers, data=form(data, **options)
    )


async def test_candidate_uploads_a_pdf_resume(hub: Hub) -> None:
    agency = await hub.agency()
    application, candidate = await applied(hub, agency)
    body = await _upload(hub, candidate, application["id"], 200, PDF_BYTES, filename="../../etc/My CV.pdf")
    assert body["data"]["hasResume"] is True and body["data"]["resumeName"] == "My CV.pdf"
    (row,) = await sql(hub, "SELECT * FROM attachments WHERE owner_id = $1", uuid.UUID(application["id"]))
    assert row["content_type"] == "application/pdf" and row["size_bytes"] == len(PDF_BYTES) and row["owner_type"] == "application"
    assert str(row["uploaded_by"]) == candidate.id
    from hub.keys import STORAGE

    assert hub.app[STORAGE].path(row["storage_key"]).read_bytes() == PDF_BYTES


async def test_staff_upload_a_docx_resume_recognised_by_content(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    body = await _upload(
        hub, agency.owner, application["id"], 200, docx_bytes(), filename="cv.bin", content_type="application/octet-stream"
    )
    assert body["data"]["hasResume"] is True
    (row,) = await sql(hub, "SELECT content_type FROM attachments WHERE owner_id = $1", uuid.UUID(application["id"]))
    assert row["content_type"].endswith("wordprocessingml.document")


@pytest.mark.parametrize("data", [EXE_BYTES, zip_bytes(), b"just some text pretending", b""], ids=["exe", "zip", "text", "empty"])
async def test_upload_refuses_what_is_not_a_pdf_or_docx(hub: Hub, data: bytes) -> None:
    agency = await hub.agency()
    application, candidate = await applied(hub, agency)
    body = await _upload(hub, candidate, application["id"], 400 if not data else 415, data, filename="resume.pdf")
    assert body["error"]["code"] in {"UNSUPPORTED_MEDIA_TYPE", "VALIDATION_ERROR"}
    assert await sql(hub, "SELECT 1 FROM attachments") == []


async def test_upload_over_ten_mib_is_too_large(hub: Hub) -> None:
    agency = await hub.agency()
    application, candidate = await applied(hub, agency)
    body = await _upload(hub, candidate, application["id"], 413, PDF_BYTES + b"0" * (10 * 1024 * 1024))
    assert body["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_upload_must_be_multipart_with_a_file_field(hub: Hub) -> None:
    agency = await hub.agency()
    application, candidate = await applied(hub, agency)
    path = f"/applications/{application['id']}/resume"
    await hub.call("POST", path, status=415, headers=candidate.headers, json={"file": "x"})
    body = await hub.call("POST", path, status=400, headers=candidate.headers, data=form(PDF_BYTES, field="cv"))
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_upload_to_someone_elses_application_is_not_found(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    stranger = await hub.candidate()
    await _upload(hub, stranger, application["id"], 404, PDF_BYTES)
    interviewer = await hub.member(agency, "interviewer")
    await _upload(hub, interviewer, application["id"], 403, PDF_BYTES)


# -- index fit ----------------------------------------------------------------------------


def _seq_scans(plan: dict[str, Any]) -> list[str]:
    found = [plan["Relation Name"]] if plan["Node Type"] == "Seq Scan" else []
    for child in plan.get("Plans", []):
        found += _seq_scans(child)
    return found


async def test_filtered_lists_use_indexes_on_100k_applications(hub: Hub) -> None:
    """EXPLAIN of the very statements the list runs: no sequential scan of applications (enable_seqscan on)."""
    agency = await hub.agency()
    agency_id = uuid.UUID(agency.id)
    async with hub.app[DB].acquire() as conn:
        loaded = await load_applications(conn, agency_id)
    known = {"job": loaded.jobs[0], "client": loaded.clients[0], "candidate": loaded.candidates[0]}
    month_ago = datetime.now(UTC) - timedelta(days=30)
    combos = {
        "status+job+appliedAfter": ApplicationFilter(
            agency_id=agency_id, statuses=["submitted"], job_id=known["job"], applied_after=month_ago
        ),
        "client+minScore+hasResume": ApplicationFilter(
            agency_id=agency_id, client_id=known["client"], min_score=90, has_resume=True
        ),
        "skills+experience+status": ApplicationFilter(
            agency_id=agency_id, skills=["skill-3"], min_experience=15, statuses=["hired", "rejected"]
        ),
        "applied window": ApplicationFilter(
            agency_id=agency_id, applied_after=month_ago, applied_before=month_ago + timedelta(days=7)
        ),
        "status": ApplicationFilter(agency_id=agency_id, statuses=["offer_sent"]),
        "job": ApplicationFilter(agency_id=agency_id, job_id=known["job"]),
        "client": ApplicationFilter(agency_id=agency_id, client_id=known["client"]),
        "minScore": ApplicationFilter(agency_id=agency_id, min_score=90),
        "skills": ApplicationFilter(agency_id=agency_id, skills=["skill-3"]),
        "experience": ApplicationFilter(agency_id=agency_id, min_experience=18),
        "hasResume": ApplicationFilter(agency_id=agency_id, has_resume=False),
        "candidate's own": ApplicationFilter(candidate_id=known["candidate"]),
    }
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM applications") == 100_000
        for name, filters in combos.items():
            statements = applications_page(filters, limit=20, offset=40)
            for sql_text, args in ((statements.count_sql, statements.args), (statements.page_sql, statements.page_args)):
                plan = (await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql_text}", *args))[0]["Plan"]  # json codec decodes it
                assert "applications" not in _seq_scans(plan), f"{name}: {json.dumps(plan)[:2000]}"
        rows, total = await applications_page(combos["status+job+appliedAfter"], limit=20, offset=0).fetch(conn)
        assert 0 < total < 200 and len(rows) == 20

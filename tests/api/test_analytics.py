"""Analytics: totals, counts by status, conversion, time to hire, rankings; windows; who may read."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hubtest import Agency, Hub
from recruiting import applied, apply, create_job, move, open_job, sql

HIRE_PATH = ("shortlisted", "interview_scheduled", "interviewed", "offer_sent", "hired")


async def _report(hub: Hub, agency: Agency, name: str, query: str = "") -> dict:
    return (await hub.call("GET", f"/analytics/{name}{query}", status=200, headers=agency.owner.headers))["data"]


async def _interview(hub: Hub, agency: Agency, application_id: str, status: str, kind: str, days_from_now: float) -> None:
    await sql(
        hub,
        """INSERT INTO interviews (agency_id, application_id, interview_type, scheduled_at, status)
           VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)""",
        uuid.UUID(agency.id),
        uuid.UUID(application_id),
        kind,
        days_from_now * 86400,
        status,
    )


async def test_jobs_report_counts_statuses_and_ranks_jobs_by_applications(hub: Hub) -> None:
    agency = await hub.agency()
    busy = await open_job(hub, agency, title="Busy")
    await open_job(hub, agency, title="Quiet")
    await create_job(hub, agency.owner.headers, title="Draft")
    first = await apply(hub, await hub.candidate(), busy["id"])
    await apply(hub, await hub.candidate(), busy["id"])
    await move(hub, agency, first["id"], *HIRE_PATH)
    report = await _report(hub, agency, "jobs")
    assert report["total"] == 3 and report["byStatus"] == {"open": 2, "draft": 1}
    assert report["averageApplicationsPerJob"] == round(2 / 3, 2)
    top = report["topJobs"][0]
    assert (top["jobId"], top["title"], top["applications"], top["hires"]) == (busy["id"], "Busy", 2, 1)
    assert len((await _report(hub, agency, "jobs", "?top=1"))["topJobs"]) == 1


async def test_applications_report_gives_conversion_and_time_to_hire(hub: Hub) -> None:
    agency = await hub.agency()
    job = await open_job(hub, agency, skills=["python", "sql"])
    hired = await apply(hub, await hub.candidate(), job["id"], skills=["python", "sql"])
    await apply(hub, await hub.candidate(), job["id"], skills=["python"])
    rejected = await apply(hub, await hub.candidate(), job["id"])
    await apply(hub, await hub.candidate(), job["id"])
    await move(hub, agency, rejected["id"], "rejected")
    await move(hub, agency, hired["id"], *HIRE_PATH)
    await sql(hub, "UPDATE applications SET applied_at = applied_at - interval '3 days' WHERE id = $1", uuid.UUID(hired["id"]))
    report = await _report(hub, agency, "applications")
    assert report["total"] == 4 and report["hired"] == 1 and report["conversionRate"] == 0.25
    assert report["byStatus"] == {"hired": 1, "rejected": 1, "submitted": 2}
    assert 2.99 <= report["averageTimeToHireDays"] <= 3.01
    assert report["averageScore"] == 37.5  # (100 + 50 + 0 + 0) / 4
    assert report["withResume"] == 0


async def test_interviews_report_gives_rates_and_upcoming(hub: Hub) -> None:
    agency = await hub.agency()
    application, _ = await applied(hub, agency)
    for status, kind, days in (
        ("completed", "video", -3),
        ("completed", "phone", -2),
        ("no_show", "video", -1),
        ("cancelled", "onsite", -1),
        ("scheduled", "video", 2),
    ):
        await _interview(hub, agency, application["id"], status, kind, days)
    report = await _report(hub, agency, "interviews")
    assert report["total"] == 5 and report["upcoming"] == 1
    assert report["byStatus"] == {"completed": 2, "no_show": 1, "cancelled": 1, "scheduled": 1}
    assert report["byType"] == {"video": 3, "phone": 1, "onsite": 1}
    assert report["completionRate"] == 0.5 and report["noShowRate"] == round(1 / 3, 4)


async def test_clients_report_ranks_clients_by_applications(hub: Hub) -> None:
    agency = await hub.agency()
    big = (await hub.call("POST", "/clients", status=201, headers=agency.owner.headers, json={"name": "Big"}))["data"]
    small = (await hub.call("POST", "/clients", status=201, headers=agency.owner.headers, json={"name": "Small"}))["data"]
    await hub.call("DELETE", f"/clients/{small['id']}", status=200, headers=agency.owner.headers)
    job = await open_job(hub, agency, clientId=big["id"])
    await create_job(hub, agency.owner.headers, clientId=big["id"])
    hired = await apply(hub, await hub.candidate(), job["id"])
    await apply(hub, await hub.candidate(), job["id"])
    await move(hub, agency, hired["id"], *HIRE_PATH)
    report = await _report(hub, agency, "clients")
    assert report["total"] == 2 and report["byStatus"] == {"active": 1, "archived": 1}
    assert report["topClients"][0] == {
        "clientId": big["id"],
        "name": "Big",
        "status": "active",
        "jobs": 2,
        "openJobs": 1,
        "applications": 2,
        "hires": 1,
    }
    assert report["topClients"][1]["clientId"] == small["id"] and report["topClients"][1]["applications"] == 0


async def test_window_limits_each_report_by_its_own_clock(hub: Hub) -> None:
    agency = await hub.agency()
    old, _ = await applied(hub, agency)
    await applied(hub, agency)
    await sql(hub, "UPDATE applications SET applied_at = now() - interval '40 days' WHERE id = $1", uuid.UUID(old["id"]))
    since = (datetime.now(UTC) - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    recent = await _report(hub, agency, "applications", f"?since={since}")
    earlier = await _report(hub, agency, "applications", f"?until={since}")
    assert recent["total"] == 1 and earlier["total"] == 1
    assert (await _report(hub, agency, "jobs", f"?until={since}"))["total"] == 0


async def test_empty_agency_reports_zeros_and_no_rates(hub: Hub) -> None:
    agency = await hub.agency()
    applications = await _report(hub, agency, "applications")
    assert applications == {
        "total": 0,
        "byStatus": {},
        "hired": 0,
        "conversionRate": None,
        "averageTimeToHireDays": None,
        "averageScore": None,
        "withResume": 0,
    }
    assert (await _report(hub, agency, "jobs"))["averageApplicationsPerJob"] is None
    assert (await _report(hub, agency, "interviews"))["completionRate"] is None


async def test_bad_windows_and_rankings_are_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    for bad in (
        "/analytics/applications?since=2024-02-01T00:00:00Z&until=2024-01-01T00:00:00Z",
        "/analytics/jobs?top=0",
        "/analytics/clients?top=51",
        "/analytics/interviews?since=last-week",
    ):
        body = await hub.call("GET", bad, status=400, headers=agency.owner.headers)
        assert body["error"]["code"] == "VALIDATION_ERROR", bad


async def test_recruiters_read_analytics_but_interviewers_and_candidates_cannot(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    interviewer = await hub.member(agency, "interviewer")
    candidate = await hub.candidate()
    await hub.call("GET", "/analytics/jobs", status=200, headers=recruiter.headers)
    for person in (interviewer, candidate):
        body = await hub.call("GET", "/analytics/applications", status=403, headers=person.headers)
        assert body["error"]["code"] == "INSUFFICIENT_SCOPE"

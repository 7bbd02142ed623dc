"""Interviews: scheduling, the transitions, filters, attribution, attachments and tenant isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hubtest import Hub

from hub.keys import DB, STORAGE
from tests.api.recruitment_helpers import (
    EXE_BYTES,
    PDF_BYTES,
    Team,
    activities_of,
    application_status,
    docx_bytes,
    events_of,
    ids,
    in_days,
    make_application,
    make_team,
    status_history,
    upload,
    zip_bytes,
)


@pytest.fixture
async def team(hub: Hub) -> Team:
    return await make_team(hub)


def interview_body(team: Team, **changes: Any) -> dict[str, Any]:
    body = {
        "applicationId": team.application.id,
        "interviewType": "technical",
        "scheduledAt": in_days(2),
        "durationMinutes": 45,
        "interviewerId": team.interviewer.id,
    }
    return {**body, **changes}


async def schedule(hub: Hub, team: Team, **changes: Any) -> dict[str, Any]:
    body = await hub.call("POST", "/interviews", status=201, headers=team.recruiter.headers,
                          json=interview_body(team, **changes))
    return body["data"]


# -- scheduling ---------------------------------------------------------------------------


async def test_schedule_returns_interview_attributed_to_caller(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team, notes="Focus on SQL")
    assert interview["status"] == "scheduled"
    assert interview["scheduledBy"] == team.recruiter.id
    assert interview["interviewerId"] == team.interviewer.id
    assert interview["candidateId"] == team.candidate.id
    assert interview["jobTitle"] == "Backend Engineer"
    assert interview["scheduledAt"].endswith("Z")


async def test_schedule_moves_application_to_interview_scheduled_with_history(hub: Hub, team: Team) -> None:
    """A submitted application goes through the state machine's own steps, each one recorded."""
    await schedule(hub, team)
    assert await application_status(hub, team.application.id) == "interview_scheduled"
    assert await status_history(hub, team.application.id) == [
        ("submitted", "shortlisted"), ("shortlisted", "interview_scheduled")]
    changed = await events_of(hub, "application.status_changed")
    assert [(e["from"], e["to"], e["reason"]) for e in changed] == [
        ("submitted", "shortlisted", "interview scheduled"),
        ("shortlisted", "interview_scheduled", "interview scheduled"),
    ]


async def test_schedule_never_moves_application_backwards(hub: Hub, team: Team) -> None:
    later = await make_application(hub, team.agency, status="offer_sent")
    await schedule(hub, team, applicationId=later.id)
    assert await application_status(hub, later.id) == "offer_sent"
    assert await status_history(hub, later.id) == []


async def test_schedule_emits_event_and_records_activity(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    [event] = await events_of(hub, "interview.scheduled")
    assert event["interviewId"] == interview["id"]
    assert event["candidateId"] == team.candidate.id and event["interviewerId"] == team.interviewer.id
    activity = await activities_of(hub, interview["id"])
    assert activity[0]["action_type"] == "interview.scheduled"
    assert str(activity[0]["performed_by_id"]) == team.recruiter.id


async def test_schedule_on_closed_application_is_rule_violation(hub: Hub, team: Team) -> None:
    closed = await make_application(hub, team.agency, status="rejected")
    body = await hub.call("POST", "/interviews", status=422, headers=team.recruiter.headers,
                          json=interview_body(team, applicationId=closed.id))
    assert body["error"]["code"] == "RULE_VIOLATED"


async def test_schedule_in_the_past_is_rejected(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/interviews", status=400, headers=team.recruiter.headers,
                          json=interview_body(team, scheduledAt=in_days(-1)))
    assert body["error"]["details"]["field"] == "scheduledAt"


async def test_schedule_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    for changes in (
        {"interviewType": "karaoke"},
        {"durationMinutes": "sixty"},
        {"durationMinutes": 2},
        {"durationMinutes": 100_000},
        {"scheduledAt": "2030-01-01T10:00:00"},  # no time zone
        {"scheduledAt": "next tuesday"},
        {"applicationId": "not-a-uuid"},
        {"interviewerId": 42},
        {"notes": "x" * 10_001},
        {"notes": "nul \u0000 inside"},
        {"surprise": True},
    ):
        body = await hub.call("POST", "/interviews", status=400, headers=team.recruiter.headers,
                              json=interview_body(team, **changes))
        assert body["error"]["code"] == "VALIDATION_ERROR", changes
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM interviews") == 0


async def test_schedule_malformed_json_is_validation_error(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/interviews", status=400, data=b"{not json",
                          headers={**team.recruiter.headers, "Content-Type": "application/json"})
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_schedule_unknown_application_is_not_found(hub: Hub, team: Team) -> None:
    await hub.call("POST", "/interviews", status=404, headers=team.recruiter.headers,
                   json=interview_body(team, applicationId=str(uuid.uuid4())))


async def test_interviewer_cannot_schedule(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/interviews", status=403, headers=team.interviewer.headers,
                          json=interview_body(team))
    assert body["error"]["code"] == "FORBIDDEN"


async def test_interviewer_double_booking_is_conflict(hub: Hub, team: Team) -> None:
    first = await schedule(hub, team, scheduledAt=in_days(3), durationMinutes=60)
    other = await make_application(hub, team.agency)
    body = await hub.call("POST", "/interviews", status=409, headers=team.recruiter.headers,
                          json=interview_body(team, applicationId=other.id, scheduledAt=in_days(3 + 1 / 48)))
    assert body["error"]["details"]["interviewId"] == first["id"]


# -- attribution ----------------------------------------------------------------------------


async def test_attribution_unknown_person_is_invalid_recruiter(hub: Hub, team: Team) -> None:
    for field in ("scheduledBy", "interviewerId"):
        body = await hub.call("POST", "/interviews", status=400, headers=team.recruiter.headers,
                              json=interview_body(team, **{field: str(uuid.uuid4())}))
        assert body["error"]["message"] == "Invalid recruiter ID"
        assert body["error"]["details"]["field"] == field


async def test_attribution_other_agency_recruiter_is_forbidden(hub: Hub, team: Team) -> None:
    other = await hub.agency("Other Agency")
    for field in ("scheduledBy", "interviewerId"):
        body = await hub.call("POST", "/interviews", status=403, headers=team.recruiter.headers,
                              json=interview_body(team, **{field: other.owner.id}))
        assert body["error"]["message"] == "Recruiter does not belong to your agency"
        assert body["error"]["details"]["field"] == field


async def test_scheduled_by_cannot_name_an_interviewer(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/interviews", status=400, headers=team.recruiter.headers,
                          json=interview_body(team, scheduledBy=team.interviewer.id))
    assert body["error"]["message"] == "Invalid recruiter ID"


async def test_interviewer_id_cannot_name_the_candidate(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/interviews", status=400, headers=team.recruiter.headers,
                          json=interview_body(team, interviewerId=team.candidate.id))
    assert body["error"]["message"] == "Invalid recruiter ID"


async def test_api_key_must_name_scheduled_by(hub: Hub, team: Team) -> None:
    key = {"X-API-Key": await hub.api_key(team.agency)}
    body = await hub.call("POST", "/interviews", status=400, headers=key, json=interview_body(team))
    assert body["error"]["details"]["field"] == "scheduledBy"
    created = await hub.call("POST", "/interviews", status=201, headers=key,
                             json=interview_body(team, scheduledBy=team.recruiter.id))
    assert created["data"]["scheduledBy"] == team.recruiter.id


# -- reading and listing -------------------------------------------------------------------


async def test_get_interview(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    body = await hub.call("GET", f"/interviews/{interview['id']}", status=200, headers=team.recruiter.headers)
    assert body["data"] == interview


async def test_candidate_sees_own_interview_without_panel_notes(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team, notes="Weak on SQL")
    body = await hub.call("GET", f"/interviews/{interview['id']}", status=200, headers=team.candidate.headers)
    assert body["data"]["notes"] is None and body["data"]["scheduledAt"] == interview["scheduledAt"]


async def test_candidate_cannot_see_someone_elses_interview(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    stranger = await hub.candidate("Stan Stranger")
    await hub.call("GET", f"/interviews/{interview['id']}", status=404, headers=stranger.headers)
    listed = await hub.call("GET", "/interviews", status=200, headers=stranger.headers)
    assert listed["data"] == [] and listed["meta"]["total"] == 0


async def test_interviewer_lists_only_own_interviews(hub: Hub, team: Team) -> None:
    mine = await schedule(hub, team)
    colleague = await hub.member(team.agency, "interviewer", name="Colin Colleague")
    other = await make_application(hub, team.agency)
    await schedule(hub, team, applicationId=other.id, interviewerId=colleague.id)
    body = await hub.call("GET", "/interviews", status=200, headers=team.interviewer.headers)
    assert ids(body) == {mine["id"]}


async def test_list_filters(hub: Hub, team: Team) -> None:
    soon = await schedule(hub, team, scheduledAt=in_days(1))
    colleague = await hub.member(team.agency, "recruiter", name="Colin Colleague")
    other = await make_application(hub, team.agency)
    later = await schedule(hub, team, applicationId=other.id, interviewerId=colleague.id, scheduledAt=in_days(5))
    cancelled = await schedule(hub, team, scheduledAt=in_days(8))
    await hub.call("PATCH", f"/interviews/{cancelled['id']}", status=200, headers=team.recruiter.headers,
                   json={"action": "cancel"})
    h = team.recruiter.headers

    async def listed(query: str) -> set[str]:
        return ids(await hub.call("GET", f"/interviews?{query}", status=200, headers=h))

    assert await listed("") == {soon["id"], later["id"], cancelled["id"]}
    assert await listed(f"applicationId={other.id}") == {later["id"]}
    assert await listed(f"application_id={team.application.id}") == {soon["id"], cancelled["id"]}
    assert await listed(f"interviewerId={colleague.id}") == {later["id"]}
    assert await listed("status=cancelled") == {cancelled["id"]}
    assert await listed(f"from={in_days(3)}") == {later["id"], cancelled["id"]}
    assert await listed(f"to={in_days(3)}") == {soon["id"]}
    assert await listed(f"from={in_days(3)}&to={in_days(6)}") == {later["id"]}


async def test_list_is_paginated_soonest_first(hub: Hub, team: Team) -> None:
    made = [await schedule(hub, team, scheduledAt=in_days(day)) for day in (3, 1, 2)]
    body = await hub.call("GET", "/interviews?perPage=2&page=1", status=200, headers=team.recruiter.headers)
    assert body["meta"] == {"page": 1, "perPage": 2, "total": 3, "totalPages": 2}
    assert [i["id"] for i in body["data"]] == [made[1]["id"], made[2]["id"]]
    second = await hub.call("GET", "/interviews?perPage=2&page=2", status=200, headers=team.recruiter.headers)
    assert [i["id"] for i in second["data"]] == [made[0]["id"]]


async def test_list_bad_filter_is_validation_error(hub: Hub, team: Team) -> None:
    for query in ("status=postponed", "from=yesterday", "to=2030-01-01T10:00:00", "interviewerId=nope",
                  "perPage=1000", "page=0"):
        body = await hub.call("GET", f"/interviews?{query}", status=400, headers=team.recruiter.headers)
        assert body["error"]["code"] == "VALIDATION_ERROR", query


# -- transitions --------------------------------------------------------------------------


async def test_reschedule_moves_time_and_emits_event(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    new_time = in_days(4)
    body = await hub.call("PATCH", f"/interviews/{interview['id']}", status=200, headers=team.recruiter.headers,
                          json={"action": "reschedule", "scheduledAt": new_time, "durationMinutes": 30})
    assert body["data"]["scheduledAt"] == new_time and body["data"]["durationMinutes"] == 30
    assert body["data"]["status"] == "scheduled"
    [event] = await events_of(hub, "interview.rescheduled")
    assert event["previousScheduledAt"] == interview["scheduledAt"]


async def test_reschedule_needs_a_new_time(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    await hub.call("PATCH", f"/interviews/{interview['id']}", status=400, headers=team.recruiter.headers,
                   json={"action": "reschedule"})


async def test_reschedule_into_the_past_is_rejected(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    await hub.call("PATCH", f"/interviews/{interview['id']}", status=400, headers=team.recruiter.headers,
                   json={"action": "reschedule", "scheduledAt": in_days(-2)})


async def test_interviewer_completes_own_interview_with_outcome(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    body = await hub.call("PATCH", f"/interviews/{interview['id']}", status=200, headers=team.interviewer.headers,
                          json={"action": "complete", "outcome": "passed", "notes": "Strong on systems design"})
    assert body["data"]["status"] == "completed"
    assert body["data"]["outcome"] == "passed" and body["data"]["notes"] == "Strong on systems design"
    assert await application_status(hub, team.application.id) == "interviewed"
    [event] = await events_of(hub, "interview.completed")
    assert event["outcome"] == "passed"
    actions = [a["action_type"] for a in await activities_of(hub, interview["id"])]
    assert actions == ["interview.scheduled", "interview.completed"]


async def test_cancel_emits_event_with_reason(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    body = await hub.call("PATCH", f"/interviews/{interview['id']}", status=200, headers=team.recruiter.headers,
                          json={"action": "cancel", "reason": "Candidate asked to postpone"})
    assert body["data"]["status"] == "cancelled"
    [event] = await events_of(hub, "interview.cancelled")
    assert event["reason"] == "Candidate asked to postpone"


async def test_no_show_is_recorded(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    body = await hub.call("PATCH", f"/interviews/{interview['id']}", status=200, headers=team.recruiter.headers,
                          json={"action": "no_show"})
    assert body["data"]["status"] == "no_show"
    assert len(await events_of(hub, "interview.no_show")) == 1


async def test_final_states_refuse_further_actions(hub: Hub, team: Team) -> None:
    for n, (first, then) in enumerate([("cancel", "complete"), ("complete", "cancel"), ("no_show", "complete"),
                                       ("cancel", "cancel")]):
        interview = await schedule(hub, team, scheduledAt=in_days(2 + n))
        path = f"/interviews/{interview['id']}"
        await hub.call("PATCH", path, status=200, headers=team.recruiter.headers, json={"action": first})
        body = await hub.call("PATCH", path, status=422, headers=team.recruiter.headers, json={"action": then})
        assert body["error"]["code"] == "RULE_VIOLATED"
        assert body["error"]["details"]["action"] == then


async def test_reschedule_after_completion_is_refused(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}"
    await hub.call("PATCH", path, status=200, headers=team.recruiter.headers, json={"action": "complete"})
    await hub.call("PATCH", path, status=422, headers=team.recruiter.headers,
                   json={"action": "reschedule", "scheduledAt": in_days(3)})
    await hub.call("PATCH", path, status=422, headers=team.recruiter.headers, json={"durationMinutes": 30})


async def test_notes_can_be_added_after_completion(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}"
    await hub.call("PATCH", path, status=200, headers=team.recruiter.headers, json={"action": "complete"})
    body = await hub.call("PATCH", path, status=200, headers=team.recruiter.headers, json={"notes": "Debrief: hire"})
    assert body["data"]["notes"] == "Debrief: hire"


async def test_reassign_interviewer_checks_attribution(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}"
    other = await hub.agency("Other Agency")
    body = await hub.call("PATCH", path, status=403, headers=team.recruiter.headers,
                          json={"interviewerId": other.owner.id})
    assert body["error"]["message"] == "Recruiter does not belong to your agency"
    body = await hub.call("PATCH", path, status=400, headers=team.recruiter.headers,
                          json={"interviewerId": str(uuid.uuid4())})
    assert body["error"]["message"] == "Invalid recruiter ID"
    body = await hub.call("PATCH", path, status=200, headers=team.recruiter.headers,
                          json={"interviewerId": team.recruiter.id})
    assert body["data"]["interviewerId"] == team.recruiter.id


async def test_patch_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    for patch in (
        {"action": "postpone"},
        {"action": "complete", "outcome": "brilliant"},
        {"outcome": "passed"},  # outcome only with complete
        {"scheduledAt": "2031-01-01T10:00:00Z"},  # a new time only with reschedule
        {"reason": "because"},
        {},
        {"durationMinutes": "long"},
    ):
        body = await hub.call("PATCH", f"/interviews/{interview['id']}", status=400, headers=team.recruiter.headers,
                              json=patch)
        assert body["error"]["code"] == "VALIDATION_ERROR", patch


async def test_candidate_cannot_change_interview(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    body = await hub.call("PATCH", f"/interviews/{interview['id']}", status=403, headers=team.candidate.headers,
                          json={"action": "cancel"})
    assert body["error"]["code"] == "FORBIDDEN"


async def test_unknown_interview_is_not_found(hub: Hub, team: Team) -> None:
    await hub.call("GET", f"/interviews/{uuid.uuid4()}", status=404, headers=team.recruiter.headers)
    await hub.call("GET", "/interviews/not-a-uuid", status=400, headers=team.recruiter.headers)


# -- attachments ------------------------------------------------------------------------------


async def test_upload_pdf_attachment_is_stored_and_listed(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}/attachments"
    status, body = await upload(hub, path, team.recruiter.headers, PDF_BYTES, filename="../../etc/brief.pdf")
    assert status == 201, body
    attachment = body["data"]
    assert attachment["contentType"] == "application/pdf" and attachment["sizeBytes"] == len(PDF_BYTES)
    assert attachment["filename"] == "brief.pdf"
    async with hub.app[DB].acquire() as conn:
        key = await conn.fetchval("SELECT storage_key FROM attachments WHERE id = $1", uuid.UUID(attachment["id"]))
    assert hub.app[STORAGE].path(key).read_bytes() == PDF_BYTES
    listed = await hub.call("GET", path, status=200, headers=team.interviewer.headers)
    assert listed["data"] == [attachment]


async def test_content_type_is_sniffed_not_trusted(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}/attachments"
    status, body = await upload(hub, path, team.recruiter.headers, docx_bytes(), filename="take-home.docx",
                                content_type="application/octet-stream")
    assert status == 201, body
    assert body["data"]["contentType"].endswith("wordprocessingml.document")
    status, body = await upload(hub, path, team.recruiter.headers, b"Plain notes from the panel.\n",
                                filename="notes.txt", content_type="text/plain")
    assert status == 201 and body["data"]["contentType"] == "text/plain"


async def test_wrong_file_type_is_refused(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    for data, filename in ((EXE_BYTES, "cv.pdf"), (zip_bytes(), "cv.docx"), (b"\x00\x01\x02binary", "x.txt")):
        status, body = await upload(hub, f"/interviews/{interview['id']}/attachments", team.recruiter.headers, data,
                                    filename=filename)
        assert status == 415 and body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE", filename
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM attachments") == 0


async def test_oversize_attachment_is_refused_and_not_kept(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    status, body = await upload(hub, f"/interviews/{interview['id']}/attachments", team.recruiter.headers, big)
    assert status == 413 and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM attachments") == 0


async def test_oversize_chunked_upload_is_cut_off(hub: Hub, team: Team) -> None:
    """Without a Content-Length the limit is enforced while reading."""
    interview = await schedule(hub, team)
    boundary = "hubtestboundary"

    async def body() -> Any:
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
               "Content-Type: text/plain\r\n\r\n").encode()
        for _ in range(11):
            yield b"a" * (1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await hub.client.post(
        f"/api/v1/interviews/{interview['id']}/attachments", data=body(),
        headers={**team.recruiter.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status == 413


async def test_upload_needs_multipart_and_the_file_field(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}/attachments"
    body = await hub.call("POST", path, status=415, headers=team.recruiter.headers, json={"file": "x"})
    assert body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    status, body = await upload(hub, path, team.recruiter.headers, PDF_BYTES, field="document")
    assert status == 400 and body["error"]["details"]["field"] == "file"
    status, body = await upload(hub, path, team.recruiter.headers, b"")
    assert status == 400


async def test_candidate_cannot_upload_or_list_attachments(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    path = f"/interviews/{interview['id']}/attachments"
    status, _ = await upload(hub, path, team.candidate.headers, PDF_BYTES)
    assert status == 403
    await hub.call("GET", path, status=403, headers=team.candidate.headers)


# -- tenant isolation -----------------------------------------------------------------------


async def test_another_agency_sees_404_on_every_interview_route(hub: Hub, team: Team) -> None:
    interview = await schedule(hub, team)
    other = await hub.agency("Other Agency")
    key = {"X-API-Key": await hub.api_key(other)}
    base = f"/interviews/{interview['id']}"
    for headers in (other.owner.headers, key):
        await hub.call("GET", base, status=404, headers=headers)
        await hub.call("PATCH", base, status=404, headers=headers, json={"action": "cancel"})
        await hub.call("GET", f"{base}/attachments", status=404, headers=headers)
        status, _ = await upload(hub, f"{base}/attachments", headers, PDF_BYTES)
        assert status == 404
        listed = await hub.call("GET", "/interviews", status=200, headers=headers)
        assert listed["data"] == [] and listed["meta"]["total"] == 0
        await hub.call("POST", "/interviews", status=404, headers=headers,
                       json=interview_body(team, interviewerId=other.owner.id, scheduledBy=other.owner.id))
    still = await hub.call("GET", base, status=200, headers=team.recruiter.headers)
    assert still["data"]["status"] == "scheduled"


# -- the OpenAPI document ---------------------------------------------------------------------


async def test_lifecycle_routes_are_documented_with_scopes(hub: Hub) -> None:
    doc = (await hub.client.get("/api/v1/openapi.json"))
    paths = (await doc.json())["paths"]
    expected = {
        ("/api/v1/interviews", "post"): "interviews:write",
        ("/api/v1/interviews/{id}", "patch"): "interviews:write",
        ("/api/v1/interviews/{id}/attachments", "post"): "interviews:write",
        ("/api/v1/offers", "get"): "offers:read",
        ("/api/v1/offers/{id}/letter", "post"): "offers:write",
        ("/api/v1/placements/{id}", "patch"): "placements:write",
        ("/api/v1/onboarding/{taskId}", "put"): "onboarding:write",
        ("/api/v1/notifications", "get"): "notifications:read",
    }
    for (path, method), scope in expected.items():
        assert paths[path][method]["x-scope"] == scope, path
    upload_body = paths["/api/v1/interviews/{id}/attachments"]["post"]["requestBody"]["content"]
    assert "file" in upload_body["multipart/form-data"]["schema"]["properties"]
    assert {p["name"] for p in paths["/api/v1/interviews"]["get"]["parameters"]} >= {
        "applicationId", "interviewerId", "status", "from", "to", "page", "perPage"}

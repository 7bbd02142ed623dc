"""Offers: drafting, the send/accept/decline/withdraw steps and who may take them, letters, isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hubtest import Hub

from hub.keys import DB, STORAGE
from tests.api.recruitment_helpers import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    Team,
    activities_of,
    application_status,
    docx_bytes,
    events_of,
    ids,
    make_application,
    make_team,
    upload,
)


@pytest.fixture
async def team(hub: Hub) -> Team:
    return await make_team(hub, status="interviewed")


def offer_body(team: Team, **changes: Any) -> dict[str, Any]:
    body = {"applicationId": team.application.id, "salary": 85000, "currency": "USD", "startDate": "2031-04-01",
            "terms": "Full time, 25 days leave"}
    return {**body, **changes}


async def draft(hub: Hub, team: Team, **changes: Any) -> dict[str, Any]:
    body = await hub.call("POST", "/offers", status=201, headers=team.recruiter.headers,
                          json=offer_body(team, **changes))
    return body["data"]


async def act(hub: Hub, headers: dict[str, str], offer_id: str, action: str, status: int = 200, **extra: Any) -> Any:
    return await hub.call("PATCH", f"/offers/{offer_id}", status=status, headers=headers,
                          json={"action": action, **extra})


# -- drafting --------------------------------------------------------------------------------


async def test_create_offer_is_a_draft_attributed_to_caller(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    assert offer["status"] == "draft" and offer["salary"] == 85000 and offer["currency"] == "USD"
    assert offer["createdBy"] == team.recruiter.id and offer["startDate"] == "2031-04-01"
    assert offer["hasLetter"] is False and offer["sentAt"] is None
    [activity] = await activities_of(hub, offer["id"])
    assert activity["action_type"] == "offer.created"


async def test_second_open_offer_for_an_application_is_conflict(hub: Hub, team: Team) -> None:
    first = await draft(hub, team)
    body = await hub.call("POST", "/offers", status=409, headers=team.recruiter.headers, json=offer_body(team))
    assert body["error"]["details"]["offerId"] == first["id"]
    await act(hub, team.recruiter.headers, first["id"], "withdraw")
    await draft(hub, team, salary=90000)  # a withdrawn offer no longer blocks a new one


async def test_offer_on_closed_application_is_rule_violation(hub: Hub, team: Team) -> None:
    withdrawn = await make_application(hub, team.agency, status="withdrawn")
    await hub.call("POST", "/offers", status=422, headers=team.recruiter.headers,
                   json=offer_body(team, applicationId=withdrawn.id))


async def test_create_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    for changes in (
        {"salary": "lots"},
        {"salary": -1},
        {"salary": 123.456},
        {"salary": 10**11},
        {"currency": "usd"},
        {"currency": "DOLLARS"},
        {"startDate": "next month"},
        {"terms": "x" * 20_001},
        {"applicationId": 7},
        {"status": "accepted"},
    ):
        body = await hub.call("POST", "/offers", status=400, headers=team.recruiter.headers,
                              json=offer_body(team, **changes))
        assert body["error"]["code"] == "VALIDATION_ERROR", changes
    missing = offer_body(team)
    del missing["salary"]
    await hub.call("POST", "/offers", status=400, headers=team.recruiter.headers, json=missing)


async def test_created_by_attribution(hub: Hub, team: Team) -> None:
    body = await hub.call("POST", "/offers", status=400, headers=team.recruiter.headers,
                          json=offer_body(team, createdBy=str(uuid.uuid4())))
    assert body["error"]["message"] == "Invalid recruiter ID" and body["error"]["details"]["field"] == "createdBy"
    other = await hub.agency("Other Agency")
    body = await hub.call("POST", "/offers", status=403, headers=team.recruiter.headers,
                          json=offer_body(team, createdBy=other.owner.id))
    assert body["error"]["message"] == "Recruiter does not belong to your agency"
    key = {"X-API-Key": await hub.api_key(team.agency)}
    body = await hub.call("POST", "/offers", status=400, headers=key, json=offer_body(team))
    assert body["error"]["details"]["field"] == "createdBy"
    made = await hub.call("POST", "/offers", status=201, headers=key,
                          json=offer_body(team, createdBy=team.agency.owner.id))
    assert made["data"]["createdBy"] == team.agency.owner.id


async def test_draft_can_be_edited_but_not_after_sending(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    path = f"/offers/{offer['id']}"
    edited = await hub.call("PATCH", path, status=200, headers=team.recruiter.headers,
                            json={"salary": "92000.50", "terms": "Hybrid"})
    assert edited["data"]["salary"] == 92000.5 and edited["data"]["terms"] == "Hybrid"
    await act(hub, team.recruiter.headers, offer["id"], "send")
    body = await hub.call("PATCH", path, status=422, headers=team.recruiter.headers, json={"salary": 1})
    assert body["error"]["code"] == "RULE_VIOLATED"


# -- the steps -------------------------------------------------------------------------------


async def test_send_emits_event_and_moves_application(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    sent = (await act(hub, team.recruiter.headers, offer["id"], "send"))["data"]
    assert sent["status"] == "sent" and sent["sentAt"] is not None
    [event] = await events_of(hub, "offer.sent")
    assert event["offerId"] == offer["id"] and event["candidateId"] == team.candidate.id and event["salary"] == 85000
    assert await application_status(hub, team.application.id) == "offer_sent"


async def test_candidate_accepts_sent_offer(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await act(hub, team.recruiter.headers, offer["id"], "send")
    accepted = (await act(hub, team.candidate.headers, offer["id"], "accept"))["data"]
    assert accepted["status"] == "accepted" and accepted["respondedAt"] is not None
    assert len(await events_of(hub, "offer.accepted")) == 1
    assert await application_status(hub, team.application.id) == "hired"
    actions = [a["action_type"] for a in await activities_of(hub, offer["id"])]
    assert actions == ["offer.created", "offer.sent", "offer.accepted"]


async def test_candidate_declines_with_reason(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await act(hub, team.recruiter.headers, offer["id"], "send")
    declined = (await act(hub, team.candidate.headers, offer["id"], "decline", reason="Took another role"))["data"]
    assert declined["status"] == "declined"
    [event] = await events_of(hub, "offer.declined")
    assert event["reason"] == "Took another role"


async def test_staff_cannot_accept_and_candidate_cannot_send(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await act(hub, team.recruiter.headers, offer["id"], "send")
    body = await act(hub, team.recruiter.headers, offer["id"], "accept", status=403)
    assert body["error"]["message"] == "Only the candidate can accept an offer"
    body = await act(hub, team.candidate.headers, offer["id"], "withdraw", status=403)
    assert body["error"]["message"] == "Only the agency can withdraw an offer"
    await hub.call("PATCH", f"/offers/{offer['id']}", status=403, headers=team.candidate.headers, json={"salary": 1})


async def test_illegal_transitions_are_rule_violations(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    h = team.recruiter.headers
    assert (await act(hub, h, offer["id"], "send"))["data"]["status"] == "sent"
    body = await act(hub, h, offer["id"], "send", status=422)  # sent -> sent
    assert body["error"]["details"] == {"status": "sent", "action": "send"}
    await act(hub, team.candidate.headers, offer["id"], "decline")
    await act(hub, team.candidate.headers, offer["id"], "accept", status=422)  # declined is final
    await act(hub, h, offer["id"], "withdraw", status=422)
    second = await draft(hub, team)
    await act(hub, h, second["id"], "withdraw")
    await act(hub, h, second["id"], "send", status=422)  # withdrawn is final
    assert len(await events_of(hub, "offer.withdrawn")) == 1


async def test_candidate_cannot_see_or_accept_a_draft(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await hub.call("GET", f"/offers/{offer['id']}", status=404, headers=team.candidate.headers)
    await act(hub, team.candidate.headers, offer["id"], "accept", status=404)
    listed = await hub.call("GET", "/offers", status=200, headers=team.candidate.headers)
    assert listed["data"] == []


async def test_another_candidate_cannot_see_or_answer_the_offer(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await act(hub, team.recruiter.headers, offer["id"], "send")
    stranger = await hub.candidate("Stan Stranger")
    await hub.call("GET", f"/offers/{offer['id']}", status=404, headers=stranger.headers)
    await act(hub, stranger.headers, offer["id"], "accept", status=404)
    mine = await hub.call("GET", f"/offers/{offer['id']}", status=200, headers=team.candidate.headers)
    assert mine["data"]["status"] == "sent"


async def test_patch_bad_input_is_validation_error(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    for patch in ({"action": "counter"}, {}, {"reason": "no action"}, {"action": "send", "reason": "why"},
                  {"currency": "euro"}, {"salary": [1]}):
        body = await hub.call("PATCH", f"/offers/{offer['id']}", status=400, headers=team.recruiter.headers, json=patch)
        assert body["error"]["code"] == "VALIDATION_ERROR", patch


async def test_interviewer_has_no_access_to_offers(hub: Hub, team: Team) -> None:
    await hub.call("GET", "/offers", status=403, headers=team.interviewer.headers)
    await hub.call("POST", "/offers", status=403, headers=team.interviewer.headers, json=offer_body(team))


# -- reading ---------------------------------------------------------------------------------


async def test_get_and_list_with_filters(hub: Hub, team: Team) -> None:
    first = await draft(hub, team)
    other = await make_application(hub, team.agency, status="interviewed")
    second = await draft(hub, team, applicationId=other.id)
    await act(hub, team.recruiter.headers, second["id"], "send")
    h = team.recruiter.headers
    got = await hub.call("GET", f"/offers/{first['id']}", status=200, headers=h)
    assert got["data"] == first
    assert ids(await hub.call("GET", "/offers", status=200, headers=h)) == {first["id"], second["id"]}
    assert ids(await hub.call("GET", "/offers?status=sent", status=200, headers=h)) == {second["id"]}
    assert ids(await hub.call("GET", "/offers?status=draft", status=200, headers=h)) == {first["id"]}
    assert ids(await hub.call("GET", f"/offers?applicationId={other.id}", status=200, headers=h)) == {second["id"]}
    paged = await hub.call("GET", "/offers?perPage=1&page=2", status=200, headers=h)
    assert paged["meta"] == {"page": 2, "perPage": 1, "total": 2, "totalPages": 2} and len(paged["data"]) == 1
    for query in ("status=pending", "applicationId=abc", "perPage=0"):
        await hub.call("GET", f"/offers?{query}", status=400, headers=h)


# -- letters ---------------------------------------------------------------------------------


async def test_upload_letter_then_candidate_downloads_it(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    status, body = await upload(hub, f"/offers/{offer['id']}/letter", team.recruiter.headers, PDF_BYTES,
                                filename="Offer letter – Cora.pdf")
    assert status == 201, body
    assert body["data"]["contentType"] == "application/pdf"
    await act(hub, team.recruiter.headers, offer["id"], "send")
    got = await hub.call("GET", f"/offers/{offer['id']}", status=200, headers=team.candidate.headers)
    assert got["data"]["hasLetter"] is True
    response = await hub.client.get(f"/api/v1/offers/{offer['id']}/letter", headers=team.candidate.headers)
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert await response.read() == PDF_BYTES


async def test_newest_letter_replaces_the_current_one(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    path = f"/offers/{offer['id']}/letter"
    await upload(hub, path, team.recruiter.headers, PDF_BYTES)
    status, _ = await upload(hub, path, team.recruiter.headers, docx_bytes(), filename="v2.docx",
                             content_type="application/octet-stream")
    assert status == 201
    response = await hub.client.get("/api/v1" + path, headers=team.recruiter.headers)
    assert await response.read() == docx_bytes()


async def test_letter_must_be_pdf_or_docx(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    for data, name in ((PNG_BYTES, "letter.png"), (b"plain words", "letter.txt"), (EXE_BYTES, "letter.pdf")):
        status, body = await upload(hub, f"/offers/{offer['id']}/letter", team.recruiter.headers, data, filename=name)
        assert status == 415 and body["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE", name
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    status, body = await upload(hub, f"/offers/{offer['id']}/letter", team.recruiter.headers, big)
    assert status == 413


async def test_letter_without_upload_is_not_found_and_closed_offer_refuses_one(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await hub.call("GET", f"/offers/{offer['id']}/letter", status=404, headers=team.recruiter.headers)
    await act(hub, team.recruiter.headers, offer["id"], "withdraw")
    status, body = await upload(hub, f"/offers/{offer['id']}/letter", team.recruiter.headers, PDF_BYTES)
    assert status == 422 and body["error"]["code"] == "RULE_VIOLATED"
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM attachments") == 0
    assert not [p for p in hub.app[STORAGE].root.rglob("*") if p.is_file()]  # the refused file was removed


async def test_candidate_cannot_upload_a_letter(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    status, _ = await upload(hub, f"/offers/{offer['id']}/letter", team.candidate.headers, PDF_BYTES)
    assert status == 403


# -- tenant isolation ------------------------------------------------------------------------


async def test_another_agency_sees_404_on_every_offer_route(hub: Hub, team: Team) -> None:
    offer = await draft(hub, team)
    await upload(hub, f"/offers/{offer['id']}/letter", team.recruiter.headers, PDF_BYTES)
    other = await hub.agency("Other Agency")
    key = {"X-API-Key": await hub.api_key(other)}
    base = f"/offers/{offer['id']}"
    for headers in (other.owner.headers, key):
        await hub.call("GET", base, status=404, headers=headers)
        await hub.call("PATCH", base, status=404, headers=headers, json={"action": "withdraw"})
        await hub.call("GET", f"{base}/letter", status=404, headers=headers)
        status, _ = await upload(hub, f"{base}/letter", headers, PDF_BYTES)
        assert status == 404
        listed = await hub.call("GET", "/offers", status=200, headers=headers)
        assert listed["data"] == [] and listed["meta"]["total"] == 0
        await hub.call("POST", "/offers", status=404, headers=headers,
                       json=offer_body(team, createdBy=other.owner.id))
    unchanged = await hub.call("GET", base, status=200, headers=team.recruiter.headers)
    assert unchanged["data"]["status"] == "draft"

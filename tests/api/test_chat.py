"""Chat over REST: who may start threads with whom, who sees them, masked sends, cursors."""

from __future__ import annotations

import uuid
from typing import Any

from hub.keys import DB
from hubtest import Agency, Hub, Person, seed_application


async def _thread(hub: Hub, creator: Person, participants: list[Person], status: int = 201, **extra: Any) -> Any:
    body = {"participantIds": [p.id for p in participants], **extra}
    return await hub.call("POST", "/chat/threads", status=status, headers=creator.headers, json=body)


async def _send(hub: Hub, person: Person, thread_id: str, content: str, status: int = 201, **extra: Any) -> Any:
    return await hub.call(
        "POST", f"/chat/threads/{thread_id}/messages", status=status, headers=person.headers, json={"content": content, **extra}
    )


async def _applicant(hub: Hub, agency: Agency) -> tuple[Person, dict[str, str]]:
    candidate = await hub.candidate()
    return candidate, await seed_application(hub, agency, candidate)


# -- creating threads ----------------------------------------------------------------------------


async def test_staff_thread_with_colleague_includes_creator_and_hides_emails(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter", name="Rita")
    body = await _thread(hub, agency.owner, [recruiter], subject="Hiring plan")
    thread = body["data"]
    assert thread["agencyId"] == agency.id and thread["subject"] == "Hiring plan"
    people = {p["id"]: p for p in thread["participants"]}
    assert set(people) == {agency.owner.id, recruiter.id}
    assert people[recruiter.id]["fullName"] == "Rita" and people[recruiter.id]["role"] == "recruiter"
    assert all(set(p) == {"id", "fullName", "role", "lastReadMessageId", "lastReadAt"} for p in thread["participants"])


async def test_staff_thread_about_an_application_takes_its_job(hub: Hub) -> None:
    agency = await hub.agency()
    candidate, ids = await _applicant(hub, agency)
    body = await _thread(hub, agency.owner, [candidate], applicationId=ids["applicationId"])
    assert body["data"]["applicationId"] == ids["applicationId"]
    assert body["data"]["jobId"] == ids["jobId"]


async def test_staff_cannot_contact_a_candidate_who_never_applied(hub: Hub) -> None:
    agency = await hub.agency()
    stranger = await hub.candidate()
    body = await _thread(hub, agency.owner, [stranger], status=404)
    assert body["error"]["code"] == "NOT_FOUND"


async def test_staff_cannot_contact_another_agencys_people(hub: Hub) -> None:
    a = await hub.agency("A")
    b = await hub.agency("B")
    await _thread(hub, a.owner, [b.owner], status=404)


async def test_application_of_another_agency_is_not_found(hub: Hub) -> None:
    a = await hub.agency("A")
    b = await hub.agency("B")
    candidate, ids = await _applicant(hub, b)
    await seed_application(hub, a, candidate, title="Other job")
    await _thread(hub, a.owner, [candidate], status=404, applicationId=ids["applicationId"])


async def test_job_that_does_not_match_the_application_is_refused(hub: Hub) -> None:
    agency = await hub.agency()
    candidate, ids = await _applicant(hub, agency)
    other = await seed_application(hub, agency, await hub.candidate(), title="Other")
    body = await _thread(hub, agency.owner, [candidate], status=422, applicationId=ids["applicationId"], jobId=other["jobId"])
    assert body["error"]["code"] == "RULE_VIOLATED"


async def test_a_thread_never_holds_two_candidates(hub: Hub) -> None:
    """So that a candidate never sees another candidate."""
    agency = await hub.agency()
    first, _ = await _applicant(hub, agency)
    second, _ = await _applicant(hub, agency)
    body = await _thread(hub, agency.owner, [first, second], status=422)
    assert body["error"]["code"] == "RULE_VIOLATED"


async def test_candidate_thread_belongs_to_the_agency_applied_to(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    candidate, _ = await _applicant(hub, agency)
    body = await _thread(hub, candidate, [recruiter])
    assert body["data"]["agencyId"] == agency.id
    assert {p["id"] for p in body["data"]["participants"]} == {candidate.id, recruiter.id}


async def test_candidate_cannot_contact_another_candidate(hub: Hub) -> None:
    agency = await hub.agency()
    candidate, _ = await _applicant(hub, agency)
    other, _ = await _applicant(hub, agency)
    await _thread(hub, candidate, [other], status=404)


async def test_candidate_cannot_contact_an_agency_not_applied_to(hub: Hub) -> None:
    applied = await hub.agency("Applied")
    elsewhere = await hub.agency("Elsewhere")
    candidate, _ = await _applicant(hub, applied)
    await _thread(hub, candidate, [elsewhere.owner], status=404)


async def test_candidate_thread_spanning_two_agencies_is_refused(hub: Hub) -> None:
    a = await hub.agency("A")
    b = await hub.agency("B")
    candidate, _ = await _applicant(hub, a)
    await seed_application(hub, b, candidate)
    body = await _thread(hub, candidate, [a.owner, b.owner], status=422)
    assert body["error"]["code"] == "RULE_VIOLATED"


async def test_candidate_cannot_use_someone_elses_application(hub: Hub) -> None:
    agency = await hub.agency()
    candidate, _ = await _applicant(hub, agency)
    _, theirs = await _applicant(hub, agency)
    await _thread(hub, candidate, [agency.owner], status=404, applicationId=theirs["applicationId"])


async def test_thread_with_only_the_creator_is_refused(hub: Hub) -> None:
    agency = await hub.agency()
    body = await _thread(hub, agency.owner, [agency.owner], status=400)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_api_key_cannot_create_threads(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency)
    body = await hub.call(
        "POST", "/chat/threads", status=403, headers={"X-API-Key": key}, json={"participantIds": [agency.owner.id]}
    )
    assert body["error"]["code"] == "FORBIDDEN"


async def test_key_without_chat_scope_is_refused(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, scopes=["jobs:read"])
    body = await hub.call("GET", "/chat/threads", status=403, headers={"X-API-Key": key})
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE"


async def test_create_thread_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    headers = agency.owner.headers
    for payload in (
        {},
        {"participantIds": []},
        {"participantIds": ["not-a-uuid"]},
        {"participantIds": "x"},
        {"participantIds": [agency.owner.id], "subject": "s" * 201},
        {"participantIds": [agency.owner.id], "unknown": 1},
    ):
        body = await hub.call("POST", "/chat/threads", status=400, headers=headers, json=payload)
        assert body["error"]["code"] == "VALIDATION_ERROR", payload
    body = await hub.call(
        "POST", "/chat/threads", status=400, headers={**headers, "Content-Type": "application/json"}, data=b"{nope"
    )
    assert body["error"]["code"] == "VALIDATION_ERROR"


# -- seeing threads ------------------------------------------------------------------------------


async def test_participants_and_agency_staff_see_a_thread_others_get_404(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    colleague = await hub.member(agency, "recruiter")
    interviewer = await hub.member(agency, "interviewer")
    candidate, _ = await _applicant(hub, agency)
    outsider_agency = await hub.agency("Other")
    other_candidate = await hub.candidate()
    thread_id = (await _thread(hub, recruiter, [candidate]))["data"]["id"]
    for person in (recruiter, candidate, colleague, agency.owner):
        await hub.call("GET", f"/chat/threads/{thread_id}", status=200, headers=person.headers)
    for person in (interviewer, outsider_agency.owner, other_candidate):
        body = await hub.call("GET", f"/chat/threads/{thread_id}", status=404, headers=person.headers)
        assert body["error"]["code"] == "NOT_FOUND"


async def test_unknown_and_malformed_thread_ids(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("GET", f"/chat/threads/{uuid.uuid4()}", status=404, headers=agency.owner.headers)
    body = await hub.call("GET", "/chat/threads/not-a-uuid", status=400, headers=agency.owner.headers)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_thread_list_has_unread_counts_last_message_and_pages(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    first = (await _thread(hub, agency.owner, [recruiter], subject="first"))["data"]["id"]
    second = (await _thread(hub, agency.owner, [recruiter], subject="second"))["data"]["id"]
    await _send(hub, agency.owner, first, "one")
    await _send(hub, agency.owner, first, "two")
    body = await hub.call("GET", "/chat/threads?perPage=1", status=200, headers=recruiter.headers)
    assert body["meta"] == {"page": 1, "perPage": 1, "total": 2, "totalPages": 2}
    latest = body["data"][0]
    assert latest["id"] == first and latest["unreadCount"] == 2 and latest["lastMessage"]["content"] == "two"
    mine = await hub.call("GET", "/chat/threads", status=200, headers=agency.owner.headers)
    assert {t["id"]: t["unreadCount"] for t in mine["data"]} == {first: 0, second: 0}


async def test_read_receipt_clears_unread_count(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    await _send(hub, agency.owner, thread_id, "one")
    last = (await _send(hub, agency.owner, thread_id, "two"))["data"]
    receipt = await hub.call(
        "POST", f"/chat/threads/{thread_id}/read", status=200, headers=recruiter.headers, json={"messageId": last["id"]}
    )
    assert receipt["data"]["messageId"] == last["id"] and receipt["data"]["userId"] == recruiter.id
    thread = await hub.call("GET", f"/chat/threads/{thread_id}", status=200, headers=recruiter.headers)
    assert thread["data"]["unreadCount"] == 0


async def test_api_key_lists_every_thread_of_its_agency(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    thread_id = (await _thread(hub, recruiter, [await hub.member(agency, "admin")]))["data"]["id"]
    other = await hub.agency("Other")
    await _thread(hub, other.owner, [await hub.member(other)])
    key = await hub.api_key(agency, scopes=["chat:read"])
    body = await hub.call("GET", "/chat/threads", status=200, headers={"X-API-Key": key})
    assert [t["id"] for t in body["data"]] == [thread_id]
    await _send(hub, agency.owner, thread_id, "hello")
    await hub.call(
        "POST", f"/chat/threads/{thread_id}/messages", status=403, headers={"X-API-Key": key}, json={"content": "x"}
    )


# -- sending -------------------------------------------------------------------------------------


async def test_sent_message_is_masked_and_only_the_masked_text_is_stored(hub: Hub) -> None:
    agency = await hub.agency()
    candidate, ids = await _applicant(hub, agency)
    thread_id = (await _thread(hub, agency.owner, [candidate], applicationId=ids["applicationId"]))["data"]["id"]
    original = "Call me on +91 98765 43210 or write to priya.sharma@gmail.com"
    message = (await _send(hub, candidate, thread_id, original))["data"]
    assert message["masked"] is True and set(message["maskedTypes"]) == {"PHONE", "EMAIL"}
    assert "98765" not in message["content"] and "priya" not in message["content"]
    assert "xxx@masked.com" in message["content"] and "3210" in message["content"]
    async with hub.app[DB].acquire() as conn:
        stored = await conn.fetchval("SELECT content FROM chat_messages WHERE id = $1", uuid.UUID(message["id"]))
        event = await conn.fetchrow("SELECT type, data FROM events WHERE type = 'chat.message.created'")
        everything = await conn.fetchval("SELECT string_agg(content, ' ') FROM chat_messages")
    assert stored == message["content"]
    assert event["data"]["content"] == message["content"] and event["data"]["applicationId"] == ids["applicationId"]
    assert "98765" not in everything and "priya" not in str(event["data"])


async def test_plain_message_is_not_marked_masked(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    message = (await _send(hub, agency.owner, thread_id, "See you at the interview tomorrow"))["data"]
    assert message["masked"] is False and message["maskedTypes"] == []
    assert message["content"] == "See you at the interview tomorrow" and message["senderId"] == agency.owner.id


async def test_same_client_msg_id_twice_stores_one_message(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    first = await _send(hub, agency.owner, thread_id, "hello", clientMsgId="m-1")
    again = await _send(hub, agency.owner, thread_id, "hello", status=200, clientMsgId="m-1")
    assert again["data"] == first["data"]
    history = await hub.call("GET", f"/chat/threads/{thread_id}/messages", status=200, headers=recruiter.headers)
    assert [m["id"] for m in history["data"]] == [first["data"]["id"]]


async def test_message_length_limit_is_4000_characters(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    await _send(hub, agency.owner, thread_id, "a" * 4000)
    body = await _send(hub, agency.owner, thread_id, "a" * 4001, status=413)
    assert body["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_send_rejects_bad_input(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    path = f"/chat/threads/{thread_id}/messages"
    for payload in ({}, {"content": 5}, {"content": "   "}, {"content": "x", "clientMsgId": ""}, {"content": "a\x00b"}):
        body = await hub.call("POST", path, status=400, headers=agency.owner.headers, json=payload)
        assert body["error"]["code"] == "VALIDATION_ERROR", payload
    body = await hub.call(
        "POST", path, status=400, headers={**agency.owner.headers, "Content-Type": "application/json"}, data=b'{"content": "\\ud800"}'
    )
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_outsiders_cannot_send_to_a_thread(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    other = await hub.agency("Other")
    await _send(hub, other.owner, thread_id, "hi", status=404)
    await _send(hub, await hub.candidate(), thread_id, "hi", status=404)
    await _send(hub, agency.owner, str(uuid.uuid4()), "hi", status=404)


async def test_agency_staff_who_reply_join_the_thread(hub: Hub) -> None:
    agency = await hub.agency()
    candidate, _ = await _applicant(hub, agency)
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, recruiter, [candidate]))["data"]["id"]
    await _send(hub, agency.owner, thread_id, "Covering for Rita today")
    thread = await hub.call("GET", f"/chat/threads/{thread_id}", status=200, headers=candidate.headers)
    assert agency.owner.id in {p["id"] for p in thread["data"]["participants"]}


async def test_send_rate_limit_answers_429_with_retry_after(make_hub: Any) -> None:
    hub = await make_hub(extra={"HUB_CHAT_SEND_LIMITS": "3/minute"})
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    for n in range(3):
        await _send(hub, agency.owner, thread_id, f"message {n}")
    response = await hub.client.post(
        f"/api/v1/chat/threads/{thread_id}/messages", headers=agency.owner.headers, json={"content": "one too many"}
    )
    assert response.status == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert (await response.json())["error"]["code"] == "RATE_LIMITED"
    await _send(hub, recruiter, thread_id, "others may still talk")


# -- history -------------------------------------------------------------------------------------


async def test_history_cursors_page_backwards_and_forwards(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    thread_id = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    ids = [(await _send(hub, agency.owner, thread_id, f"m{n}"))["data"]["id"] for n in range(5)]
    path = f"/chat/threads/{thread_id}/messages"
    newest = await hub.call("GET", f"{path}?limit=2", status=200, headers=recruiter.headers)
    assert [m["id"] for m in newest["data"]] == ids[3:] and newest["meta"] == {"limit": 2, "hasMore": True}
    older = await hub.call("GET", f"{path}?limit=2&before={ids[3]}", status=200, headers=recruiter.headers)
    assert [m["id"] for m in older["data"]] == ids[1:3] and older["meta"]["hasMore"] is True
    oldest = await hub.call("GET", f"{path}?limit=2&before={ids[1]}", status=200, headers=recruiter.headers)
    assert [m["id"] for m in oldest["data"]] == ids[:1] and oldest["meta"]["hasMore"] is False
    after = await hub.call("GET", f"{path}?limit=2&after={ids[0]}", status=200, headers=recruiter.headers)
    assert [m["id"] for m in after["data"]] == ids[1:3] and after["meta"]["hasMore"] is True
    between = await hub.call("GET", f"{path}?after={ids[0]}&before={ids[4]}", status=200, headers=recruiter.headers)
    assert [m["id"] for m in between["data"]] == ids[1:4] and between["meta"]["hasMore"] is False


async def test_history_cursor_of_another_thread_is_not_found(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency)
    one = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    two = (await _thread(hub, agency.owner, [recruiter]))["data"]["id"]
    foreign = (await _send(hub, agency.owner, two, "elsewhere"))["data"]["id"]
    await hub.call("GET", f"/chat/threads/{one}/messages?after={foreign}", status=404, headers=recruiter.headers)
    for query in ("limit=0", "limit=101", "before=nope"):
        body = await hub.call("GET", f"/chat/threads/{one}/messages?{query}", status=400, headers=recruiter.headers)
        assert body["error"]["code"] == "VALIDATION_ERROR"

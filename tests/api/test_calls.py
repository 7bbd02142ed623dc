"""Calls started from a chat thread: a room for the thread's people, announced in the thread."""

from __future__ import annotations

import uuid
from typing import Any

from hubtest import Hub, Person
from video_support import application_for, create_room, join


async def thread_with(hub: Hub, recruiter: Person, candidate: Person, application_id: str) -> str:
    body = await hub.call("POST", "/chat/threads", status=201, headers=recruiter.headers,
                          json={"participantIds": [candidate.id], "applicationId": application_id, "subject": "Next steps"})
    return body["data"]["id"]


async def scene(hub: Hub) -> tuple[Any, Person, Person, str, str]:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    candidate = await hub.candidate()
    application_id = await application_for(hub, agency.id, candidate)
    return agency, recruiter, candidate, application_id, await thread_with(hub, recruiter, candidate, application_id)


async def test_call_from_a_thread_invites_its_people_and_is_announced(hub: Hub) -> None:
    _, recruiter, candidate, application_id, thread_id = await scene(hub)
    body = await hub.call("POST", f"/chat/threads/{thread_id}/calls", status=201, headers=candidate.headers,
                          json={"callType": "screening"})
    call = body["data"]
    assert (call["threadId"], call["applicationId"], call["callType"]) == (thread_id, application_id, "screening")
    roles = {p["userId"]: p["authorizedRole"] for p in call["participants"]}
    assert roles == {recruiter.id: "host", candidate.id: "participant"}
    assert call["announcement"]["clientMsgId"] == f"video-call:{call['id']}"
    assert call["announcement"]["senderId"] == candidate.id

    messages = await hub.call("GET", f"/chat/threads/{thread_id}/messages", status=200, headers=recruiter.headers)
    assert [m["clientMsgId"] for m in messages["data"]] == [f"video-call:{call['id']}"]
    assert (await join(hub, recruiter, call["id"], "host"))["role"] == "host"
    assert (await join(hub, candidate, call["id"]))["role"] == "participant"
    seen = await hub.call("GET", f"/calls/{call['id']}", status=200, headers=candidate.headers)
    assert seen["data"]["id"] == call["id"] and seen["data"]["announcement"] is None


async def test_outsiders_cannot_start_or_see_a_call(hub: Hub) -> None:
    agency, recruiter, _, _, thread_id = await scene(hub)
    stranger = await hub.candidate("Stan Stranger")
    other_agency = await hub.agency("Elsewhere")
    for person in (stranger, other_agency.owner):
        await hub.call("POST", f"/chat/threads/{thread_id}/calls", status=404, headers=person.headers, json={})
    call = (await hub.call("POST", f"/chat/threads/{thread_id}/calls", status=201, headers=recruiter.headers, json={}))["data"]
    for person in (stranger, other_agency.owner):
        await hub.call("GET", f"/calls/{call['id']}", status=404, headers=person.headers)
    key = await hub.api_key(agency)
    refused = await hub.call("POST", f"/chat/threads/{thread_id}/calls", status=403, headers={"X-API-Key": key}, json={})
    assert refused["error"]["code"] == "NOT_A_PERSON"


async def test_a_room_not_opened_from_chat_is_not_a_call(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    await hub.call("GET", f"/calls/{room['id']}", status=404, headers=agency.owner.headers)
    await hub.call("GET", f"/calls/{uuid.uuid4()}", status=404, headers=agency.owner.headers)
    await hub.call("POST", f"/chat/threads/{uuid.uuid4()}/calls", status=404, headers=agency.owner.headers, json={})
    bad = await hub.call("POST", f"/chat/threads/{uuid.uuid4()}/calls", status=400, headers=agency.owner.headers,
                         json={"callType": "party"})
    assert bad["error"]["code"] == "VALIDATION_ERROR"


async def test_rooms_link_only_to_threads_of_their_agency(hub: Hub) -> None:
    agency, _, _, _, thread_id = await scene(hub)
    room = await create_room(hub, agency.owner, threadId=thread_id)
    assert room["threadId"] == thread_id
    elsewhere = await hub.agency("Elsewhere")
    body = await create_room(hub, elsewhere.owner, status=404, threadId=thread_id)
    assert body["error"]["details"]["field"] == "threadId"

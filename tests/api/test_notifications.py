"""Notifications: who is told about what, the live push over Socket.IO, reading and privacy."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import socketio
from hubtest import Hub, Person

from hub.events import Event
from hub.keys import DB, SIO
from hub.realtime.notifications import personal_room
from hub.services import notifications as notification_service
from tests.api.recruitment_helpers import Team, in_days, make_team

WAIT_SECONDS = 10.0  # the dispatcher wakes on NOTIFY; this only bounds a failure


@pytest.fixture
async def team(hub: Hub) -> Team:
    return await make_team(hub, status="interviewed")


async def notifications_of(hub: Hub, person: Person, query: str = "") -> dict[str, Any]:
    return await hub.call("GET", f"/notifications{query}", status=200, headers=person.headers)


async def wait_for_notifications(hub: Hub, person: Person, count: int = 1) -> list[dict[str, Any]]:
    """Poll until `person` has at least `count` notifications (events are dispatched asynchronously)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            body = await notifications_of(hub, person)
            if len(body["data"]) >= count:
                return body["data"]
            await asyncio.sleep(0.05)


async def dispatched(hub: Hub) -> None:
    """Wait until the dispatcher has handled every event so far."""
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            async with hub.app[DB].acquire() as conn:
                if not await conn.fetchval("SELECT count(*) FROM events WHERE dispatched_at IS NULL"):
                    return
            await asyncio.sleep(0.05)


async def schedule_interview(hub: Hub, team: Team) -> dict[str, Any]:
    body = await hub.call("POST", "/interviews", status=201, headers=team.recruiter.headers, json={
        "applicationId": team.application.id, "interviewType": "video", "scheduledAt": in_days(2),
        "durationMinutes": 30, "interviewerId": team.interviewer.id})
    return body["data"]


@asynccontextmanager
async def live_socket(hub: Hub, person: Person) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
    """A connected Socket.IO client of `person`; yields the queue its `notification:new` events land in."""
    received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    client = socketio.AsyncClient(reconnection=False)
    client.on("notification:new", received.put_nowait)
    await client.connect(hub.url, auth={"token": person.token}, transports=["websocket"])
    try:
        yield received
    finally:
        await client.disconnect()


# -- who is told ---------------------------------------------------------------------------


async def test_interview_scheduled_notifies_candidate_and_interviewer(hub: Hub, team: Team) -> None:
    interview = await schedule_interview(hub, team)
    [for_candidate] = await wait_for_notifications(hub, team.candidate)
    [for_interviewer] = await wait_for_notifications(hub, team.interviewer)
    for note in (for_candidate, for_interviewer):
        assert note["type"] == "interview.scheduled" and note["title"] == "Interview scheduled"
        assert note["data"]["interviewId"] == interview["id"] and note["readAt"] is None
        assert "Backend Engineer" in note["body"]
    assert (await notifications_of(hub, team.recruiter))["data"] == []


async def test_offer_sent_notifies_candidate_and_acceptance_notifies_its_author(hub: Hub, team: Team) -> None:
    offer = (await hub.call("POST", "/offers", status=201, headers=team.recruiter.headers, json={
        "applicationId": team.application.id, "salary": 85000, "currency": "USD"}))["data"]
    await hub.call("PATCH", f"/offers/{offer['id']}", status=200, headers=team.recruiter.headers,
                   json={"action": "send"})
    [sent] = await wait_for_notifications(hub, team.candidate)
    assert sent["type"] == "offer.sent" and sent["data"]["offerId"] == offer["id"]
    assert "85,000.00 USD" in sent["body"]
    await hub.call("PATCH", f"/offers/{offer['id']}", status=200, headers=team.candidate.headers,
                   json={"action": "accept"})
    [accepted] = await wait_for_notifications(hub, team.recruiter)
    assert accepted["type"] == "offer.accepted" and accepted["title"] == "Offer accepted"


async def test_onboarding_tasks_notify_the_candidate(hub: Hub, team: Team) -> None:
    await hub.call("POST", "/onboarding", status=201, headers=team.recruiter.headers,
                   json={"applicationId": team.application.id, "tasks": [{"title": "Sign"}, {"title": "Bank details"}]})
    [note] = await wait_for_notifications(hub, team.candidate)
    assert note["type"] == "onboarding.tasks.assigned" and note["body"].startswith("2 onboarding tasks")


async def test_chat_message_notifies_only_offline_participants(hub: Hub, team: Team) -> None:
    thread = (await hub.call("POST", "/chat/threads", status=201, headers=team.recruiter.headers, json={
        "participantIds": [team.candidate.id, team.interviewer.id], "applicationId": team.application.id}))["data"]
    async with live_socket(hub, team.candidate):
        await hub.call("POST", f"/chat/threads/{thread['id']}/messages", status=201, headers=team.recruiter.headers,
                       json={"content": "Can you do Tuesday at 10?"})
        [note] = await wait_for_notifications(hub, team.interviewer)
        await dispatched(hub)
    assert note["type"] == "chat.message.created" and note["body"] == "Can you do Tuesday at 10?"
    assert note["data"]["threadId"] == thread["id"] and note["title"] == "New message from Rita Recruiter"
    assert (await notifications_of(hub, team.candidate))["data"] == []  # online: the message itself reached them
    assert (await notifications_of(hub, team.recruiter))["data"] == []  # the sender


async def test_a_redispatched_event_notifies_nobody_twice(hub: Hub, team: Team) -> None:
    await schedule_interview(hub, team)
    await wait_for_notifications(hub, team.candidate)
    await dispatched(hub)
    async with hub.app[DB].acquire() as conn, conn.transaction():
        row = await conn.fetchrow("SELECT * FROM events WHERE type = 'interview.scheduled'")
        event = Event(row["id"], row["event_id"], row["agency_id"], row["type"], row["data"], row["created_at"])

        async def nobody_online(user_ids: list[uuid.UUID]) -> set[uuid.UUID]:
            return set(user_ids)

        assert await notification_service.notify(conn, event, nobody_online) == []
    assert len((await notifications_of(hub, team.candidate))["data"]) == 1


# -- the live push ---------------------------------------------------------------------------


async def test_notification_is_pushed_live_to_the_connected_person(hub: Hub, team: Team) -> None:
    async with live_socket(hub, team.candidate) as received:
        await schedule_interview(hub, team)
        pushed = await asyncio.wait_for(received.get(), WAIT_SECONDS)
    assert pushed["type"] == "interview.scheduled" and pushed["title"] == "Interview scheduled"
    [stored] = (await notifications_of(hub, team.candidate))["data"]
    assert pushed == stored


async def test_push_goes_only_to_its_person(hub: Hub, team: Team) -> None:
    bystander = await hub.member(team.agency, "recruiter", name="Bea Bystander")
    async with live_socket(hub, bystander) as received:
        await schedule_interview(hub, team)
        await wait_for_notifications(hub, team.candidate)
        await dispatched(hub)
        assert received.empty()


async def test_connected_socket_joins_its_personal_room(hub: Hub, team: Team) -> None:
    room = personal_room(uuid.UUID(team.interviewer.id))
    async with live_socket(hub, team.interviewer):
        assert len(list(hub.app[SIO].manager.get_participants("/", room))) == 1
    async with asyncio.timeout(WAIT_SECONDS):  # the server sees the disconnect a moment later
        while list(hub.app[SIO].manager.get_participants("/", room)):
            await asyncio.sleep(0.05)


# -- reading ---------------------------------------------------------------------------------


async def test_unread_filter_mark_read_and_pagination(hub: Hub, team: Team) -> None:
    await schedule_interview(hub, team)
    await hub.call("POST", "/onboarding", status=201, headers=team.recruiter.headers,
                   json={"applicationId": team.application.id, "tasks": [{"title": "Sign"}]})
    first, second = await wait_for_notifications(hub, team.candidate, 2)
    assert first["type"] == "onboarding.tasks.assigned"  # newest first
    read = await hub.call("PATCH", f"/notifications/{second['id']}/read", status=200, headers=team.candidate.headers)
    assert read["data"]["readAt"] is not None
    again = await hub.call("PATCH", f"/notifications/{second['id']}/read", status=200, headers=team.candidate.headers)
    assert again["data"]["readAt"] == read["data"]["readAt"]
    unread = await notifications_of(hub, team.candidate, "?unread=true")
    assert [n["id"] for n in unread["data"]] == [first["id"]] and unread["meta"]["total"] == 1
    already = await notifications_of(hub, team.candidate, "?unread=false")
    assert [n["id"] for n in already["data"]] == [second["id"]]
    paged = await notifications_of(hub, team.candidate, "?perPage=1&page=2")
    assert paged["meta"] == {"page": 2, "perPage": 1, "total": 2, "totalPages": 2}
    assert [n["id"] for n in paged["data"]] == [second["id"]]
    for query in ("?unread=perhaps", "?perPage=500"):
        await hub.call("GET", f"/notifications{query}", status=400, headers=team.candidate.headers)


async def test_read_all_marks_every_unread_one(hub: Hub, team: Team) -> None:
    await schedule_interview(hub, team)
    await wait_for_notifications(hub, team.candidate)
    body = await hub.call("POST", "/notifications/read-all", status=200, headers=team.candidate.headers)
    assert body["data"] == {"updated": 1}
    assert (await notifications_of(hub, team.candidate, "?unread=true"))["data"] == []


async def test_a_person_sees_and_marks_only_their_own(hub: Hub, team: Team) -> None:
    await schedule_interview(hub, team)
    [mine] = await wait_for_notifications(hub, team.candidate)
    other = await hub.agency("Other Agency")
    for stranger in (team.recruiter, other.owner, await hub.candidate("Stan Stranger")):
        await hub.call("PATCH", f"/notifications/{mine['id']}/read", status=404, headers=stranger.headers)
        assert mine["id"] not in {n["id"] for n in (await notifications_of(hub, stranger))["data"]}
    still = await notifications_of(hub, team.candidate, "?unread=true")
    assert [n["id"] for n in still["data"]] == [mine["id"]]
    await hub.call("PATCH", f"/notifications/{uuid.uuid4()}/read", status=404, headers=team.candidate.headers)
    await hub.call("PATCH", "/notifications/nope/read", status=400, headers=team.candidate.headers)


async def test_api_keys_have_no_notifications(hub: Hub, team: Team) -> None:
    key = {"X-API-Key": await hub.api_key(team.agency)}
    body = await hub.call("GET", "/notifications", status=403, headers=key)
    assert body["error"]["code"] == "FORBIDDEN"

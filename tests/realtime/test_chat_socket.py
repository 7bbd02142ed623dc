"""Chat over real Socket.IO connections: join, send, receipts, typing, limits, recovery."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
import socketio

from hub.keys import DB
from hubtest import Hub
from socketkit import ChatScene, Client, chat_scene, connected, new_msg_id


async def _joined(hub: Hub, scene: ChatScene) -> tuple[Client, Client]:
    recruiter = await connected(hub.url, scene.recruiter)
    candidate = await connected(hub.url, scene.candidate)
    for client in (recruiter, candidate):
        await client.ok("thread:join", {"threadId": scene.thread_id})
    return recruiter, candidate


def _send(thread_id: str, content: str, client_msg_id: str | None = None) -> dict[str, Any]:
    return {"threadId": thread_id, "clientMsgId": client_msg_id or new_msg_id(), "content": content}


async def test_connect_without_token_is_refused(hub: Hub) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client(hub.url, None).connect()


async def test_connect_with_bad_token_is_refused(hub: Hub) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await Client(hub.url, "not-a-jwt").connect()


async def test_join_answers_thread_latest_messages_and_presence(hub: Hub) -> None:
    scene = await chat_scene(hub)
    await hub.call("POST", f"/chat/threads/{scene.thread_id}/messages", status=201,
                   headers=scene.recruiter.headers, json={"content": "Welcome!"})
    recruiter = await connected(hub.url, scene.recruiter)
    data = await recruiter.ok("thread:join", {"threadId": scene.thread_id})
    assert data["thread"]["id"] == scene.thread_id
    assert {p["id"] for p in data["thread"]["participants"]} == {scene.recruiter.id, scene.candidate.id}
    assert all("email" not in p for p in data["thread"]["participants"])
    assert [m["content"] for m in data["messages"]] == ["Welcome!"] and data["hasMore"] is False
    presence = {p["userId"]: p["status"] for p in data["presence"]}
    assert presence == {scene.recruiter.id: "online", scene.candidate.id: "offline"}
    await recruiter.close()


async def test_masked_message_reaches_other_members_and_is_stored_before_the_ack(hub: Hub) -> None:
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    ack = await candidate.call("message:send", _send(scene.thread_id, "my number is 415-555-0134, mail me at a.b@example.org"))
    assert ack["ok"], ack
    message = ack["data"]
    assert message["masked"] is True and "555-0134" not in message["content"] and "a.b@" not in message["content"]
    assert set(message) >= {"id", "threadId", "senderId", "content", "masked", "createdAt", "clientMsgId"}
    async with hub.app[DB].acquire() as conn:  # acknowledged means committed
        stored = await conn.fetchval("SELECT content FROM chat_messages WHERE id = $1", uuid.UUID(message["id"]))
    assert stored == message["content"]
    assert await recruiter.next("message:new") == message
    await candidate.nothing("message:new")  # the sender has the ack, not an echo
    await recruiter.close()
    await candidate.close()


async def test_same_client_msg_id_twice_is_one_message(hub: Hub) -> None:
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    payload = _send(scene.thread_id, "hello there", "retry-1")
    first = await candidate.ok("message:send", payload)
    second = await candidate.ok("message:send", payload)
    assert second == first
    assert (await recruiter.next("message:new"))["id"] == first["id"]
    await recruiter.nothing("message:new")
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM chat_messages WHERE thread_id = $1", uuid.UUID(scene.thread_id)) == 1
    await recruiter.close()
    await candidate.close()


async def test_bad_events_get_error_acks_and_the_connection_stays_open(hub: Hub) -> None:
    scene = await chat_scene(hub)
    other = await hub.agency("Other")
    foreign = (await hub.call("POST", "/chat/threads", status=201, headers=other.owner.headers,
                              json={"participantIds": [(await hub.member(other)).id]}))["data"]["id"]
    client = await connected(hub.url, scene.candidate)
    cases = [
        ({"threadId": scene.thread_id, "content": "no client id"}, "VALIDATION_ERROR"),
        ({"threadId": "nope", "clientMsgId": "a", "content": "x"}, "VALIDATION_ERROR"),
        ({"threadId": scene.thread_id, "clientMsgId": "a", "content": 42}, "VALIDATION_ERROR"),
        ("just a string", "VALIDATION_ERROR"),
        (_send(scene.thread_id, "   "), "VALIDATION_ERROR"),
        (_send(scene.thread_id, "nul\x00byte"), "VALIDATION_ERROR"),
        (_send(scene.thread_id, "x" * 4001), "PAYLOAD_TOO_LARGE"),
        (_send(str(uuid.uuid4()), "hello"), "NOT_FOUND"),
        (_send(foreign, "hello"), "NOT_FOUND"),
    ]
    for payload, code in cases:
        ack = await client.call("message:send", payload)
        assert ack["ok"] is False and ack["error"]["code"] == code, (payload, ack)
        assert ack["error"]["message"]
    for event, payload in (("thread:join", {}), ("thread:join", {"threadId": foreign}), ("message:read", {"threadId": scene.thread_id})):
        ack = await client.call(event, payload)
        assert ack["ok"] is False and ack["error"]["code"] in {"VALIDATION_ERROR", "NOT_FOUND"}, (event, ack)
    assert client.sio.connected
    await client.ok("message:send", _send(scene.thread_id, "still here"))
    await client.close()


async def test_rate_limit_is_acked_without_disconnecting(make_hub: Any) -> None:
    hub = await make_hub(extra={"HUB_CHAT_SEND_LIMITS": "3/minute"})
    scene = await chat_scene(hub)
    client = await connected(hub.url, scene.candidate)
    for n in range(3):
        await client.ok("message:send", _send(scene.thread_id, f"message {n}"))
    ack = await client.call("message:send", _send(scene.thread_id, "one too many"))
    assert ack["ok"] is False and ack["error"]["code"] == "RATE_LIMITED" and "wait" in ack["error"]["message"]
    assert client.sio.connected
    await client.ok("thread:join", {"threadId": scene.thread_id})
    await client.close()


async def test_people_outside_the_thread_cannot_join(hub: Hub) -> None:
    scene = await chat_scene(hub)
    interviewer = await hub.member(scene.agency, "interviewer")
    for person in (await hub.candidate(), (await hub.agency("Other")).owner, interviewer):
        client = await connected(hub.url, person)
        ack = await client.call("thread:join", {"threadId": scene.thread_id})
        assert ack["ok"] is False and ack["error"]["code"] == "NOT_FOUND"
        await client.close()
    owner = await connected(hub.url, scene.agency.owner)  # agency staff may look in
    await owner.ok("thread:join", {"threadId": scene.thread_id})
    await owner.close()


async def test_read_receipt_is_broadcast_to_the_thread(hub: Hub) -> None:
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    message = await recruiter.ok("message:send", _send(scene.thread_id, "Are you free on Monday?"))
    await candidate.next("message:new")
    assert await candidate.ok("message:read", {"threadId": scene.thread_id, "messageId": message["id"]}) == {}
    receipt = await recruiter.next("message:read")
    assert receipt["threadId"] == scene.thread_id and receipt["messageId"] == message["id"]
    assert receipt["userId"] == scene.candidate.id and receipt["readAt"].endswith("Z")
    await candidate.nothing("message:read")
    await recruiter.close()
    await candidate.close()


async def test_typing_reaches_others_and_repeats_are_throttled(hub: Hub) -> None:
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    for _ in range(5):
        assert await candidate.ok("typing", {"threadId": scene.thread_id, "isTyping": True}) == {}
    assert await recruiter.next("typing") == {"threadId": scene.thread_id, "userId": scene.candidate.id, "isTyping": True}
    await recruiter.nothing("typing")  # four repeats within the second were dropped
    await candidate.ok("typing", {"threadId": scene.thread_id, "isTyping": False})
    assert (await recruiter.next("typing"))["isTyping"] is False
    await candidate.nothing("typing")
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM chat_messages") == 0
    await recruiter.close()
    await candidate.close()


async def test_typing_needs_a_joined_thread(hub: Hub) -> None:
    scene = await chat_scene(hub)
    client = await connected(hub.url, scene.candidate)
    ack = await client.call("typing", {"threadId": scene.thread_id, "isTyping": True})
    assert ack["ok"] is False and ack["error"]["code"] == "NOT_FOUND"
    await client.close()


async def test_leaving_a_thread_stops_its_messages(hub: Hub) -> None:
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    await recruiter.ok("thread:leave", {"threadId": scene.thread_id})
    await candidate.ok("message:send", _send(scene.thread_id, "anyone there?"))
    await recruiter.nothing("message:new")
    await recruiter.close()
    await candidate.close()


async def test_rest_sends_reach_socket_members(hub: Hub) -> None:
    scene = await chat_scene(hub)
    candidate = await connected(hub.url, scene.candidate)
    await candidate.ok("thread:join", {"threadId": scene.thread_id})
    body = await hub.call("POST", f"/chat/threads/{scene.thread_id}/messages", status=201,
                          headers=scene.recruiter.headers, json={"content": "Sent from the web app"})
    assert await candidate.next("message:new") == body["data"]
    await candidate.close()


async def test_rejoin_with_after_returns_exactly_the_missed_messages(hub: Hub) -> None:
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    seen = await candidate.ok("message:send", _send(scene.thread_id, "before the drop"))
    await recruiter.next("message:new")
    await recruiter.close()  # the network goes away
    missed = [(await candidate.ok("message:send", _send(scene.thread_id, f"missed {n}")))["id"] for n in range(3)]
    recruiter = await connected(hub.url, scene.recruiter)
    data = await recruiter.ok("thread:join", {"threadId": scene.thread_id, "after": seen["id"]})
    assert [m["id"] for m in data["messages"]] == missed and data["hasMore"] is False
    live = await candidate.ok("message:send", _send(scene.thread_id, "after the rejoin"))
    assert (await recruiter.next("message:new"))["id"] == live["id"]
    await recruiter.close()
    await candidate.close()


async def test_acked_message_survives_a_hub_restart(make_hub: Any) -> None:
    first = await make_hub()
    scene = await chat_scene(first)
    client = await connected(first.url, scene.candidate)
    message = await client.ok("message:send", _send(scene.thread_id, "Please keep this"))
    await client.close()
    await first.client.close()  # the process stops
    second = await make_hub()  # a new one on the same database
    history = await second.call("GET", f"/chat/threads/{scene.thread_id}/messages", status=200,
                                headers=scene.recruiter.headers)
    assert history["data"] == [message]


async def test_chat_and_presence_work_through_redis(make_hub: Any, redis_server: Any) -> None:
    """One hub with REDIS_URL: the Redis manager, presence store and limits storage."""
    hub = await make_hub(redis_url=redis_server.url, extra={"HUB_CHAT_SEND_LIMITS": "2/minute"})
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    sent = await candidate.ok("message:send", _send(scene.thread_id, "call 020 7946 0958"))
    assert (await recruiter.next("message:new"))["id"] == sent["id"] and sent["masked"] is True
    await candidate.ok("message:send", _send(scene.thread_id, "second"))
    limited = await candidate.call("message:send", _send(scene.thread_id, "third"))
    assert limited["error"]["code"] == "RATE_LIMITED"
    states = await recruiter.ok("presence:subscribe", {"userIds": [scene.candidate.id]})
    assert states[0]["status"] == "online"
    await candidate.close()
    update = await recruiter.next("presence:update")
    assert update["userId"] == scene.candidate.id and update["status"] == "offline"
    await recruiter.close()


async def test_the_original_text_never_reaches_a_log(hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    scene = await chat_scene(hub)
    recruiter, candidate = await _joined(hub, scene)
    secret_phone, secret_mail = "+1 (646) 555-0199", "leaky.candidate@protonmail.com"
    await candidate.ok("message:send", _send(scene.thread_id, f"text me {secret_phone} or {secret_mail}"))
    await hub.call("POST", f"/chat/threads/{scene.thread_id}/messages", status=201, headers=scene.candidate.headers,
                   json={"content": f"again: {secret_mail}"})
    await candidate.call("message:send", _send(scene.thread_id, f"{secret_mail} " + "x" * 4000))  # refused, too long
    await recruiter.next("message:new")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records  # the hub did log (requests, SQL-free lines), just not the secrets
    assert "646) 555-0199" not in logged and "leaky.candidate" not in logged
    await recruiter.close()
    await candidate.close()

"""Video invitations: e-mailed through a local aiosmtpd server, single-use links, tracking,
resend and revoke."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any
from urllib.parse import unquote

import pytest
from aiosmtpd.controller import Controller

from hub.keys import DB
from hubtest import Hub
from video_support import create_room

ACCEPT = "/video/invitations/accept"


class Mailbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    async def wait_for(self, count: int, timeout: float = 15) -> list[Message]:
        async with asyncio.timeout(timeout):
            while len(self.messages) < count:
                await asyncio.sleep(0.05)
        return self.messages


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on 127.0.0.1 and a random port."""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
async def mail_hub(make_hub: Callable[..., Awaitable[Hub]], smtp: tuple[Mailbox, int]) -> AsyncIterator[Hub]:
    """A hub that sends mail through the local SMTP server (its in-process worker runs mail.send)."""
    yield await make_hub(smtp_url=f"smtp://127.0.0.1:{smtp[1]}", workers=1, public_url="https://hub.example.com")


def link_token(message: Message) -> str:
    body = message.get_payload(decode=True).decode()
    match = re.search(r"https://hub\.example\.com/api/v1/video/invitations/accept\?token=(\S+)", body)
    assert match, body
    return unquote(match.group(1))


async def invite(hub: Hub, headers: dict[str, str], room_id: str, status: int = 201, **fields: Any) -> dict[str, Any]:
    body = await hub.call("POST", "/video/invitations", status=status, headers=headers,
                          json={"roomId": room_id, "email": "guest@example.org", **fields})
    return body["data"] if status == 201 else body


async def test_invitation_is_mailed_and_its_link_works_once(mail_hub: Hub, smtp: tuple[Mailbox, int]) -> None:
    """Delivered over SMTP to aiosmtpd; the link's token is exchanged for a join token once."""
    mailbox, _ = smtp
    agency = await mail_hub.agency()
    room = await create_room(mail_hub, agency.owner, callType="final", scheduledFor="2031-03-04T15:30:00Z")
    invitation = await invite(mail_hub, agency.owner.headers, room["id"], name="Gus Guest")
    assert invitation["status"] == "sent" and invitation["inviteUrl"] is None

    [message] = await mailbox.wait_for(1)
    assert message["To"] == "guest@example.org" and "final interview" in message["Subject"]
    assert "2031-03-04 15:30 UTC" in message.get_payload(decode=True).decode()
    token = link_token(message)

    ticket = (await mail_hub.call("POST", ACCEPT, status=200, json={"token": token}))["data"]
    assert (ticket["identity"], ticket["role"], ticket["provider"]) == (invitation["id"], "participant", "mesh")
    again = await mail_hub.call("POST", ACCEPT, status=409, json={"token": token})
    assert again["error"]["code"] == "INVITATION_USED"

    tracked = await mail_hub.call("GET", f"/video/invitations/{invitation['id']}", status=200, headers=agency.owner.headers)
    assert tracked["data"]["status"] == "accepted" and tracked["data"]["mailStatus"] == "sent"
    assert tracked["data"]["clickedAt"] and tracked["data"]["acceptedAt"]


async def test_opening_the_link_records_a_click_without_spending_it(mail_hub: Hub, smtp: tuple[Mailbox, int]) -> None:
    mailbox, _ = smtp
    agency = await mail_hub.agency()
    room = await create_room(mail_hub, agency.owner)
    invitation = await invite(mail_hub, agency.owner.headers, room["id"], role="observer")
    token = link_token((await mailbox.wait_for(1))[0])
    for _ in range(2):  # a mail scanner and then the person
        preview = (await mail_hub.call("GET", ACCEPT, status=200, params={"token": token}))["data"]
        assert (preview["invitationId"], preview["role"], preview["status"]) == (invitation["id"], "observer", "clicked")
    assert "token" not in preview
    ticket = (await mail_hub.call("POST", ACCEPT, status=200, json={"token": token}))["data"]
    assert ticket["role"] == "observer"


async def test_resend_mails_a_new_link_and_kills_the_old_one(mail_hub: Hub, smtp: tuple[Mailbox, int]) -> None:
    mailbox, _ = smtp
    agency = await mail_hub.agency()
    room = await create_room(mail_hub, agency.owner)
    invitation = await invite(mail_hub, agency.owner.headers, room["id"])
    old = link_token((await mailbox.wait_for(1))[0])
    resent = await mail_hub.call("POST", f"/video/invitations/{invitation['id']}/resend", status=200,
                                 headers=agency.owner.headers)
    assert resent["data"]["sendCount"] == 2
    new = link_token((await mailbox.wait_for(2))[1])
    assert new != old
    await mail_hub.call("POST", ACCEPT, status=404, json={"token": old})
    await mail_hub.call("POST", ACCEPT, status=200, json={"token": new})
    body = await mail_hub.call("POST", f"/video/invitations/{invitation['id']}/resend", status=409, headers=agency.owner.headers)
    assert body["error"]["code"] == "INVITATION_USED"


async def test_link_returned_when_the_hub_does_not_mail_it(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    invitation = await invite(hub, agency.owner.headers, room["id"], sendEmail=False)
    assert invitation["status"] == "pending" and invitation["mailStatus"] is None
    token = unquote(invitation["inviteUrl"].split("token=", 1)[1])
    assert "/api/v1/video/invitations/accept?token=" in invitation["inviteUrl"]
    await hub.call("POST", ACCEPT, status=200, json={"token": token})
    listed = await hub.call("GET", "/video/invitations", status=200, headers=agency.owner.headers, params={"roomId": room["id"]})
    assert [i["status"] for i in listed["data"]] == ["accepted"]
    assert all(i["inviteUrl"] is None for i in listed["data"])  # never shown again
    async with hub.app[DB].acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM mail_outbox") == 0


async def test_revoked_invitation_cannot_be_used(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    invitation = await invite(hub, agency.owner.headers, room["id"], sendEmail=False)
    token = unquote(invitation["inviteUrl"].split("token=", 1)[1])
    revoked = await hub.call("DELETE", f"/video/invitations/{invitation['id']}", status=200, headers=agency.owner.headers)
    assert revoked["data"]["status"] == "revoked"
    body = await hub.call("POST", ACCEPT, status=409, json={"token": token})
    assert body["error"]["code"] == "INVITATION_REVOKED"


async def test_revoking_after_acceptance_removes_the_guest(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    invitation = await invite(hub, agency.owner.headers, room["id"], sendEmail=False)
    await hub.call("POST", ACCEPT, status=200, json={"token": unquote(invitation["inviteUrl"].split("token=", 1)[1])})
    await hub.call("DELETE", f"/video/invitations/{invitation['id']}", status=200, headers=agency.owner.headers)
    participants = await hub.call("GET", f"/video/rooms/{room['id']}/participants", status=200, headers=agency.owner.headers)
    [guest] = participants["data"]
    assert (guest["identity"], guest["invitationId"], guest["status"]) == (invitation["id"], invitation["id"], "removed")


async def test_expired_invitation_is_refused(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    invitation = await invite(hub, agency.owner.headers, room["id"], sendEmail=False)
    async with hub.app[DB].acquire() as conn:
        await conn.execute("UPDATE video_invitations SET expires_at = $1", datetime.now(UTC) - timedelta(minutes=1))
    body = await hub.call("POST", ACCEPT, status=422, json={"token": unquote(invitation["inviteUrl"].split("token=", 1)[1])})
    assert body["error"]["code"] == "INVITATION_EXPIRED"


async def test_invitation_link_expires_with_the_room(hub: Hub) -> None:
    agency = await hub.agency()
    ends_at = datetime.now(UTC) + timedelta(hours=2)
    room = await create_room(hub, agency.owner, endsAt=ends_at.isoformat())
    invitation = await invite(hub, agency.owner.headers, room["id"], sendEmail=False)
    assert datetime.fromisoformat(invitation["expiresAt"]) <= ends_at


@pytest.mark.parametrize("token", ["no-such-token", "x" * 129, ""])
async def test_unknown_or_malformed_link_tokens(hub: Hub, token: str) -> None:
    status = 404 if token == "no-such-token" else 400
    await hub.call("POST", ACCEPT, status=status, json={"token": token})
    await hub.call("GET", ACCEPT, status=status, params={"token": token})


@pytest.mark.parametrize(
    "fields", [{"role": "host"}, {"email": "not-an-email"}, {"sendEmail": "no"}, {"name": "n" * 201}, {"roomId": "r1"}]
)
async def test_invalid_invitation_fields(hub: Hub, fields: dict[str, Any]) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    body = await invite(hub, agency.owner.headers, room["id"], status=400, **fields)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_only_staff_of_the_rooms_agency_invite(hub: Hub) -> None:
    a, b = await hub.agency("A"), await hub.agency("B")
    room = await create_room(hub, a.owner)
    await invite(hub, b.owner.headers, room["id"], status=404)
    await hub.call("GET", "/video/invitations", status=404, headers=b.owner.headers, params={"roomId": room["id"]})
    candidate = await hub.candidate()
    body = await invite(hub, candidate.headers, room["id"], status=403)
    assert body["error"]["code"] == "STAFF_ONLY"
    mine = await invite(hub, a.owner.headers, room["id"], sendEmail=False)
    await hub.call("GET", f"/video/invitations/{mine['id']}", status=404, headers=b.owner.headers)
    await hub.call("DELETE", f"/video/invitations/{mine['id']}", status=404, headers=b.owner.headers)


async def test_ended_room_takes_no_invitations(hub: Hub) -> None:
    agency = await hub.agency()
    room = await create_room(hub, agency.owner)
    await hub.call("DELETE", f"/video/rooms/{room['id']}", status=200, headers=agency.owner.headers)
    body = await invite(hub, agency.owner.headers, room["id"], status=422)
    assert body["error"]["code"] == "ROOM_ENDED"

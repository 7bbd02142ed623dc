"""Offer rules: one open offer per application, who may take each step, the events.

    draft --send (staff)------> sent --accept (candidate)--> accepted
                                     --decline (candidate)-> declined
    draft | sent --withdraw (staff)--> withdrawn
accepted, declined and withdrawn are final. Terms can be edited only while the offer is a draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from media.storage import LocalStorage

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record, transaction
from ..errors import Conflict, Forbidden, NotFound, RuleViolated
from ..events import emit
from ..storage import attachments as attachment_store
from ..storage import offers as offer_store
from ..storage.audience import Audience, audience_of
from ..uploads import Upload
from .actors import acting_recruiter
from .attachments import record_attachment, storage_prefix, stored_file
from .lifecycle import advance_application, application_for_update, event_data, require_active, require_not_closed

# action -> (statuses it may start from, status it leads to, event, who may take it)
TRANSITIONS: dict[str, tuple[frozenset[str], str, str, str]] = {
    "send": (frozenset({"draft"}), "sent", "offer.sent", "staff"),
    "accept": (frozenset({"sent"}), "accepted", "offer.accepted", "candidate"),
    "decline": (frozenset({"sent"}), "declined", "offer.declined", "candidate"),
    "withdraw": (frozenset({"draft", "sent"}), "withdrawn", "offer.withdrawn", "staff"),
}
EDITABLE = ("salary", "currency", "start_date", "terms")
LETTER_OWNER = "offer_letter"


@dataclass(frozen=True)
class OfferChange:
    action: str | None = None
    salary: Decimal | None = None
    currency: str | None = None
    start_date: date | None = None
    terms: str | None = None
    reason: str | None = None  # why it was declined or withdrawn; kept in the event and the activity log

    @property
    def edits(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE if getattr(self, name) is not None}


async def create(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_id: UUID,
    salary: Decimal,
    currency: str,
    start_date: date | None,
    terms: str | None,
    created_by: UUID | None,
) -> Record:
    """A draft offer; 409 while the application already has a draft or sent one."""
    agency_id = principal.require_agency()
    application = await application_for_update(conn, agency_id, application_id)
    require_active(application, "make an offer")
    author = await acting_recruiter(conn, principal, agency_id, created_by, field="createdBy")
    existing = await offer_store.open_offer_of(conn, application_id)
    if existing is not None:
        raise Conflict(
            f"The application already has a {existing['status']} offer",
            details={"offerId": str(existing["id"]), "status": existing["status"]},
        )
    offer_id = await offer_store.insert(
        conn,
        agency_id=agency_id,
        application_id=application_id,
        salary=salary,
        currency=currency,
        start_date=start_date,
        terms=terms,
        created_by=author,
    )
    offer = await _reload(conn, agency_id, offer_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        "offer.created",
        f"Offer drafted: {salary} {currency} ({offer['job_title']})",
        subject_type="offer",
        subject_id=offer_id,
        metadata={"applicationId": str(application_id), "createdBy": str(author)},
    )
    return offer


async def get(conn: asyncpg.Connection, principal: Principal, offer_id: UUID) -> Record:
    return await _visible(conn, principal, offer_id)


async def list_page(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    status: str | None,
    application_id: UUID | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    return await offer_store.list_page(
        conn, audience_of(principal), status=status, application_id=application_id, limit=limit, offset=offset
    )


async def change(conn: asyncpg.Connection, principal: Principal, offer_id: UUID, change: OfferChange) -> Record:
    """Edit a draft and/or take one step; 403 for a step that is not the caller's, 422 for an illegal one."""
    offer = await _visible(conn, principal, offer_id, for_update=True)
    agency_id = offer["agency_id"]
    status = offer["status"]
    updates: dict[str, Any] = {}
    if change.edits:
        if not principal.is_staff:
            raise Forbidden("Only the agency can edit an offer")
        if status != "draft":
            raise RuleViolated(f"Only a draft offer can be edited; this one is {status}", details={"status": status})
        updates.update(change.edits)
    event_type: str | None = None
    if change.action is not None:
        allowed_from, to_status, event_type, actor = TRANSITIONS[change.action]
        _require_actor(principal, actor, change.action)
        if status not in allowed_from:
            raise RuleViolated(
                f"Cannot {change.action} an offer that is {status}", details={"status": status, "action": change.action}
            )
        updates["status"] = to_status
        now = datetime.now(UTC)
        if change.action == "send":
            updates["sent_at"] = now
        elif change.action in ("accept", "decline"):
            updates["responded_at"] = now
    application = await application_for_update(conn, agency_id, offer["application_id"])
    if change.action == "send":
        require_not_closed(application, "send the offer")
    await offer_store.update(conn, agency_id, offer_id, updates)
    updated = await _reload(conn, agency_id, offer_id)
    if event_type is not None:
        extra = {"reason": change.reason} if change.reason else {}
        await emit(conn, event_type, _event(updated, **extra), agency_id=agency_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        event_type or "offer.updated",
        _describe(change, updated),
        subject_type="offer",
        subject_id=offer_id,
        metadata={k: str(v) for k, v in updates.items()} | ({"reason": change.reason} if change.reason else {}),
    )
    if change.action == "send":
        await advance_application(conn, principal, application, "offer_sent", reason="offer sent")
    elif change.action == "accept":
        await advance_application(conn, principal, application, "hired", reason="offer accepted")
    return updated


async def attach_letter(
    pool: asyncpg.Pool, storage: LocalStorage, principal: Principal, offer_id: UUID, upload: Upload
) -> Record:
    """Keep the offer letter; the newest upload is the offer's letter, earlier ones stay as history.

    The file is written first; any failure up to the commit (404, 422 included) removes it again.
    """
    prefix = storage_prefix(principal.require_agency(), LETTER_OWNER, offer_id)
    async with stored_file(storage, prefix, upload) as key, transaction(pool) as conn:
        offer = await _visible(conn, principal, offer_id, for_update=True)
        if offer["status"] not in ("draft", "sent"):
            raise RuleViolated(
                f"A letter can be added only to a draft or sent offer; this one is {offer['status']}",
                details={"status": offer["status"]},
            )
        attachment = await record_attachment(
            conn,
            principal,
            agency_id=offer["agency_id"],
            owner_type=LETTER_OWNER,
            owner_id=offer_id,
            upload=upload,
            storage_key=key,
        )
        await offer_store.update(conn, offer["agency_id"], offer_id, {"letter_path": key})
        return attachment


async def letter(conn: asyncpg.Connection, principal: Principal, offer_id: UUID) -> Record:
    """The current letter's attachment row (filename, type, storage key); 404 when there is none."""
    offer = await _visible(conn, principal, offer_id)
    attachment = await attachment_store.latest_for(conn, offer["agency_id"], LETTER_OWNER, offer_id)
    if attachment is None:
        raise NotFound("This offer has no letter yet")
    return attachment


def _require_actor(principal: Principal, actor: str, action: str) -> None:
    if actor == "staff" and not principal.is_staff:
        raise Forbidden(f"Only the agency can {action} an offer")
    if actor == "candidate" and not principal.is_candidate:
        raise Forbidden(f"Only the candidate can {action} an offer")


async def _visible(
    conn: asyncpg.Connection, principal: Principal, offer_id: UUID, *, for_update: bool = False
) -> Record:
    offer = await offer_store.get(conn, audience_of(principal), offer_id, for_update=for_update)
    if offer is None:
        raise NotFound("Offer not found")
    return offer


async def _reload(conn: asyncpg.Connection, agency_id: UUID, offer_id: UUID) -> Record:
    row = await offer_store.get(conn, Audience(agency_id=agency_id), offer_id)
    assert row is not None  # written in this transaction
    return row


def _event(offer: Record, **extra: Any) -> dict[str, Any]:
    return event_data(
        offer_id=offer["id"],
        application_id=offer["application_id"],
        job_id=offer["job_id"],
        job_title=offer["job_title"],
        candidate_id=offer["candidate_id"],
        created_by=offer["created_by"],
        salary=offer["salary"],
        currency=offer["currency"],
        start_date=offer["start_date"],
        status=offer["status"],
        **extra,
    )


def _describe(change: OfferChange, offer: Record) -> str:
    amount = f"{offer['salary']} {offer['currency']}"
    match change.action:
        case "send":
            return f"Offer sent to the candidate: {amount}"
        case "accept":
            return f"Candidate accepted the offer: {amount}"
        case "decline":
            return "Candidate declined the offer" + (f": {change.reason}" if change.reason else "")
        case "withdraw":
            return "Offer withdrawn" + (f": {change.reason}" if change.reason else "")
    return f"Offer edited: {amount}"

"""Placement rules: made from an accepted offer, one per application, then completed or ended.

    active --completed--> completed
    active --terminated-> terminated
completed and terminated are final; dates, salary, fee and the recruiter can still be corrected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..errors import Conflict, NotFound, RuleViolated, ValidationFailed
from ..events import emit
from ..storage import offers as offer_store
from ..storage import placements as placement_store
from ..storage.audience import Audience, audience_of
from .actors import acting_recruiter
from .attribution import require_recruiter
from .lifecycle import advance_application, application_for_update, event_data, require_not_closed

# target status -> (statuses it may be reached from, event)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "completed": (frozenset({"active"}), "placement.completed"),
    "terminated": (frozenset({"active"}), "placement.terminated"),
}


@dataclass(frozen=True)
class PlacementChange:
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    salary: Decimal | None = None
    fee: Decimal | None = None
    recruiter_id: UUID | None = None
    reason: str | None = None  # why it ended; kept in the event and the activity log


async def create(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_id: UUID,
    start_date: date | None,
    end_date: date | None,
    salary: Decimal | None,
    fee: Decimal | None,
    recruiter_id: UUID | None,
) -> Record:
    """Place the candidate of an application whose offer was accepted; 409 when already placed."""
    agency_id = principal.require_agency()
    application = await application_for_update(conn, agency_id, application_id)
    require_not_closed(application, "record a placement")
    recruiter = await acting_recruiter(conn, principal, agency_id, recruiter_id, field="recruiterId")
    existing = await placement_store.id_for_application(conn, application_id)
    if existing is not None:
        raise Conflict("The application already has a placement", details={"placementId": str(existing)})
    offer = await offer_store.accepted_offer_of(conn, application_id)
    if offer is None:
        raise RuleViolated("A placement needs an accepted offer for the application")
    start_date = start_date or offer["start_date"]
    _require_ordered(start_date, end_date)
    placement_id = await placement_store.insert(
        conn,
        agency_id=agency_id,
        application_id=application_id,
        offer_id=offer["id"],
        start_date=start_date,
        end_date=end_date,
        salary=salary if salary is not None else offer["salary"],
        fee=fee,
        recruiter_id=recruiter,
    )
    if placement_id is None:  # a concurrent request placed it first
        raise Conflict("The application already has a placement")
    placement = await _reload(conn, agency_id, placement_id)
    await emit(conn, "placement.created", _event(placement), agency_id=agency_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        "placement.created",
        f"Candidate placed in {placement['job_title']}",
        subject_type="placement",
        subject_id=placement_id,
        metadata={"applicationId": str(application_id), "recruiterId": str(recruiter), "offerId": str(offer["id"])},
    )
    await advance_application(conn, principal, application, "hired", reason="placement recorded")
    return placement


async def get(conn: asyncpg.Connection, principal: Principal, placement_id: UUID) -> Record:
    return await _visible(conn, principal, placement_id)


async def list_page(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    status: str | None,
    application_id: UUID | None,
    recruiter_id: UUID | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    return await placement_store.list_page(
        conn,
        audience_of(principal),
        status=status,
        application_id=application_id,
        recruiter_id=recruiter_id,
        limit=limit,
        offset=offset,
    )


async def change(conn: asyncpg.Connection, principal: Principal, placement_id: UUID, change: PlacementChange) -> Record:
    """Correct details and/or end the placement; 422 for a transition out of a final status."""
    placement = await _visible(conn, principal, placement_id, for_update=True)
    agency_id = placement["agency_id"]
    current = placement["status"]
    updates: dict[str, Any] = {
        name: value
        for name in ("start_date", "end_date", "salary", "fee")
        if (value := getattr(change, name)) is not None
    }
    if change.recruiter_id is not None:
        await require_recruiter(conn, agency_id, change.recruiter_id, field="recruiterId")
        updates["recruiter_id"] = change.recruiter_id
    event_type: str | None = None
    if change.status is not None:
        allowed_from, event_type = TRANSITIONS.get(change.status, (frozenset(), ""))
        if current not in allowed_from:
            raise RuleViolated(
                f"A placement cannot go from {current} to {change.status}",
                details={"status": current, "to": change.status},
            )
        updates["status"] = change.status
        if "end_date" not in updates and placement["end_date"] is None:
            # Ended today, or on its start date if it ends before it began (a start that fell through).
            start = updates.get("start_date", placement["start_date"])
            updates["end_date"] = max(datetime.now(UTC).date(), start) if start else datetime.now(UTC).date()
    _require_ordered(updates.get("start_date", placement["start_date"]), updates.get("end_date", placement["end_date"]))
    await placement_store.update(conn, agency_id, placement_id, updates)
    updated = await _reload(conn, agency_id, placement_id)
    if event_type:
        extra = {"reason": change.reason} if change.reason else {}
        await emit(conn, event_type, _event(updated, **extra), agency_id=agency_id)
    description = f"Placement {change.status}" if change.status else "Placement details updated"
    if change.reason:
        description += f": {change.reason}"
    await record_activity(
        conn,
        principal,
        agency_id,
        event_type or "placement.updated",
        description,
        subject_type="placement",
        subject_id=placement_id,
        metadata={k: str(v) for k, v in updates.items()},
    )
    return updated


def _require_ordered(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationFailed("endDate must not be before startDate", details={"field": "endDate"})


async def _visible(
    conn: asyncpg.Connection, principal: Principal, placement_id: UUID, *, for_update: bool = False
) -> Record:
    placement = await placement_store.get(conn, audience_of(principal), placement_id, for_update=for_update)
    if placement is None:
        raise NotFound("Placement not found")
    return placement


async def _reload(conn: asyncpg.Connection, agency_id: UUID, placement_id: UUID) -> Record:
    row = await placement_store.get(conn, Audience(agency_id=agency_id), placement_id)
    assert row is not None  # written in this transaction
    return row


def _event(placement: Record, **extra: Any) -> dict[str, Any]:
    return event_data(
        placement_id=placement["id"],
        application_id=placement["application_id"],
        offer_id=placement["offer_id"],
        job_id=placement["job_id"],
        job_title=placement["job_title"],
        candidate_id=placement["candidate_id"],
        recruiter_id=placement["recruiter_id"],
        start_date=placement["start_date"],
        end_date=placement["end_date"],
        salary=placement["salary"],
        fee=placement["fee"],
        status=placement["status"],
        **extra,
    )

"""SQL for placements: one per application, agency staff only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .audience import Audience, audience_conditions
from .filters import Conditions, patch_row

_FROM = "FROM placements p JOIN applications a ON a.id = p.application_id JOIN jobs j ON j.id = a.job_id"
_SELECT = f"SELECT p.*, a.candidate_id, a.job_id, j.title AS job_title {_FROM}"
UPDATABLE = frozenset({"status", "start_date", "end_date", "salary", "fee", "recruiter_id"})


def _visible(audience: Audience) -> Conditions:
    return audience_conditions(audience, record="p")


async def insert(
    conn: Connection,
    *,
    agency_id: UUID,
    application_id: UUID,
    offer_id: UUID,
    start_date: date | None,
    end_date: date | None,
    salary: Decimal | None,
    fee: Decimal | None,
    recruiter_id: UUID,
) -> UUID | None:
    """The new placement's id; None when the application already has one."""
    return await conn.fetchval(
        """INSERT INTO placements (agency_id, application_id, offer_id, start_date, end_date, salary, fee, recruiter_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (application_id) DO NOTHING RETURNING id""",
        agency_id,
        application_id,
        offer_id,
        start_date,
        end_date,
        salary,
        fee,
        recruiter_id,
    )


async def id_for_application(conn: Connection, application_id: UUID) -> UUID | None:
    return await conn.fetchval("SELECT id FROM placements WHERE application_id = $1", application_id)


async def get(conn: Connection, audience: Audience, placement_id: UUID, *, for_update: bool = False) -> Record | None:
    conditions = _visible(audience)
    conditions.add("p.id = {}", placement_id)
    lock = " FOR UPDATE OF p" if for_update else ""
    return await conn.fetchrow(f"{_SELECT} {conditions.where}{lock}", *conditions.args)


async def list_page(
    conn: Connection,
    audience: Audience,
    *,
    status: str | None,
    application_id: UUID | None,
    recruiter_id: UUID | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    conditions = _visible(audience)
    conditions.add("p.status = {}", status)
    conditions.add("p.application_id = {}", application_id)
    conditions.add("p.recruiter_id = {}", recruiter_id)
    statements = conditions.page(
        select=_SELECT, count=f"SELECT count(*) {_FROM}", order_by="p.created_at DESC, p.id", limit=limit, offset=offset
    )
    return await statements.fetch(conn)


async def update(conn: Connection, agency_id: UUID, placement_id: UUID, changes: dict[str, Any]) -> None:
    await patch_row(conn, "placements", agency_id=agency_id, row_id=placement_id, changes=changes, columns=UPDATABLE)

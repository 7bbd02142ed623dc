"""SQL for offers. Candidates see an offer only once it has been sent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .audience import Audience, audience_conditions
from .filters import Conditions, patch_row

_FROM = "FROM offers o JOIN applications a ON a.id = o.application_id JOIN jobs j ON j.id = a.job_id"
_SELECT = (
    "SELECT o.*, o.letter_path IS NOT NULL AS has_letter, a.candidate_id, a.job_id, j.title AS job_title " + _FROM
)
UPDATABLE = frozenset({"salary", "currency", "start_date", "terms", "status", "letter_path", "sent_at", "responded_at"})


def _visible(audience: Audience) -> Conditions:
    conditions = audience_conditions(audience, record="o")
    if audience.candidate_id is not None:
        conditions.add_raw("o.sent_at IS NOT NULL")  # drafts are the agency's business
    return conditions


async def insert(
    conn: Connection,
    *,
    agency_id: UUID,
    application_id: UUID,
    salary: Decimal,
    currency: str,
    start_date: date | None,
    terms: str | None,
    created_by: UUID,
) -> UUID:
    return await conn.fetchval(
        """INSERT INTO offers (agency_id, application_id, salary, currency, start_date, terms, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id""",
        agency_id,
        application_id,
        salary,
        currency,
        start_date,
        terms,
        created_by,
    )


async def get(conn: Connection, audience: Audience, offer_id: UUID, *, for_update: bool = False) -> Record | None:
    conditions = _visible(audience)
    conditions.add("o.id = {}", offer_id)
    lock = " FOR UPDATE OF o" if for_update else ""
    return await conn.fetchrow(f"{_SELECT} {conditions.where}{lock}", *conditions.args)


async def list_page(
    conn: Connection, audience: Audience, *, status: str | None, application_id: UUID | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    conditions = _visible(audience)
    conditions.add("o.status = {}", status)
    conditions.add("o.application_id = {}", application_id)
    statements = conditions.page(
        select=_SELECT, count=f"SELECT count(*) {_FROM}", order_by="o.created_at DESC, o.id", limit=limit, offset=offset
    )
    return await statements.fetch(conn)


async def open_offer_of(conn: Connection, application_id: UUID) -> Record | None:
    """The application's draft or sent offer, if it has one."""
    return await conn.fetchrow(
        "SELECT id, status FROM offers WHERE application_id = $1 AND status IN ('draft', 'sent') LIMIT 1",
        application_id,
    )


async def accepted_offer_of(conn: Connection, application_id: UUID) -> Record | None:
    return await conn.fetchrow(
        """SELECT * FROM offers WHERE application_id = $1 AND status = 'accepted'
           ORDER BY responded_at DESC LIMIT 1""",
        application_id,
    )


async def update(conn: Connection, agency_id: UUID, offer_id: UUID, changes: dict[str, Any]) -> None:
    await patch_row(conn, "offers", agency_id=agency_id, row_id=offer_id, changes=changes, columns=UPDATABLE)

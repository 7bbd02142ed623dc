"""SQL for onboarding tasks. Candidates see the tasks of their own applications."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from ..db import Connection, Record
from .audience import Audience, audience_conditions
from .filters import Conditions, patch_row

_FROM = "FROM onboarding_tasks t JOIN applications a ON a.id = t.application_id JOIN jobs j ON j.id = a.job_id"
_SELECT = f"SELECT t.*, a.candidate_id, a.job_id, j.title AS job_title {_FROM}"
UPDATABLE = frozenset({"status", "reviewed_by", "reviewed_at", "review_note"})


def _visible(audience: Audience) -> Conditions:
    return audience_conditions(audience, record="t")


async def insert_many(
    conn: Connection, *, agency_id: UUID, application_id: UUID, tasks: list[tuple[str, str | None, date | None]]
) -> list[UUID]:
    """Insert the tasks in one statement, keeping their order; returns their ids."""
    rows = await conn.fetch(
        # clock_timestamp() advances per row, so created_at keeps the batch's order for listing.
        """INSERT INTO onboarding_tasks (agency_id, application_id, title, description, due_date, created_at)
           SELECT $1, $2, t.title, t.description, t.due_date, clock_timestamp()
           FROM unnest($3::text[], $4::text[], $5::date[]) WITH ORDINALITY AS t(title, description, due_date, n)
           ORDER BY t.n
           RETURNING id""",
        agency_id,
        application_id,
        [t[0] for t in tasks],
        [t[1] for t in tasks],
        [t[2] for t in tasks],
    )
    return [r["id"] for r in rows]


async def get(conn: Connection, audience: Audience, task_id: UUID, *, for_update: bool = False) -> Record | None:
    conditions = _visible(audience)
    conditions.add("t.id = {}", task_id)
    lock = " FOR UPDATE OF t" if for_update else ""
    return await conn.fetchrow(f"{_SELECT} {conditions.where}{lock}", *conditions.args)


async def get_many(conn: Connection, agency_id: UUID, task_ids: list[UUID]) -> list[Record]:
    rows = await conn.fetch(
        f"{_SELECT} WHERE t.agency_id = $1 AND t.id = ANY($2::uuid[]) ORDER BY array_position($2::uuid[], t.id)",
        agency_id,
        task_ids,
    )
    return list(rows)


async def list_page(
    conn: Connection, audience: Audience, *, application_id: UUID | None, status: str | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    conditions = _visible(audience)
    conditions.add("t.application_id = {}", application_id)
    conditions.add("t.status = {}", status)
    statements = conditions.page(
        select=_SELECT,
        count=f"SELECT count(*) {_FROM}",
        order_by="t.due_date NULLS LAST, t.created_at, t.id",
        limit=limit,
        offset=offset,
    )
    return await statements.fetch(conn)


async def update(conn: Connection, agency_id: UUID, task_id: UUID, changes: dict[str, Any]) -> None:
    await patch_row(conn, "onboarding_tasks", agency_id=agency_id, row_id=task_id, changes=changes, columns=UPDATABLE)

"""Onboarding rules: the agency assigns tasks for an application and reviews each one.

    pending | submitted --approve--> approved
    pending | submitted --reject---> rejected
approved and rejected are final (a redo is a new task). The candidate sees their own tasks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..errors import NotFound, RuleViolated
from ..events import emit
from ..storage import onboarding as task_store
from ..storage.audience import Audience, audience_of
from .actors import acting_recruiter
from .lifecycle import application_for_update, event_data, require_not_closed

REVIEWABLE = frozenset({"pending", "submitted"})
# action -> (status it leads to, event)
REVIEWS: dict[str, tuple[str, str]] = {
    "approve": ("approved", "onboarding.task.approved"),
    "reject": ("rejected", "onboarding.task.rejected"),
}


async def assign(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_id: UUID,
    tasks: list[tuple[str, str | None, date | None]],
) -> list[Record]:
    """Create (title, description, due date) tasks for an application, in the order given."""
    agency_id = principal.require_agency()
    application = await application_for_update(conn, agency_id, application_id)
    require_not_closed(application, "assign onboarding tasks")
    task_ids = await task_store.insert_many(conn, agency_id=agency_id, application_id=application_id, tasks=tasks)
    created = await task_store.get_many(conn, agency_id, task_ids)
    await emit(
        conn,
        "onboarding.tasks.assigned",
        event_data(
            application_id=application_id,
            job_id=application["job_id"],
            job_title=created[0]["job_title"],
            candidate_id=application["candidate_id"],
            task_ids=task_ids,
            titles=[t[0] for t in tasks],
        ),
        agency_id=agency_id,
    )
    await record_activity(
        conn,
        principal,
        agency_id,
        "onboarding.tasks.assigned",
        f"{len(task_ids)} onboarding task(s) assigned ({created[0]['job_title']})",
        subject_type="application",
        subject_id=application_id,
        metadata={"taskIds": [str(i) for i in task_ids]},
    )
    return created


async def get(conn: asyncpg.Connection, principal: Principal, task_id: UUID) -> Record:
    return await _visible(conn, principal, task_id)


async def list_page(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    application_id: UUID | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    return await task_store.list_page(
        conn, audience_of(principal), application_id=application_id, status=status, limit=limit, offset=offset
    )


async def review(
    conn: asyncpg.Connection,
    principal: Principal,
    task_id: UUID,
    *,
    action: str,
    reviewed_by: UUID | None,
    note: str | None,
) -> Record:
    """Approve or reject a task; 422 once it has been reviewed."""
    task = await _visible(conn, principal, task_id, for_update=True)
    agency_id = task["agency_id"]
    if task["status"] not in REVIEWABLE:
        raise RuleViolated(
            f"Cannot {action} a task that is {task['status']}", details={"status": task["status"], "action": action}
        )
    reviewer = await acting_recruiter(conn, principal, agency_id, reviewed_by, field="reviewedBy")
    to_status, event_type = REVIEWS[action]
    await task_store.update(
        conn,
        agency_id,
        task_id,
        {"status": to_status, "reviewed_by": reviewer, "reviewed_at": datetime.now(UTC), "review_note": note},
    )
    updated = await _reload(conn, agency_id, task_id)
    await emit(conn, event_type, _event(updated), agency_id=agency_id)
    await record_activity(
        conn,
        principal,
        agency_id,
        event_type,
        f"Onboarding task '{task['title']}' {to_status}" + (f": {note}" if note else ""),
        subject_type="onboarding_task",
        subject_id=task_id,
        metadata={"reviewedBy": str(reviewer)},
    )
    return updated


async def _visible(
    conn: asyncpg.Connection, principal: Principal, task_id: UUID, *, for_update: bool = False
) -> Record:
    task = await task_store.get(conn, audience_of(principal), task_id, for_update=for_update)
    if task is None:
        raise NotFound("Onboarding task not found")
    return task


async def _reload(conn: asyncpg.Connection, agency_id: UUID, task_id: UUID) -> Record:
    row = await task_store.get(conn, Audience(agency_id=agency_id), task_id)
    assert row is not None  # written in this transaction
    return row


def _event(task: Record) -> dict[str, Any]:
    return event_data(
        task_id=task["id"],
        application_id=task["application_id"],
        candidate_id=task["candidate_id"],
        title=task["title"],
        status=task["status"],
        reviewed_by=task["reviewed_by"],
        note=task["review_note"],
    )

"""Rules shared by what follows an application: interviews, offers, placements, onboarding.

Finding the application in the caller's agency, refusing closed ones, carrying it forward in
the pipeline when an interview, offer or placement says it has moved on, and event data.
The pipeline itself is the state machine of hub/services/applications.py.
"""

from __future__ import annotations

from collections import deque
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from ..auth.principal import Principal
from ..db import Record
from ..errors import RuleViolated
from . import applications

# The forward order of an application's life; the closed states leave it for good.
PIPELINE: tuple[str, ...] = (
    "submitted", "under_review", "shortlisted", "interview_scheduled", "interviewed", "offer_sent", "hired",
)  # fmt: skip
CLOSED_STATUSES = frozenset({"rejected", "withdrawn", "released"})
assert set(PIPELINE) | CLOSED_STATUSES == set(applications.APPLICATION_STATUSES)


async def application_for_update(conn: asyncpg.Connection, agency_id: UUID, application_id: UUID) -> Record:
    """The application of the caller's agency, locked; 404 for unknown or foreign ids."""
    return await applications.lock_application(conn, agency_id, application_id)


def require_active(application: Record, doing: str) -> None:
    """422 when the application is closed or already hired: nothing more can be started on it."""
    status = application["status"]
    if status in CLOSED_STATUSES or status == "hired":
        raise RuleViolated(f"Cannot {doing}: the application is {status}", details={"applicationStatus": status})


def require_not_closed(application: Record, doing: str) -> None:
    status = application["status"]
    if status in CLOSED_STATUSES:
        raise RuleViolated(f"Cannot {doing}: the application is {status}", details={"applicationStatus": status})


def forward_path(current: str, target: str) -> list[str]:
    """The fewest allowed steps from `current` to `target` that only ever move forward; [] if none.

    Empty when the application is already at or past `target`, or closed: an interview booked
    for an application at `offer_sent` leaves it there.
    """
    if current not in PIPELINE or PIPELINE.index(current) >= PIPELINE.index(target):
        return []
    came_from: dict[str, str] = {}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        if status == target:
            path = [status]
            while path[-1] in came_from:
                path.append(came_from[path[-1]])
            return path[-2::-1]
        for following in sorted(applications.APPLICATION_TRANSITIONS[status]):
            forward = following in PIPELINE and PIPELINE.index(following) > PIPELINE.index(status)
            if forward and following not in came_from:
                came_from[following] = status
                queue.append(following)
    return []


async def advance_application(
    conn: asyncpg.Connection, principal: Principal, application: Record, to_status: str, *, reason: str
) -> Record:
    """Carry a locked application forward to `to_status` through the state machine's own steps.

    Each step goes through `applications.transition` (history row, `application.status_changed`
    event, activity), all with `reason`; e.g. booking an interview for a submitted application
    records submitted -> shortlisted -> interview_scheduled.
    """
    for step in forward_path(application["status"], to_status):
        application = await applications.transition(conn, principal, application, step, reason=reason)
    return application


def event_data(**values: Any) -> dict[str, Any]:
    """Event payloads in the REST style: camelCase keys, ids as strings, amounts as numbers, ISO times."""
    return {_camel(key): _jsonable(value) for key, value in values.items()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _jsonable(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value

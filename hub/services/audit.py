"""Reading the audit trail, the activity timeline, usage figures and the billing summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from ..auth.principal import Principal
from ..db import Record
from ..errors import ValidationFailed
from ..storage import api_keys as key_store
from ..storage import audit as audit_store
from ..storage.audit import ActivityFilters, AuditFilters
from ..storage import webhooks as webhook_store
from . import plans

USAGE_DEFAULT_DAYS = 30
USAGE_MAX_DAYS = 366


def _check_range(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and since > until:
        raise ValidationFailed("from must not be after to", details={"field": "from"})


async def list_audit(
    conn: asyncpg.Connection, principal: Principal, f: AuditFilters, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    _check_range(f.since, f.until)
    return await audit_store.list_audit(conn, principal.require_agency(), f, limit=limit, offset=offset)


async def list_activities(
    conn: asyncpg.Connection, principal: Principal, f: ActivityFilters, *, limit: int, offset: int
) -> tuple[list[Record], int]:
    _check_range(f.since, f.until)
    return await audit_store.list_activities(conn, principal.require_agency(), f, limit=limit, offset=offset)


def usage_window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """Default: the last 30 days; at most a year at once."""
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=USAGE_DEFAULT_DAYS)
    _check_range(since, until)
    if until - since > timedelta(days=USAGE_MAX_DAYS):
        raise ValidationFailed(f"A usage window spans at most {USAGE_MAX_DAYS} days", details={"field": "from"})
    return since, until


async def usage(conn: asyncpg.Connection, principal: Principal, since: datetime, until: datetime) -> dict[str, Any]:
    agency_id = principal.require_agency()
    totals = await audit_store.count_calls(conn, agency_id, since, until)
    return {
        "from": since,
        "to": until,
        "calls": totals["calls"],
        "rate_limited": totals["rate_limited"],
        "by_key_per_day": await audit_store.usage_by_key_and_day(conn, agency_id, since, until),
        "by_endpoint": await audit_store.usage_by_endpoint(conn, agency_id, since, until),
    }


async def billing(conn: asyncpg.Connection, principal: Principal) -> dict[str, Any]:
    agency_id = principal.require_agency()
    plan = await plans.plan_of(conn, agency_id)
    endpoints = await webhook_store.count_endpoints(conn, agency_id)
    return {
        "plan": plan,
        "usage": {"api_keys": await key_store.count_active(conn, agency_id), "webhook_endpoints": endpoints},
        "plans": [plans.PLANS[t] for t in plans.TIERS],
    }

"""Reports for the caller's agency; the numbers are computed by PostgreSQL (hub/storage/analytics.py)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from ..auth.principal import Principal
from ..db import Record
from ..storage import analytics as analytics_store


async def jobs_report(
    conn: asyncpg.Connection, principal: Principal, *, since: datetime | None, until: datetime | None, top: int
) -> Record:
    return await analytics_store.jobs_report(conn, principal.require_agency(), since=since, until=until, top=top)


async def applications_report(
    conn: asyncpg.Connection, principal: Principal, *, since: datetime | None, until: datetime | None
) -> Record:
    return await analytics_store.applications_report(conn, principal.require_agency(), since=since, until=until)


async def interviews_report(
    conn: asyncpg.Connection, principal: Principal, *, since: datetime | None, until: datetime | None
) -> Record:
    return await analytics_store.interviews_report(conn, principal.require_agency(), since=since, until=until)


async def clients_report(
    conn: asyncpg.Connection, principal: Principal, *, since: datetime | None, until: datetime | None, top: int
) -> Record:
    return await analytics_store.clients_report(conn, principal.require_agency(), since=since, until=until, top=top)

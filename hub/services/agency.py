"""The caller's agency: its profile. The plan tier is changed by billing, never by the API."""

from __future__ import annotations

import asyncpg

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..errors import NotFound
from ..storage import agencies as agency_store


async def get_agency(conn: asyncpg.Connection, principal: Principal) -> Record:
    agency = await agency_store.get_agency(conn, principal.require_agency())
    if agency is None:
        raise NotFound("Agency not found")
    return agency


async def rename_agency(conn: asyncpg.Connection, principal: Principal, *, name: str) -> Record:
    agency_id = principal.require_agency()
    agency = await agency_store.update_agency(conn, agency_id, name=name)
    if agency is None:
        raise NotFound("Agency not found")
    await record_activity(
        conn,
        principal,
        agency_id,
        "agency.updated",
        f"Renamed the agency to {name}",
        subject_type="agency",
        subject_id=agency_id,
        metadata={"name": name},
    )
    return agency

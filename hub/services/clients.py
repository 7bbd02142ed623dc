"""Rules for clients: names unique per agency (case-insensitive), archive instead of delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..errors import Conflict, NotFound, RuleViolated
from ..storage import clients as client_store
from .actors import acting_recruiter


async def list_clients(
    conn: asyncpg.Connection, principal: Principal, *, statuses: list[str] | None, search: str | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    sql = client_store.clients_page(principal.require_agency(), statuses=statuses, search=search, limit=limit, offset=offset)
    return await sql.fetch(conn)


async def get_client(conn: asyncpg.Connection, principal: Principal, client_id: UUID, *, for_update: bool = False) -> Record:
    client = await client_store.get_client(conn, principal.require_agency(), client_id, for_update=for_update)
    if client is None:
        raise NotFound("Client not found")
    return client


async def require_active_client(conn: asyncpg.Connection, agency_id: UUID, client_id: UUID) -> Record:
    """A client a job may be attached to: the agency's own (404 otherwise) and not archived."""
    client = await client_store.get_client(conn, agency_id, client_id)
    if client is None:
        raise NotFound("Client not found", details={"field": "clientId"})
    if client["status"] != "active":
        raise RuleViolated("The client is archived", details={"field": "clientId"})
    return client


async def create_client(
    conn: asyncpg.Connection, principal: Principal, fields: dict[str, Any], *, created_by: UUID | None
) -> Record:
    """409 when the name or external id is taken."""
    agency_id = principal.require_agency()
    creator = await acting_recruiter(conn, principal, agency_id, created_by, field="createdBy")
    client, created = await _insert(conn, principal, agency_id, fields, creator)
    if not created:
        raise Conflict("A client with this name or externalId already exists", details={"clientId": str(client["id"])})
    return client


async def get_or_create_client(
    conn: asyncpg.Connection, principal: Principal, fields: dict[str, Any], *, created_by: UUID | None
) -> tuple[Record, bool]:
    """Idempotent create: the client with this externalId or name, else a new one; (client, created)."""
    agency_id = principal.require_agency()
    creator = await acting_recruiter(conn, principal, agency_id, created_by, field="createdBy")
    existing = await client_store.find_client(conn, agency_id, name=fields["name"], external_id=fields.get("external_id"))
    if existing is None:
        client, created = await _insert(conn, principal, agency_id, fields, creator)
        if created:
            return client, True
        existing = client
    _same_client_or_conflict(existing, fields)
    return existing, False


async def _insert(
    conn: asyncpg.Connection, principal: Principal, agency_id: UUID, fields: dict[str, Any], creator: UUID
) -> tuple[Record, bool]:
    """(new client, True), or (the client holding the name or external id, False)."""
    client = await client_store.insert_client(conn, agency_id, fields, created_by=creator)
    if client is None:
        existing = await client_store.find_client(conn, agency_id, name=fields["name"], external_id=fields.get("external_id"))
        if existing is None:  # clients are archived, never deleted, so the holder is still there
            raise Conflict("A client with this name or externalId already exists")
        return existing, False
    await record_activity(
        conn,
        principal,
        agency_id,
        "client.created",
        f"Created client {client['name']}",
        subject_type="client",
        subject_id=client["id"],
    )
    return client, True


def _same_client_or_conflict(existing: Record, fields: dict[str, Any]) -> None:
    """A name match that carries another externalId is a different client: refuse to guess."""
    wanted = fields.get("external_id")
    if wanted is not None and existing["external_id"] is not None and existing["external_id"] != wanted:
        raise Conflict(
            "A client with this name exists with another externalId",
            details={"clientId": str(existing["id"]), "externalId": existing["external_id"]},
        )


async def update_client(conn: asyncpg.Connection, principal: Principal, client_id: UUID, changes: dict[str, Any]) -> Record:
    agency_id = principal.require_agency()
    await get_client(conn, principal, client_id, for_update=True)
    try:
        async with conn.transaction():  # a savepoint, so a unique violation becomes a clean 409
            client = await client_store.update_client(conn, agency_id, client_id, changes)
    except asyncpg.UniqueViolationError:
        raise Conflict("Another client already has this name or externalId") from None
    await record_activity(
        conn,
        principal,
        agency_id,
        "client.updated",
        f"Updated client {client['name']}",
        subject_type="client",
        subject_id=client_id,
        metadata={"fields": sorted(changes)},
    )
    return client


async def archive_client(conn: asyncpg.Connection, principal: Principal, client_id: UUID) -> Record:
    """DELETE archives: jobs and history keep pointing at the client."""
    agency_id = principal.require_agency()
    await get_client(conn, principal, client_id, for_update=True)
    client = await client_store.update_client(conn, agency_id, client_id, {"status": "archived"})
    await record_activity(
        conn,
        principal,
        agency_id,
        "client.archived",
        f"Archived client {client['name']}",
        subject_type="client",
        subject_id=client_id,
    )
    return client

"""Rules for an agency's API keys: who may mint which scopes, plan quotas, rotation.

The secret is made and hashed by AuthService.create_api_key; this module never sees it again.
Keys are checked against the database on every request (AuthService.principal_from_api_key),
so a revocation holds at once in every hub process.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from ..auth.principal import Principal
from ..db import Record
from ..errors import Forbidden, NotFound, RuleViolated, ValidationFailed
from ..storage import api_keys as key_store
from . import plans
from .auth import API_KEY_PREFIX, AuthService, CreatedApiKey

MAX_IP_ENTRIES = 50
MAX_OVERLAP_SECONDS = 30 * 24 * 3600  # a rotated-out key lives at most this long


@dataclass(frozen=True)
class Rotation:
    created: CreatedApiKey  # the new key, with its secret
    previous: Record  # the old key, now expiring at the end of the overlap


def parse_ip_entries(entries: list[str]) -> list[str]:
    """Validate IPv4/IPv6 addresses and CIDR ranges; return them normalised."""
    if len(entries) > MAX_IP_ENTRIES:
        raise ValueError(f"at most {MAX_IP_ENTRIES} entries")
    normalised: list[str] = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=True)
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or a CIDR range with its host bits clear") from None
        text = str(network) if network.num_addresses > 1 else str(network.network_address)
        if text not in normalised:
            normalised.append(text)
    return normalised


def display_prefix(record: Record) -> str:
    """What a key looks like in lists: enough to recognise it, useless to an attacker."""
    return f"{API_KEY_PREFIX}{record['prefix']}"


def _check_grantable(principal: Principal, scopes: list[str] | set[str]) -> None:
    """A key never carries a scope its creator does not hold."""
    beyond = sorted(set(scopes) - principal.scopes)
    if beyond:
        raise Forbidden(
            f"You cannot grant scopes you do not hold: {', '.join(beyond)}", details={"scopes": beyond}
        )


def _check_manageable(principal: Principal, key: Record) -> None:
    """Changing or rotating a key needs every scope it has (else rotation would hand them out)."""
    beyond = sorted(set(key["scopes"]) - principal.scopes)
    if beyond:
        raise Forbidden(
            f"This key carries scopes you do not hold: {', '.join(beyond)}", details={"scopes": beyond}
        )


def _check_future(expires_at: datetime | None) -> None:
    if expires_at is not None and expires_at <= datetime.now(UTC):
        raise ValidationFailed("expiresAt must be in the future", details={"field": "expiresAt"})


def _check_rate_limit(plan: plans.Plan, rate_limit: int) -> None:
    plans.require_allowance(
        plan, lambda p: p.key_rate_limit >= rate_limit, f"A rate limit of {rate_limit} requests per minute"
    )


async def create_key(
    conn: asyncpg.Connection,
    auth: AuthService,
    principal: Principal,
    *,
    name: str,
    scopes: list[str],
    rate_limit: int | None,
    expires_at: datetime | None,
    ip_whitelist: list[str],
) -> CreatedApiKey:
    agency_id = principal.require_agency()
    _check_grantable(principal, scopes)
    _check_future(expires_at)
    plan = await plans.plan_of(conn, agency_id)
    rate_limit = rate_limit if rate_limit is not None else min(300, plan.key_rate_limit)
    _check_rate_limit(plan, rate_limit)
    # Serialise key creation per agency so two requests cannot both take the last slot.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('api_keys:' || $1::text))", str(agency_id))
    active = await key_store.count_active(conn, agency_id)
    plans.require_allowance(plan, lambda p: p.api_keys > active, f"More than {active} active API keys")
    created = await auth.create_api_key(
        conn,
        agency_id=agency_id,
        name=name,
        scopes=scopes,
        created_by=principal.user_id,
        rate_limit=rate_limit,
        ip_whitelist=ip_whitelist,
        expires_at=expires_at,
    )
    changes: dict[str, Any] = {}
    if principal.kind == "api_key":
        changes["created_by_key_id"] = principal.id
    record = await key_store.update_key(conn, agency_id, created.record["id"], changes)
    return CreatedApiKey(record, created.secret)


async def list_keys(
    conn: asyncpg.Connection, principal: Principal, *, status: str | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    return await key_store.list_keys(conn, principal.require_agency(), status=status, limit=limit, offset=offset)


async def get_key(conn: asyncpg.Connection, principal: Principal, key_id: UUID, *, for_update: bool = False) -> Record:
    key = await key_store.get_key(conn, principal.require_agency(), key_id, for_update=for_update)
    if key is None:
        raise NotFound("API key not found")
    return key


async def update_key(conn: asyncpg.Connection, principal: Principal, key_id: UUID, changes: dict[str, Any]) -> Record:
    """Apply a PATCH: `changes` holds only the fields the caller sent (snake_case)."""
    key = await get_key(conn, principal, key_id, for_update=True)
    _check_manageable(principal, key)
    revoke = changes.pop("revoked", None)
    if revoke is False and key["revoked_at"] is not None:
        raise RuleViolated("A revoked key cannot be restored; create a new one")
    if key["revoked_at"] is not None and changes:
        raise RuleViolated("A revoked key cannot be changed")
    if "scopes" in changes:
        _check_grantable(principal, changes["scopes"])
        changes["scopes"] = sorted(set(changes["scopes"]))
    if "expires_at" in changes:
        _check_future(changes["expires_at"])
    if "rate_limit" in changes:
        _check_rate_limit(await plans.plan_of(conn, key["agency_id"]), changes["rate_limit"])
    if revoke:
        changes["revoked_at"] = key["revoked_at"] or datetime.now(UTC)
    updated = await key_store.update_key(conn, key["agency_id"], key_id, changes)
    assert updated is not None  # locked above
    return updated


async def revoke_key(conn: asyncpg.Connection, principal: Principal, key_id: UUID) -> Record:
    key = await get_key(conn, principal, key_id, for_update=True)
    _check_manageable(principal, key)
    revoked = await key_store.revoke_key(conn, key["agency_id"], key_id)
    assert revoked is not None
    return revoked


async def rotate_key(
    conn: asyncpg.Connection, auth: AuthService, principal: Principal, key_id: UUID, *, overlap_seconds: int
) -> Rotation:
    """A new key with the same settings; the old one keeps working for `overlap_seconds`."""
    old = await get_key(conn, principal, key_id, for_update=True)
    _check_manageable(principal, old)
    if old["status"] != "active":
        raise RuleViolated(f"Only an active key can be rotated; this one is {old['status']}")
    if not 0 <= overlap_seconds <= MAX_OVERLAP_SECONDS:
        raise ValidationFailed(f"overlapSeconds must be between 0 and {MAX_OVERLAP_SECONDS}", details={"field": "overlapSeconds"})
    created = await auth.create_api_key(
        conn,
        agency_id=old["agency_id"],
        name=old["name"],
        scopes=list(old["scopes"]),
        created_by=principal.user_id,
        rate_limit=old["rate_limit"],
        ip_whitelist=list(old["ip_whitelist"]),
        expires_at=old["expires_at"],
    )
    changes: dict[str, Any] = {"rotated_from_id": old["id"]}
    if principal.kind == "api_key":
        changes["created_by_key_id"] = principal.id
    record = await key_store.update_key(conn, old["agency_id"], created.record["id"], changes)
    if overlap_seconds == 0:
        previous = await key_store.revoke_key(conn, old["agency_id"], old["id"])
    else:
        previous = await key_store.expire_key_by(conn, old["id"], datetime.now(UTC) + timedelta(seconds=overlap_seconds))
    return Rotation(CreatedApiKey(record, created.secret), previous)

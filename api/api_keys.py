"""An agency's API keys: /api/v1/api-keys/*. The secret appears once, in the creation reply."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import AfterValidator, AwareDatetime, Field, field_validator

from hub.auth.principal import SCOPES
from hub.db import Record, transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import AUTH, DB
from hub.models import ApiModel, PageQuery
from hub.services import api_keys as key_service

routes = ApiRoutes("api-keys")

Scope = Literal[SCOPES]  # type: ignore[valid-type]


def _sane_year(value: datetime | None) -> datetime | None:
    if value is not None and value.year > 9000:
        raise ValueError("must be before the year 9000")
    return value


Expiry = Annotated[AwareDatetime | None, AfterValidator(_sane_year)]


class _IpListed(ApiModel):
    @field_validator("ip_whitelist", check_fields=False)
    @classmethod
    def _valid_networks(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else key_service.parse_ip_entries(value)


class ApiKeyIn(_IpListed):
    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1, max_length=len(SCOPES))
    rate_limit: int | None = Field(None, ge=1, le=100_000, description="requests per minute")
    expires_at: Expiry = None
    ip_whitelist: list[str] = Field(default_factory=list, max_length=key_service.MAX_IP_ENTRIES)


class ApiKeyPatch(_IpListed):
    name: str | None = Field(None, min_length=1, max_length=200)
    scopes: list[Scope] | None = Field(None, min_length=1, max_length=len(SCOPES))
    rate_limit: int | None = Field(None, ge=1, le=100_000)
    expires_at: Expiry = None
    ip_whitelist: list[str] | None = Field(None, max_length=key_service.MAX_IP_ENTRIES)
    revoked: bool | None = None


class RotateIn(ApiModel):
    overlap_seconds: int = Field(0, ge=0, le=key_service.MAX_OVERLAP_SECONDS)


class ApiKeyQuery(PageQuery):
    status: Literal["active", "revoked", "expired"] | None = None


class ApiKeyOut(ApiModel):
    id: UUID
    name: str
    key_prefix: str
    scopes: list[str]
    rate_limit: int
    expires_at: datetime | None
    ip_whitelist: list[str]
    status: Literal["active", "revoked", "expired"]
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_by: UUID | None  # the user who made it
    created_by_key_id: UUID | None  # or the key that made it
    rotated_from_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: Record) -> Any:
        return cls.from_record({**dict(record), "key_prefix": key_service.display_prefix(record)})


class ApiKeyCreated(ApiKeyOut):
    secret: str  # shown once; only a digest is stored


class RotationOut(ApiModel):
    key: ApiKeyCreated
    previous: ApiKeyOut


def _created(record: Record, secret: str) -> ApiKeyCreated:
    return ApiKeyCreated.from_record({**dict(record), "key_prefix": key_service.display_prefix(record), "secret": secret})


@routes.post("/api-keys", body=ApiKeyIn, response=ApiKeyCreated, status=201, scope="keys:write")
async def create_api_key(request: web.Request, body: ApiKeyIn) -> web.Response:
    """Create a key; its secret is in this reply and never again."""
    async with transaction(request.app[DB]) as conn:
        created = await key_service.create_key(
            conn,
            request.app[AUTH],
            principal_of(request),
            name=body.name,
            scopes=list(body.scopes),
            rate_limit=body.rate_limit,
            expires_at=body.expires_at,
            ip_whitelist=body.ip_whitelist,
        )
    return ok(_created(created.record, created.secret), status=201)


@routes.get("/api-keys", query=ApiKeyQuery, response=list[ApiKeyOut], paginated=True, scope="keys:read")
async def list_api_keys(request: web.Request, query: ApiKeyQuery) -> web.Response:
    """The agency's keys, newest first (filter by status)."""
    async with request.app[DB].acquire() as conn:
        rows, total = await key_service.list_keys(
            conn, principal_of(request), status=query.status, limit=query.per_page, offset=query.offset
        )
    return page((ApiKeyOut.of(r) for r in rows), total=total, query=query)


@routes.get("/api-keys/{id}", response=ApiKeyOut, scope="keys:read")
async def get_api_key(request: web.Request) -> web.Response:
    """One key (never its secret)."""
    async with request.app[DB].acquire() as conn:
        key = await key_service.get_key(conn, principal_of(request), path_id(request))
    return ok(ApiKeyOut.of(key))


@routes.patch("/api-keys/{id}", body=ApiKeyPatch, response=ApiKeyOut, scope="keys:write")
async def update_api_key(request: web.Request, body: ApiKeyPatch) -> web.Response:
    """Rename, change scopes, limits, expiry or allowed addresses; `revoked: true` revokes."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    for name in ("name", "scopes", "rate_limit", "ip_whitelist", "revoked"):
        if name in changes and changes[name] is None:
            changes.pop(name)  # null means "leave as is" except for expiresAt (null: never expires)
    async with transaction(request.app[DB]) as conn:
        key = await key_service.update_key(conn, principal_of(request), path_id(request), changes)
    return ok(ApiKeyOut.of(key))


@routes.delete("/api-keys/{id}", response=ApiKeyOut, scope="keys:write")
async def revoke_api_key(request: web.Request) -> web.Response:
    """Revoke a key: every hub process refuses it from the next request on."""
    async with transaction(request.app[DB]) as conn:
        key = await key_service.revoke_key(conn, principal_of(request), path_id(request))
    return ok(ApiKeyOut.of(key))


@routes.post("/api-keys/{id}/rotate", body=RotateIn, response=RotationOut, status=201, scope="keys:write")
async def rotate_api_key(request: web.Request, body: RotateIn) -> web.Response:
    """A new key with the same settings; the old one works for `overlapSeconds` more (0: revoked now)."""
    async with transaction(request.app[DB]) as conn:
        rotation = await key_service.rotate_key(
            conn, request.app[AUTH], principal_of(request), path_id(request), overlap_seconds=body.overlap_seconds
        )
    out = RotationOut(key=_created(rotation.created.record, rotation.created.secret), previous=ApiKeyOut.of(rotation.previous))
    return ok(out, status=201)

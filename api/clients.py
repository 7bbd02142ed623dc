"""The companies an agency recruits for: /api/v1/clients/*."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import Field, StringConstraints, model_validator

from hub.db import transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery
from hub.services import clients as client_service

routes = ApiRoutes("clients")

ClientStatus = Literal["active", "archived"]
ClientName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Website = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^https?://\S+$")]


class ClientIn(ApiModel):
    name: ClientName
    external_id: ExternalId | None = None
    industry: str | None = Field(None, max_length=100)
    website: Website | None = None
    notes: str | None = Field(None, max_length=5000)
    created_by: UUID | None = None  # a recruiter of the agency; default: the caller


class ClientUpdate(ApiModel):
    name: ClientName | None = None
    external_id: ExternalId | None = None
    industry: str | None = Field(None, max_length=100)
    website: Website | None = None
    notes: str | None = Field(None, max_length=5000)
    status: ClientStatus | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ClientUpdate:
        if not self.model_fields_set:
            raise ValueError("Give at least one field to change")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        if "status" in self.model_fields_set and self.status is None:
            raise ValueError("status cannot be null")
        return self


class ClientOut(ApiModel):
    id: UUID
    name: str
    external_id: str | None
    industry: str | None
    website: str | None
    notes: str | None
    status: ClientStatus
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class ClientQuery(PageQuery):
    status: list[ClientStatus] | None = None
    search: str | None = Field(None, max_length=200)


def _fields(body: ClientIn) -> dict[str, Any]:
    return body.model_dump(exclude={"created_by"})


@routes.get("/clients", query=ClientQuery, response=list[ClientOut], paginated=True, scope="clients:read")
async def list_clients(request: web.Request, query: ClientQuery) -> web.Response:
    """Clients of the agency, filtered by status and a search in name, externalId and industry."""
    async with request.app[DB].acquire() as conn:
        rows, total = await client_service.list_clients(
            conn, principal_of(request), statuses=query.status, search=query.search, limit=query.per_page, offset=query.offset
        )
    return page((ClientOut.from_record(r) for r in rows), total=total, query=query)


@routes.post("/clients", body=ClientIn, response=ClientOut, status=201, scope="clients:write")
async def create_client(request: web.Request, body: ClientIn) -> web.Response:
    """Create a client (409 when the name or externalId is taken)."""
    async with transaction(request.app[DB]) as conn:
        client = await client_service.create_client(conn, principal_of(request), _fields(body), created_by=body.created_by)
    return ok(ClientOut.from_record(client), status=201)


@routes.post(
    "/clients/get-or-create", body=ClientIn, response=ClientOut, status=201, also_status=(200,), scope="clients:write"
)
async def get_or_create_client(request: web.Request, body: ClientIn) -> web.Response:
    """The client with this externalId or name (200), else a new one (201): safe to repeat."""
    async with transaction(request.app[DB]) as conn:
        client, created = await client_service.get_or_create_client(
            conn, principal_of(request), _fields(body), created_by=body.created_by
        )
    return ok(ClientOut.from_record(client), status=201 if created else 200)


@routes.get("/clients/{id}", response=ClientOut, scope="clients:read")
async def get_client(request: web.Request) -> web.Response:
    """One client of the agency."""
    async with request.app[DB].acquire() as conn:
        client = await client_service.get_client(conn, principal_of(request), path_id(request))
    return ok(ClientOut.from_record(client))


@routes.patch("/clients/{id}", body=ClientUpdate, response=ClientOut, scope="clients:write")
async def update_client(request: web.Request, body: ClientUpdate) -> web.Response:
    """Change a client's fields; `status: active` brings an archived client back."""
    async with transaction(request.app[DB]) as conn:
        client = await client_service.update_client(
            conn, principal_of(request), path_id(request), body.model_dump(exclude_unset=True)
        )
    return ok(ClientOut.from_record(client))


@routes.delete("/clients/{id}", response=ClientOut, scope="clients:write")
async def archive_client(request: web.Request) -> web.Response:
    """Archive a client (nothing is erased; its jobs keep their link)."""
    async with transaction(request.app[DB]) as conn:
        client = await client_service.archive_client(conn, principal_of(request), path_id(request))
    return ok(ClientOut.from_record(client))

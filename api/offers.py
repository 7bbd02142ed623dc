"""Offers to candidates: /api/v1/offers/*."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import quote
from uuid import UUID

from aiohttp import web
from pydantic import Field, model_validator

from hub.auth.principal import STAFF_ROLES
from hub.db import transaction
from hub.http import ApiRoutes, ok, page, path_id, principal_of
from hub.keys import DB, STORAGE
from hub.models import ApiModel, PageQuery
from hub.services import offers as offer_service
from hub.uploads import DOCUMENT_MAX_BYTES, LETTER_TYPES, read_upload

from .interviews import AttachmentOut

routes = ApiRoutes("offers")

OfferStatus = Literal["draft", "sent", "accepted", "declined", "withdrawn"]
Action = Literal["send", "accept", "decline", "withdraw"]
STAFF_AND_CANDIDATES = STAFF_ROLES | {"candidate"}
MAX_AMOUNT = Decimal("9999999999.99")  # numeric(12, 2)
CURRENCY = r"^[A-Z]{3}$"  # ISO 4217


class OfferIn(ApiModel):
    application_id: UUID
    salary: Decimal = Field(ge=0, le=MAX_AMOUNT, decimal_places=2)
    currency: str = Field(pattern=CURRENCY)
    start_date: date | None = None
    terms: str | None = Field(None, max_length=20_000)
    created_by: UUID | None = None  # defaults to the caller; API keys must name a recruiter


class OfferUpdate(ApiModel):
    action: Action | None = None
    salary: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, decimal_places=2)
    currency: str | None = Field(None, pattern=CURRENCY)
    start_date: date | None = None
    terms: str | None = Field(None, max_length=20_000)
    reason: str | None = Field(None, max_length=1000)

    @model_validator(mode="after")
    def _something_to_do(self) -> OfferUpdate:
        if not self.model_fields_set:
            raise ValueError("Nothing to change: send an action or a field")
        if self.reason is not None and self.action not in ("decline", "withdraw"):
            raise ValueError("reason is given only with action 'decline' or 'withdraw'")
        return self


class OfferOut(ApiModel):
    id: UUID
    application_id: UUID
    candidate_id: UUID
    job_id: UUID
    job_title: str
    salary: float | None
    currency: str | None
    start_date: date | None
    terms: str | None
    status: str
    has_letter: bool
    created_by: UUID | None
    sent_at: datetime | None
    responded_at: datetime | None
    created_at: datetime
    updated_at: datetime


class OfferQuery(PageQuery):
    status: OfferStatus | None = None
    application_id: UUID | None = None


@routes.post("/offers", body=OfferIn, response=OfferOut, status=201, scope="offers:write", roles=STAFF_ROLES)
async def create_offer(request: web.Request, body: OfferIn) -> web.Response:
    """Draft an offer for an application (one draft or sent offer per application at a time)."""
    async with transaction(request.app[DB]) as conn:
        offer = await offer_service.create(
            conn,
            principal_of(request),
            application_id=body.application_id,
            salary=body.salary,
            currency=body.currency,
            start_date=body.start_date,
            terms=body.terms,
            created_by=body.created_by,
        )
    return ok(OfferOut.from_record(offer), status=201)


@routes.get("/offers", query=OfferQuery, response=list[OfferOut], paginated=True, scope="offers:read",
            roles=STAFF_AND_CANDIDATES)
async def list_offers(request: web.Request, query: OfferQuery) -> web.Response:
    """Offers the caller may see, newest first (candidates: their own, once sent)."""
    async with request.app[DB].acquire() as conn:
        rows, total = await offer_service.list_page(
            conn,
            principal_of(request),
            status=query.status,
            application_id=query.application_id,
            limit=query.per_page,
            offset=query.offset,
        )
    return page((OfferOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/offers/{id}", response=OfferOut, scope="offers:read", roles=STAFF_AND_CANDIDATES)
async def get_offer(request: web.Request) -> web.Response:
    """One offer."""
    async with request.app[DB].acquire() as conn:
        offer = await offer_service.get(conn, principal_of(request), path_id(request))
    return ok(OfferOut.from_record(offer))


@routes.patch("/offers/{id}", body=OfferUpdate, response=OfferOut, scope="offers:write", roles=STAFF_AND_CANDIDATES)
async def update_offer(request: web.Request, body: OfferUpdate) -> web.Response:
    """Edit a draft, or take a step: staff send and withdraw, the candidate accepts or declines."""
    change = offer_service.OfferChange(**body.model_dump(exclude_unset=True))
    async with transaction(request.app[DB]) as conn:
        offer = await offer_service.change(conn, principal_of(request), path_id(request), change)
    return ok(OfferOut.from_record(offer))


@routes.post("/offers/{id}/letter", response=AttachmentOut, status=201, scope="offers:write", roles=STAFF_ROLES,
             content="multipart/form-data",
             extra_responses={413: "The file exceeds 10 MiB", 415: "Not a PDF or DOCX file"})
async def upload_offer_letter(request: web.Request) -> web.Response:
    """Upload the offer letter (form field `file`: PDF or DOCX, at most 10 MiB)."""
    upload = await read_upload(request, max_bytes=DOCUMENT_MAX_BYTES, allowed=LETTER_TYPES)
    attachment = await offer_service.attach_letter(
        request.app[DB], request.app[STORAGE], principal_of(request), path_id(request), upload
    )
    return ok(AttachmentOut.from_record(attachment), status=201)


@routes.get("/offers/{id}/letter", scope="offers:read", roles=STAFF_AND_CANDIDATES, content="raw")
async def download_offer_letter(request: web.Request) -> web.StreamResponse:
    """Download the current offer letter."""
    async with request.app[DB].acquire() as conn:
        attachment = await offer_service.letter(conn, principal_of(request), path_id(request))
    response = web.FileResponse(request.app[STORAGE].path(attachment["storage_key"]))
    response.content_type = attachment["content_type"]
    name = attachment["filename"]
    plain = name.encode("ascii", "ignore").decode().replace('"', "") or "offer-letter"
    response.headers["Content-Disposition"] = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    return response

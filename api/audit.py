"""Audit trail, activity timeline, API usage and the plan: /api/v1/audit-logs, /activities,
/usage, /billing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from aiohttp import web
from pydantic import AfterValidator, Field

from hub.audit import flush_pending
from hub.http import ApiRoutes, ok, page, principal_of
from hub.keys import DB
from hub.models import ApiModel, PageQuery, QueryModel
from hub.services import audit as audit_service

routes = ApiRoutes("audit")


def _as_utc(value: datetime) -> datetime:
    """A time without offset is read as UTC; years are kept where date arithmetic cannot overflow."""
    if not 1970 <= value.year <= 9000:
        raise ValueError("must be between the years 1970 and 9000")
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class TimeWindow(QueryModel):
    from_: UtcDatetime | None = Field(None, alias="from")
    to: UtcDatetime | None = None


class AuditQuery(PageQuery, TimeWindow):
    key_id: UUID | None = None
    user_id: UUID | None = None
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] | None = None
    status: int | None = Field(None, ge=100, le=599)
    path: str | None = Field(None, min_length=1, max_length=300, description="a route template or its start")


class ActivityQuery(PageQuery, TimeWindow):
    action_type: str | None = Field(None, min_length=1, max_length=100)
    performed_by_id: UUID | None = None
    subject_type: str | None = Field(None, min_length=1, max_length=100)
    subject_id: UUID | None = None


class AuditLogOut(ApiModel):
    id: int
    api_key_id: UUID | None
    user_id: UUID | None
    method: str
    endpoint: str
    path: str
    status: int
    ip: str | None
    user_agent: str | None
    duration_ms: float
    request_id: str | None
    created_at: datetime


class ActivityOut(ApiModel):
    id: int
    action_type: str
    performed_by_type: str
    performed_by_id: UUID | None
    subject_type: str | None
    subject_id: UUID | None
    description: str
    metadata: dict[str, Any]
    created_at: datetime


class KeyDayUsage(ApiModel):
    api_key_id: UUID
    key_name: str | None
    day: date
    calls: int
    errors: int
    rate_limited: int


class EndpointUsage(ApiModel):
    method: str
    endpoint: str
    calls: int
    errors: int
    rate_limited: int
    avg_duration_ms: float


class UsageOut(ApiModel):
    from_: datetime = Field(alias="from")
    to: datetime
    calls: int
    rate_limited: int  # 429 answers
    by_key_per_day: list[KeyDayUsage]
    by_endpoint: list[EndpointUsage]


class PlanOut(ApiModel):
    tier: str
    api_keys: int
    webhook_endpoints: int
    key_rate_limit: int
    talent_pool_search: bool
    audit_retention_days: int


class PlanUsage(ApiModel):
    api_keys: int
    webhook_endpoints: int


class BillingOut(ApiModel):
    plan: PlanOut
    usage: PlanUsage
    plans: list[PlanOut]


@routes.get("/audit-logs", query=AuditQuery, response=list[AuditLogOut], paginated=True, scope="audit:read")
async def list_audit_logs(request: web.Request, query: AuditQuery) -> web.Response:
    """Every API call of the agency, newest first (filter by key, user, method, status, path, time)."""
    await flush_pending(request.app)
    filters = audit_service.AuditFilters(
        key_id=query.key_id, user_id=query.user_id, method=query.method, status=query.status,
        path=query.path, since=query.from_, until=query.to,
    )  # fmt: skip
    async with request.app[DB].acquire() as conn:
        rows, total = await audit_service.list_audit(
            conn, principal_of(request), filters, limit=query.per_page, offset=query.offset
        )
    return page((AuditLogOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/activities", query=ActivityQuery, response=list[ActivityOut], paginated=True, scope="analytics:read")
async def list_activities(request: web.Request, query: ActivityQuery) -> web.Response:
    """The agency's activity timeline: who did what to which record, newest first."""
    filters = audit_service.ActivityFilters(
        action_type=query.action_type, performed_by_id=query.performed_by_id, subject_type=query.subject_type,
        subject_id=query.subject_id, since=query.from_, until=query.to,
    )  # fmt: skip
    async with request.app[DB].acquire() as conn:
        rows, total = await audit_service.list_activities(
            conn, principal_of(request), filters, limit=query.per_page, offset=query.offset
        )
    return page((ActivityOut.from_record(r) for r in rows), total=total, query=query)


@routes.get("/usage", query=TimeWindow, response=UsageOut, scope="analytics:read")
async def get_usage(request: web.Request, query: TimeWindow) -> web.Response:
    """API calls per key per day and per endpoint, and how many were rate limited (default: 30 days)."""
    await flush_pending(request.app)
    since, until = audit_service.usage_window(query.from_, query.to)
    async with request.app[DB].acquire() as conn:
        figures = await audit_service.usage(conn, principal_of(request), since, until)
    return ok(UsageOut.model_validate({
        **figures,
        "by_key_per_day": [KeyDayUsage.from_record(r) for r in figures["by_key_per_day"]],
        "by_endpoint": [EndpointUsage.from_record(r) for r in figures["by_endpoint"]],
    }))  # fmt: skip


@routes.get("/billing", response=BillingOut, scope="agency:read")
async def get_billing(request: web.Request) -> web.Response:
    """The agency's plan tier, what it includes, what is in use, and the other tiers."""
    async with request.app[DB].acquire() as conn:
        summary = await audit_service.billing(conn, principal_of(request))
    return ok(BillingOut(
        plan=PlanOut.model_validate(summary["plan"].as_dict()),
        usage=PlanUsage.model_validate(summary["usage"]),
        plans=[PlanOut.model_validate(p.as_dict()) for p in summary["plans"]],
    ))  # fmt: skip

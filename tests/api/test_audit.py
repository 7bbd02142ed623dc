"""Audit trail (buffered, batched, flushed at shutdown), activity timeline, usage, billing,
and the plan gate other modules use."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from hubtest import Hub

from hub.activity import record_activity
from hub.auth.principal import ROLE_SCOPES, Principal
from hub.db import transaction
from hub.errors import PlanRequired
from hub.keys import DB
from hub.services.plans import require_plan

Factory = Callable[..., Awaitable[Hub]]


async def test_every_call_is_recorded_with_its_route_status_and_caller(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, ["keys:read"])
    missing = uuid.uuid4()
    await hub.call("GET", f"/api-keys/{missing}", status=404, headers={"X-API-Key": key, "User-Agent": "portal/1.0"})
    body = await hub.call("GET", "/audit-logs", status=200, headers=agency.owner.headers, params={"status": "404"})
    row = body["data"][0]
    assert row["endpoint"] == "/api/v1/api-keys/{id}" and row["path"] == f"/api/v1/api-keys/{missing}"
    assert (row["method"], row["status"], row["ip"], row["userAgent"]) == ("GET", 404, "127.0.0.1", "portal/1.0")
    assert row["apiKeyId"] is not None and row["userId"] is None and row["durationMs"] >= 0
    assert row["requestId"]


async def test_rows_wait_in_memory_until_flushed(make_hub: Factory, pool: asyncpg.Pool) -> None:
    hub = await make_hub(extra={"HUB_AUDIT_FLUSH_SECONDS": "3600"})
    agency = await hub.agency()
    await hub.call("GET", "/users/me", status=200, headers=agency.owner.headers)
    assert await pool.fetchval("SELECT count(*) FROM audit_logs") == 0  # nothing written on the request path
    body = await hub.call("GET", "/audit-logs", status=200, headers=agency.owner.headers, params={"path": "/api/v1/users"})
    assert body["meta"]["total"] == 1 and body["data"][0]["userId"] == agency.owner.id


async def test_the_background_writer_flushes_on_its_own(make_hub: Factory, pool: asyncpg.Pool) -> None:
    hub = await make_hub(extra={"HUB_AUDIT_FLUSH_SECONDS": "0.2"})
    agency = await hub.agency()
    await hub.call("GET", "/users/me", status=200, headers=agency.owner.headers)
    deadline = time.monotonic() + 5
    while await pool.fetchval("SELECT count(*) FROM audit_logs WHERE endpoint = '/api/v1/users/me'") == 0:
        assert time.monotonic() < deadline, "audit rows were not flushed"
        await asyncio.sleep(0.1)


async def test_what_is_buffered_is_written_at_shutdown(make_hub: Factory, pool: asyncpg.Pool) -> None:
    hub = await make_hub(extra={"HUB_AUDIT_FLUSH_SECONDS": "3600"})
    agency = await hub.agency()
    for _ in range(5):
        await hub.call("GET", "/users/me", status=200, headers=agency.owner.headers)
    await hub.client.close()
    assert await pool.fetchval("SELECT count(*) FROM audit_logs WHERE endpoint = '/api/v1/users/me'") == 5


async def test_filters_and_pagination(hub: Hub) -> None:
    agency = await hub.agency()
    key = await hub.api_key(agency, ["keys:read", "webhooks:read"])
    for _ in range(3):
        await hub.call("GET", "/api-keys", status=200, headers={"X-API-Key": key})
    await hub.call("GET", "/webhooks", status=200, headers={"X-API-Key": key})
    await hub.call("GET", "/users/me", status=200, headers=agency.owner.headers)
    owner = agency.owner.headers
    by_key = await hub.call("GET", "/audit-logs", status=200, headers=owner, params={"perPage": "2"})
    assert by_key["meta"]["perPage"] == 2 and len(by_key["data"]) == 2
    key_id = by_key["data"][0]["apiKeyId"] or by_key["data"][1]["apiKeyId"]
    rows = (await hub.call("GET", "/audit-logs", headers=owner, params={"keyId": key_id}))["data"]
    assert len(rows) == 4 and {r["apiKeyId"] for r in rows} == {key_id}
    webhooks = await hub.call("GET", "/audit-logs", headers=owner, params={"path": "/api/v1/webhooks", "method": "GET"})
    assert webhooks["meta"]["total"] == 1
    mine = await hub.call("GET", "/audit-logs", headers=owner, params={"userId": agency.owner.id, "status": "200"})
    assert {r["endpoint"] for r in mine["data"]} >= {"/api/v1/users/me"}
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await hub.call("GET", "/audit-logs", headers=owner, params={"from": future}))["meta"]["total"] == 0
    assert (await hub.call("GET", "/audit-logs", headers=owner, params={"to": future}))["meta"]["total"] >= 5


async def test_an_agency_sees_only_its_own_calls(hub: Hub) -> None:
    mine, theirs = await hub.agency("Mine"), await hub.agency("Theirs")
    await hub.call("GET", "/users/me", status=200, headers=theirs.owner.headers)
    rows = (await hub.call("GET", "/audit-logs", headers=mine.owner.headers, params={"userId": theirs.owner.id}))["data"]
    assert rows == []


@pytest.mark.parametrize("params", [
    {"status": "abc"}, {"status": "42"}, {"keyId": "nope"}, {"method": "BREW"}, {"from": "yesterday"},
    {"from": "2025-02-01T00:00:00Z", "to": "2025-01-01T00:00:00Z"}, {"perPage": "1000"},
    {"to": "0001-01-02T00:00:00Z"}, {"from": "9999-12-31T23:59:59-14:00"},
])  # fmt: skip
async def test_bad_filters_are_400(hub: Hub, params: dict[str, str]) -> None:
    agency = await hub.agency()
    body = await hub.call("GET", "/audit-logs", status=400, headers=agency.owner.headers, params=params)
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_recruiters_cannot_read_the_audit_log(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    body = await hub.call("GET", "/audit-logs", status=403, headers=recruiter.headers)
    assert body["error"]["details"]["scope"] == "audit:read"


async def test_activity_timeline_with_filters(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    subject = uuid.uuid4()
    async with transaction(hub.app[DB]) as conn:
        who = Principal("user", uuid.UUID(recruiter.id), uuid.UUID(agency.id), "recruiter", ROLE_SCOPES["recruiter"])
        await record_activity(conn, who, uuid.UUID(agency.id), "application.moved", "Moved to interview",
                              subject_type="application", subject_id=subject)
        await record_activity(conn, None, uuid.UUID(agency.id), "recording.ready", "Recording stored")
    headers = recruiter.headers
    everything = await hub.call("GET", "/activities", status=200, headers=headers)
    assert everything["meta"]["total"] == 2
    for params in ({"actionType": "application.moved"}, {"performedById": recruiter.id},
                   {"subjectType": "application", "subjectId": str(subject)}):  # fmt: skip
        rows = (await hub.call("GET", "/activities", status=200, headers=headers, params=params))["data"]
        assert [r["description"] for r in rows] == ["Moved to interview"]
    system = (await hub.call("GET", "/activities", headers=headers, params={"actionType": "recording.ready"}))["data"]
    assert system[0]["performedByType"] == "system" and system[0]["performedById"] is None
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert (await hub.call("GET", "/activities", headers=headers, params={"from": later}))["meta"]["total"] == 0
    other = await hub.agency("Other")
    assert (await hub.call("GET", "/activities", headers=other.owner.headers))["meta"]["total"] == 0


async def test_usage_counts_calls_per_key_and_endpoint_and_rate_limit_hits(make_hub: Factory) -> None:
    hub = await make_hub(extra={"HUB_RATE_LIMIT_SCALE": "1"})
    agency = await hub.agency()
    key = await hub.api_key(agency, ["keys:read"], rate_limit=2)
    for status in (200, 200, 429):
        await hub.call("GET", "/api-keys", status=status, headers={"X-API-Key": key})
    usage = (await hub.call("GET", "/usage", status=200, headers=agency.owner.headers))["data"]
    [per_key] = usage["byKeyPerDay"]
    assert (per_key["calls"], per_key["rateLimited"], per_key["keyName"]) == (3, 1, "test key")
    assert per_key["day"] == datetime.now(UTC).date().isoformat()
    endpoint = next(e for e in usage["byEndpoint"] if e["endpoint"] == "/api/v1/api-keys")
    assert (endpoint["method"], endpoint["calls"], endpoint["rateLimited"]) == ("GET", 3, 1)
    assert usage["rateLimited"] == 1 and usage["calls"] >= 3


async def test_usage_window_is_bounded(hub: Hub) -> None:
    agency = await hub.agency()
    await hub.call("GET", "/usage", status=400, headers=agency.owner.headers,
                   params={"from": "2020-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"})


async def test_billing_reports_the_plan_its_limits_and_use(hub: Hub) -> None:
    agency = await hub.agency(plan="pro")
    await hub.api_key(agency, ["jobs:read"])
    body = (await hub.call("GET", "/billing", status=200, headers=agency.owner.headers))["data"]
    assert body["plan"]["tier"] == "pro" and body["plan"]["talentPoolSearch"] is False
    assert body["usage"] == {"apiKeys": 1, "webhookEndpoints": 0}
    assert [p["tier"] for p in body["plans"]] == ["free", "pro", "enterprise"]
    assert body["plans"][2]["talentPoolSearch"] is True


async def test_require_plan_names_the_tier(hub: Hub) -> None:
    free, enterprise = await hub.agency("Free"), await hub.agency("Big", plan="enterprise")
    async with hub.app[DB].acquire() as conn:
        with pytest.raises(PlanRequired) as raised:
            await require_plan(conn, uuid.UUID(free.id), "enterprise", "Talent-pool search")
        assert raised.value.details == {"requiredTier": "enterprise"} and raised.value.status == 403
        plan = await require_plan(conn, uuid.UUID(enterprise.id), "enterprise", "Talent-pool search")
        assert plan.talent_pool_search

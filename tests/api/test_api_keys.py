"""API keys: creation, the secret shown once, scopes (the matrix over every declared route),
expiry, revocation across hub processes, IP allowlists, rotation, plan quotas, bad input."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hubtest import Agency, Hub

from hub.auth.principal import SCOPES
from hub.errors import Forbidden
from hub.http import OPERATIONS
from hub.keys import AUTH

_PARAM = re.compile(r"\{(\w+)(?::([^}]*))?\}")


async def create_key(hub: Hub, agency: Agency, status: int = 201, **body: Any) -> dict[str, Any]:
    payload = {"name": "portal", "scopes": ["keys:read", "webhooks:read"], **body}
    reply = await hub.call("POST", "/api-keys", status=status, json=payload, headers=agency.owner.headers)
    return reply if status != 201 else reply["data"]


def key_headers(secret: str) -> dict[str, str]:
    return {"X-API-Key": secret}


async def test_secret_is_shown_once_and_only_its_prefix_afterwards(hub: Hub) -> None:
    agency = await hub.agency()
    created = await create_key(hub, agency)
    secret = created["secret"]
    assert secret.startswith(created["keyPrefix"] + ".")
    assert created["createdBy"] == agency.owner.id and created["status"] == "active"
    listed = await hub.call("GET", "/api-keys", status=200, headers=agency.owner.headers)
    one = await hub.call("GET", f"/api-keys/{created['id']}", status=200, headers=agency.owner.headers)
    assert listed["meta"]["total"] == 1 and listed["data"][0]["keyPrefix"] == created["keyPrefix"]
    assert secret not in str(listed) and secret not in str(one) and "secret" not in one["data"]


async def test_created_key_works_within_its_scopes_only(hub: Hub) -> None:
    agency = await hub.agency()
    secret = (await create_key(hub, agency, scopes=["keys:read"]))["secret"]
    await hub.call("GET", "/api-keys", status=200, headers=key_headers(secret))
    body = await hub.call("GET", "/webhooks", status=403, headers=key_headers(secret))
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE" and body["error"]["details"]["scope"] == "webhooks:read"


async def test_last_used_at_is_recorded(hub: Hub) -> None:
    agency = await hub.agency()
    created = await create_key(hub, agency)
    assert created["lastUsedAt"] is None
    await hub.call("GET", "/api-keys", status=200, headers=key_headers(created["secret"]))
    one = await hub.call("GET", f"/api-keys/{created['id']}", status=200, headers=agency.owner.headers)
    assert one["data"]["lastUsedAt"] is not None


async def test_recruiter_cannot_mint_keys(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    body = await hub.call("POST", "/api-keys", status=403, headers=recruiter.headers,
                          json={"name": "mine", "scopes": ["jobs:read"]})
    assert body["error"]["code"] == "INSUFFICIENT_SCOPE" and body["error"]["details"]["scope"] == "keys:write"


async def test_key_cannot_grant_scopes_it_does_not_hold(hub: Hub) -> None:
    agency = await hub.agency()
    minter = await hub.api_key(agency, ["keys:read", "keys:write", "jobs:read"])
    body = await hub.call("POST", "/api-keys", status=403, headers=key_headers(minter),
                          json={"name": "wider", "scopes": ["jobs:read", "webhooks:write"]})
    assert body["error"]["details"]["scopes"] == ["webhooks:write"]
    made = await hub.call("POST", "/api-keys", status=201, headers=key_headers(minter),
                          json={"name": "narrower", "scopes": ["jobs:read"]})
    assert made["data"]["createdBy"] is None and made["data"]["createdByKeyId"] is not None


async def test_key_cannot_rotate_or_change_a_more_powerful_key(hub: Hub) -> None:
    agency = await hub.agency()
    strong = await create_key(hub, agency, scopes=list(SCOPES))
    weak = await hub.api_key(agency, ["keys:read", "keys:write"])
    await hub.call("POST", f"/api-keys/{strong['id']}/rotate", status=403, headers=key_headers(weak), json={})
    await hub.call("PATCH", f"/api-keys/{strong['id']}", status=403, headers=key_headers(weak), json={"rateLimit": 5})


def _fill(path: str) -> str:
    """A value for each path parameter that its pattern (if any) accepts: ids are UUIDs."""

    def value(match: re.Match[str]) -> str:
        candidates = [str(uuid.uuid4()), "1", "sample", "sample.txt"]
        pattern = match[2]
        return next(c for c in candidates if pattern is None or re.fullmatch(pattern, c))

    return _PARAM.sub(value, path)


async def test_every_scoped_route_refuses_a_key_without_its_scope(hub: Hub) -> None:
    """The matrix: for each declared operation, a key holding every scope but the route's gets 403."""
    agency = await hub.agency()
    operations = [op for op in hub.app[OPERATIONS] if op.auth and op.scope]
    assert len(operations) >= 15
    keys: dict[str, str] = {}
    for scope in {op.scope for op in operations}:
        assert scope in SCOPES, f"{scope} is not a declared scope"
        keys[scope] = await hub.api_key(agency, [s for s in SCOPES if s != scope])
    for op in operations:
        response = await hub.client.request(op.method, "/api/v1" + _fill(op.path), headers=key_headers(keys[op.scope]))
        body = await response.json()
        assert response.status == 403, f"{op.method} {op.path}: {response.status} {body}"
        assert body["error"]["code"] == "INSUFFICIENT_SCOPE", f"{op.method} {op.path}: {body}"
        assert body["error"]["details"]["scope"] == op.scope


async def test_expired_key_is_rejected(hub: Hub) -> None:
    agency = await hub.agency()
    secret = await hub.api_key(agency, ["keys:read"], expires_at=datetime.now(UTC) - timedelta(seconds=1))
    body = await hub.call("GET", "/api-keys", status=401, headers=key_headers(secret))
    assert body["error"]["code"] == "KEY_EXPIRED"


async def test_expiry_in_the_past_is_refused_at_creation(hub: Hub) -> None:
    agency = await hub.agency()
    body = await create_key(hub, agency, status=400, expiresAt="2020-01-01T00:00:00Z")
    assert body["error"]["code"] == "VALIDATION_ERROR"


async def test_revocation_holds_at_once_on_another_hub_process(hub: Hub, make_hub: Callable[..., Awaitable[Hub]]) -> None:
    other = await make_hub()
    agency = await hub.agency()
    created = await create_key(hub, agency)
    await other.call("GET", "/api-keys", status=200, headers=key_headers(created["secret"]))
    revoked = await hub.call("DELETE", f"/api-keys/{created['id']}", status=200, headers=agency.owner.headers)
    started = time.monotonic()
    assert revoked["data"]["status"] == "revoked"
    body = await other.call("GET", "/api-keys", status=401, headers=key_headers(created["secret"]))
    assert body["error"]["code"] == "KEY_REVOKED"
    assert time.monotonic() - started < 1.0


async def test_patch_revoked_true_revokes_and_cannot_be_undone(hub: Hub) -> None:
    agency = await hub.agency()
    created = await create_key(hub, agency)
    await hub.call("PATCH", f"/api-keys/{created['id']}", status=200, headers=agency.owner.headers, json={"revoked": True})
    await hub.call("GET", "/api-keys", status=401, headers=key_headers(created["secret"]))
    body = await hub.call("PATCH", f"/api-keys/{created['id']}", status=422, headers=agency.owner.headers,
                          json={"revoked": False})
    assert body["error"]["code"] == "RULE_VIOLATED"


async def test_patch_changes_settings(hub: Hub) -> None:
    agency = await hub.agency()
    created = await create_key(hub, agency)
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    body = await hub.call("PATCH", f"/api-keys/{created['id']}", status=200, headers=agency.owner.headers,
                          json={"name": "renamed", "scopes": ["jobs:read"], "rateLimit": 42, "expiresAt": later,
                                "ipWhitelist": ["10.0.0.0/8"]})
    data = body["data"]
    assert (data["name"], data["scopes"], data["rateLimit"], data["ipWhitelist"]) == ("renamed", ["jobs:read"], 42, ["10.0.0.0/8"])
    cleared = await hub.call("PATCH", f"/api-keys/{created['id']}", status=200, headers=agency.owner.headers,
                             json={"expiresAt": None})
    assert cleared["data"]["expiresAt"] is None


@pytest.mark.parametrize(("allowed", "status"), [
    (["127.0.0.1"], 200), (["127.0.0.0/8"], 200), (["10.0.0.0/8", "192.168.1.7"], 403),
])  # fmt: skip
async def test_ipv4_allowlist(hub: Hub, allowed: list[str], status: int) -> None:
    agency = await hub.agency()
    created = await create_key(hub, agency, ipWhitelist=allowed)
    body = await hub.call("GET", "/api-keys", status=status, headers=key_headers(created["secret"]))
    if status == 403:
        assert body["error"]["code"] == "IP_NOT_ALLOWED"


async def test_ipv6_allowlist_matches_addresses_and_ranges(hub: Hub) -> None:
    """The test client speaks IPv4, so the key check is called with IPv6 addresses directly."""
    agency = await hub.agency()
    created = await create_key(hub, agency, ipWhitelist=["2001:db8::/32", "::1", "fe80::1"])
    assert created["ipWhitelist"] == ["2001:db8::/32", "::1", "fe80::1"]
    auth = hub.app[AUTH]
    for address in ("2001:db8::7", "2001:db8:ffff::1", "::1", "fe80::1"):
        principal, _ = await auth.principal_from_api_key(created["secret"], address)
        assert str(principal.id) == created["id"]
    for address in ("2001:db9::1", "::2", "127.0.0.1"):
        with pytest.raises(Forbidden):
            await auth.principal_from_api_key(created["secret"], address)


@pytest.mark.parametrize("entry", ["999.1.1.1", "10.0.0.1/8", "not-an-ip", "2001:db8::/129", ""])
async def test_invalid_allowlist_entries_are_refused(hub: Hub, entry: str) -> None:
    agency = await hub.agency()
    body = await create_key(hub, agency, status=400, ipWhitelist=[entry])
    assert body["error"]["details"]["errors"][0]["field"].startswith("ipWhitelist")


async def test_rotation_with_overlap_keeps_the_old_key_until_the_overlap_ends(hub: Hub) -> None:
    agency = await hub.agency(plan="pro")
    old = await create_key(hub, agency, rateLimit=77, ipWhitelist=["127.0.0.1"])
    rotated = await hub.call("POST", f"/api-keys/{old['id']}/rotate", status=201, headers=agency.owner.headers,
                             json={"overlapSeconds": 1})
    new = rotated["data"]["key"]
    assert new["rotatedFromId"] == old["id"] and new["secret"] != old["secret"]
    assert (new["rateLimit"], new["ipWhitelist"], new["scopes"]) == (77, ["127.0.0.1"], old["scopes"])
    await hub.call("GET", "/api-keys", status=200, headers=key_headers(old["secret"]))
    await hub.call("GET", "/api-keys", status=200, headers=key_headers(new["secret"]))
    await asyncio.sleep(1.2)
    body = await hub.call("GET", "/api-keys", status=401, headers=key_headers(old["secret"]))
    assert body["error"]["code"] == "KEY_EXPIRED"
    await hub.call("GET", "/api-keys", status=200, headers=key_headers(new["secret"]))


async def test_rotation_without_overlap_revokes_the_old_key_now(hub: Hub) -> None:
    agency = await hub.agency()
    old = await create_key(hub, agency)
    rotated = await hub.call("POST", f"/api-keys/{old['id']}/rotate", status=201, headers=agency.owner.headers, json={})
    assert rotated["data"]["previous"]["status"] == "revoked"
    await hub.call("GET", "/api-keys", status=401, headers=key_headers(old["secret"]))
    second = await hub.call("POST", f"/api-keys/{old['id']}/rotate", status=422, headers=agency.owner.headers, json={})
    assert second["error"]["code"] == "RULE_VIOLATED"


async def test_secret_never_appears_in_later_replies_or_logs(hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    agency = await hub.agency()
    created = await create_key(hub, agency, scopes=list(SCOPES))
    secret = created["secret"]
    headers = key_headers(secret)
    replies = [
        await hub.call("GET", "/api-keys", headers=headers),
        await hub.call("GET", f"/api-keys/{created['id']}", headers=headers),
        await hub.call("PATCH", f"/api-keys/{created['id']}", headers=headers, json={"name": "renamed"}),
        await hub.call("GET", "/audit-logs", headers=headers),
        await hub.call("GET", "/usage", headers=headers),
        await hub.call("GET", "/no/such/route", headers=headers),
        await hub.call("GET", "/api-keys", headers={"X-API-Key": secret + "x"}),
    ]
    rotated = await hub.call("POST", f"/api-keys/{created['id']}/rotate", headers=headers, json={"overlapSeconds": 60})
    new_secret = rotated["data"]["key"]["secret"]
    replies.append(await hub.call("GET", "/api-keys", headers=key_headers(new_secret)))
    for reply in replies:
        assert secret not in str(reply) and new_secret not in str(reply)
    assert "/api/v1/api-keys" in caplog.text  # the request log was captured
    assert secret not in caplog.text and new_secret not in caplog.text
    assert secret.split(".")[1] not in caplog.text


async def test_free_plan_allows_three_active_keys(hub: Hub) -> None:
    agency = await hub.agency()
    for _ in range(3):
        await create_key(hub, agency)
    body = await create_key(hub, agency, status=403)
    assert body["error"]["code"] == "PLAN_REQUIRED" and body["error"]["details"]["requiredTier"] == "pro"


async def test_rate_limit_above_the_plan_needs_a_higher_tier(hub: Hub) -> None:
    agency = await hub.agency()
    body = await create_key(hub, agency, status=403, rateLimit=1000)
    assert body["error"]["details"]["requiredTier"] == "pro"
    enterprise = await hub.agency(plan="enterprise")
    assert (await create_key(hub, enterprise, rateLimit=5000))["rateLimit"] == 5000


@pytest.mark.parametrize("body", [
    {"name": "x", "scopes": ["no:such"]},
    {"name": "x", "scopes": []},
    {"name": "", "scopes": ["jobs:read"]},
    {"name": "x" * 201, "scopes": ["jobs:read"]},
    {"name": "x", "scopes": "jobs:read"},
    {"name": "x", "scopes": ["jobs:read"], "rateLimit": 0},
    {"name": "x", "scopes": ["jobs:read"], "rateLimit": "fast"},
    {"name": "x", "scopes": ["jobs:read"], "expiresAt": "tomorrow"},
    {"name": "x", "scopes": ["jobs:read"], "expiresAt": "9999-12-31T23:59:59-14:00"},
    {"name": "x", "scopes": ["jobs:read"], "expiresAt": "2030-01-01T00:00:00"},
    {"name": "x", "scopes": ["jobs:read"], "ipWhitelist": ["10.0.0.1"] * 51},
    {"name": "x", "scopes": ["jobs:read"], "admin": True},
])  # fmt: skip
async def test_invalid_bodies_are_400(hub: Hub, body: dict[str, Any]) -> None:
    agency = await hub.agency()
    reply = await hub.call("POST", "/api-keys", status=400, json=body, headers=agency.owner.headers)
    assert reply["error"]["code"] == "VALIDATION_ERROR"


async def test_malformed_json_is_400(hub: Hub) -> None:
    agency = await hub.agency()
    reply = await hub.call("POST", "/api-keys", status=400, data=b"{nope",
                           headers={**agency.owner.headers, "Content-Type": "application/json"})
    assert reply["error"]["code"] == "VALIDATION_ERROR"


async def test_unknown_and_foreign_ids_are_404(hub: Hub) -> None:
    mine, theirs = await hub.agency("Mine"), await hub.agency("Theirs")
    foreign = await create_key(hub, theirs)
    for method, path, json in (("GET", "", None), ("PATCH", "", {"name": "x"}), ("DELETE", "", None),
                               ("POST", "/rotate", {})):  # fmt: skip
        for key_id in (foreign["id"], str(uuid.uuid4())):
            reply = await hub.call(method, f"/api-keys/{key_id}{path}", status=404, json=json, headers=mine.owner.headers)
            assert reply["error"]["code"] == "NOT_FOUND"
    await hub.call("GET", "/api-keys/not-a-uuid", status=400, headers=mine.owner.headers)
    await hub.call("GET", "/api-keys", status=200, headers=key_headers(foreign["secret"]))


async def test_candidates_have_no_keys(hub: Hub) -> None:
    candidate = await hub.candidate()
    await hub.call("GET", "/api-keys", status=403, headers=candidate.headers)

"""Rate limits per key, per user, per address (public and credential endpoints), shared by
hub processes through Redis, with RateLimit-* headers and Retry-After on a 429."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import pytest
from hubtest import PASSWORD, Hub
from limits import RateLimitItemPerMinute
from limits.aio.storage import RedisStorage

from hub.ratelimit import RateLimitConfig, RateLimiter
from hub.settings import Settings, SettingsError

Factory = Callable[..., Awaitable[Hub]]


def limits(**values: str) -> dict[str, dict[str, str]]:
    """Settings changes for a hub with real (unscaled) limits."""
    return {"extra": {"HUB_RATE_LIMIT_SCALE": "1", **values}}


async def test_key_limit_counts_down_then_answers_429(make_hub: Factory) -> None:
    hub = await make_hub(**limits())
    agency = await hub.agency()
    key = await hub.api_key(agency, ["keys:read"], rate_limit=3)
    for remaining in (2, 1, 0):
        response = await hub.client.get("/api/v1/api-keys", headers={"X-API-Key": key})
        assert response.status == 200
        assert response.headers["RateLimit-Limit"] == "3"
        assert response.headers["RateLimit-Remaining"] == str(remaining)
        assert 1 <= int(response.headers["RateLimit-Reset"]) <= 60
    response = await hub.client.get("/api/v1/api-keys", headers={"X-API-Key": key})
    body = await response.json()
    assert response.status == 429 and body["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["RateLimit-Remaining"] == "0" and response.headers["RateLimit-Limit"] == "3"


async def test_each_key_has_its_own_budget(make_hub: Factory) -> None:
    hub = await make_hub(**limits())
    agency = await hub.agency()
    first = await hub.api_key(agency, ["keys:read"], rate_limit=1)
    second = await hub.api_key(agency, ["keys:read"], rate_limit=1)
    await hub.call("GET", "/api-keys", status=200, headers={"X-API-Key": first})
    await hub.call("GET", "/api-keys", status=429, headers={"X-API-Key": first})
    await hub.call("GET", "/api-keys", status=200, headers={"X-API-Key": second})


async def test_user_limit(make_hub: Factory) -> None:
    hub = await make_hub(**limits(HUB_RATE_LIMIT_USER="3/minute"))
    person = await hub.candidate()
    for _ in range(3):
        await hub.call("GET", "/users/me", status=200, headers=person.headers)
    body = await hub.call("GET", "/users/me", status=429, headers=person.headers)
    assert body["error"]["code"] == "RATE_LIMITED"
    other = await hub.candidate()
    await hub.call("GET", "/users/me", status=200, headers=other.headers)


async def test_credential_endpoints_are_limited_per_address(make_hub: Factory) -> None:
    hub = await make_hub(**limits(HUB_RATE_LIMIT_CREDENTIALS="4/minute"))
    person = await hub.candidate()  # one registration
    for _ in range(3):
        await hub.call("POST", "/auth/login", status=401, json={"email": person.email, "password": "wrong-password"})
    body = await hub.call("POST", "/auth/login", status=429, json={"email": person.email, "password": PASSWORD})
    assert body["error"]["code"] == "RATE_LIMITED"
    await hub.call("POST", "/auth/refresh-token", status=429, json={"refreshToken": person.refresh_token})


async def test_public_endpoints_are_limited_per_address(make_hub: Factory) -> None:
    hub = await make_hub(**limits(HUB_RATE_LIMIT_PUBLIC="2/minute"))
    for _ in range(2):
        response = await hub.client.get("/api/v1/health")
        assert response.headers["RateLimit-Limit"] == "2"
    response = await hub.client.get("/api/v1/health")
    assert response.status == 429 and "Retry-After" in response.headers


async def test_failed_authentication_counts_against_the_address(make_hub: Factory) -> None:
    hub = await make_hub(**limits(HUB_RATE_LIMIT_PUBLIC="2/minute"))
    for _ in range(2):
        await hub.call("GET", "/api-keys", status=401, headers={"X-API-Key": "rhk_0000000000.guess"})
    body = await hub.call("GET", "/api-keys", status=429, headers={"X-API-Key": "rhk_0000000000.guess"})
    assert body["error"]["code"] == "RATE_LIMITED"


async def test_limits_are_shared_by_hub_processes_through_redis(make_hub: Factory, redis_url: str) -> None:
    prefix = f"test-rl-{uuid.uuid4().hex[:12]}"
    changes = {"redis_url": redis_url, **limits(HUB_RATE_LIMIT_PREFIX=prefix)}
    first, second = await make_hub(**changes), await make_hub(**changes)
    agency = await first.agency()
    key = {"X-API-Key": await first.api_key(agency, ["keys:read"], rate_limit=4)}
    for hub in (first, second, first, second):
        await hub.call("GET", "/api-keys", status=200, headers=key)
    await second.call("GET", "/api-keys", status=429, headers=key)
    await first.call("GET", "/api-keys", status=429, headers=key)


async def test_limits_can_be_switched_off(make_hub: Factory) -> None:
    hub = await make_hub(**limits(HUB_RATE_LIMIT_ENABLED="false"))
    agency = await hub.agency()
    key = await hub.api_key(agency, ["keys:read"], rate_limit=1)
    for _ in range(3):
        response = await hub.client.get("/api/v1/api-keys", headers={"X-API-Key": key})
        assert response.status == 200 and "RateLimit-Limit" not in response.headers


@pytest.mark.parametrize(("name", "value"), [
    ("HUB_RATE_LIMIT_USER", "lots"), ("HUB_RATE_LIMIT_PUBLIC", "5 per fortnight"), ("HUB_RATE_LIMIT_SCALE", "0"),
    ("HUB_RATE_LIMIT_ENABLED", "maybe"), ("HUB_RATE_LIMIT_PREFIX", "has space"),
])  # fmt: skip
def test_malformed_settings_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        RateLimitConfig.from_settings(Settings(extra={name: value}))


async def test_an_unreachable_counter_store_lets_requests_through() -> None:
    """Fail open: a Redis outage must not turn into an API outage."""
    limiter = RateLimiter(RateLimitConfig(), RedisStorage("async+redis://127.0.0.1:1", implementation="redispy"))
    decision = await limiter.hit(RateLimitItemPerMinute(1), "key", "k1")
    assert decision.allowed and decision.limit == 1

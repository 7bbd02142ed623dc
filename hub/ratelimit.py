"""Request rate limits (the `limits` library): per API key, per user, per address.

Which limit a request meets:
- an API key: the key's own `rateLimit` (requests per minute);
- a signed-in person: HUB_RATE_LIMIT_USER (default 300/minute) per user;
- an unauthenticated credential endpoint (auth=False under /auth/: login, register, refresh):
  HUB_RATE_LIMIT_CREDENTIALS (default 10/minute) per client address;
- any other unauthenticated API call, and every failed authentication:
  HUB_RATE_LIMIT_PUBLIC (default 60/minute) per client address.
Counters live in process memory, or in Redis when REDIS_URL is set so that every hub process
shares them. Limited responses carry RateLimit-Limit/-Remaining/-Reset; a 429 adds Retry-After.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from limits import RateLimitItem, RateLimitItemPerMinute, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from .errors import RateLimited, Unauthenticated
from .http import API_KEY_RECORD, API_PREFIX, OPERATIONS, Operation, authenticate
from .keys import RATE_LIMITER, REDIS, SETTINGS
from .settings import Settings, SettingsError

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STORE_WARNING_SECONDS = 10.0  # at most one warning this often while the counter store is down
CREDENTIAL_PREFIX = "/auth/"  # auth=False operations under this path are credential endpoints


def _limit(name: str, raw: str) -> RateLimitItem:
    try:
        return parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must look like '300/minute' or '10 per second', got {raw!r}") from None


@dataclass(frozen=True)
class RateLimitConfig:
    """Limits read from HUB_RATE_LIMIT_* (Settings.extra); see docs/rate-limits.md."""

    enabled: bool = True
    user: str = "300/minute"
    public: str = "60/minute"
    credentials: str = "10/minute"
    scale: float = 1.0  # multiplies every limit, keys' own too (load tests, test suites)
    redis_prefix: str = "hub-ratelimit"

    @classmethod
    def from_settings(cls, settings: Settings, defaults: RateLimitConfig | None = None) -> RateLimitConfig:
        base = defaults or DEFAULTS
        env = settings.extra
        values: dict[str, Any] = {}
        if (raw := env.get("HUB_RATE_LIMIT_ENABLED")) is not None:
            if raw.strip().lower() not in {"on", "off", "true", "false", "1", "0"}:
                raise SettingsError(f"HUB_RATE_LIMIT_ENABLED must be true or false, got {raw!r}")
            values["enabled"] = raw.strip().lower() in {"on", "true", "1"}
        for name, attr in (("HUB_RATE_LIMIT_USER", "user"), ("HUB_RATE_LIMIT_PUBLIC", "public"),
                           ("HUB_RATE_LIMIT_CREDENTIALS", "credentials")):  # fmt: skip
            if (raw := env.get(name)) is not None:
                _limit(name, raw)
                values[attr] = raw.strip()
        if (raw := env.get("HUB_RATE_LIMIT_SCALE")) is not None:
            try:
                values["scale"] = float(raw)
            except ValueError:
                raise SettingsError(f"HUB_RATE_LIMIT_SCALE must be a number, got {raw!r}") from None
            if not 0 < values["scale"] <= 1_000_000:
                raise SettingsError("HUB_RATE_LIMIT_SCALE must be above 0")
        if (raw := env.get("HUB_RATE_LIMIT_PREFIX")) is not None:
            if not re.fullmatch(r"[A-Za-z0-9:_.-]{1,64}", raw):
                raise SettingsError("HUB_RATE_LIMIT_PREFIX must be 1-64 of A-Z a-z 0-9 : _ . -")
            values["redis_prefix"] = raw
        return RateLimitConfig(**{**base.__dict__, **values})


DEFAULTS = RateLimitConfig()  # what an unset variable means


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window resets

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimiter:
    """Fixed-window counters keyed by who is asking; one instance per hub process."""

    def __init__(self, config: RateLimitConfig, storage: Storage) -> None:
        self.config = config
        self._strategy = FixedWindowRateLimiter(storage)
        self.user = self._scaled(_limit("HUB_RATE_LIMIT_USER", config.user))
        self.public = self._scaled(_limit("HUB_RATE_LIMIT_PUBLIC", config.public))
        self.credentials = self._scaled(_limit("HUB_RATE_LIMIT_CREDENTIALS", config.credentials))
        self._per_key: dict[int, RateLimitItem] = {}
        self._operations: dict[tuple[str, str], Operation] | None = None
        self._last_warning = -math.inf

    def _scaled(self, item: RateLimitItem) -> RateLimitItem:
        if self.config.scale == 1:
            return item
        return type(item)(max(1, math.floor(item.amount * self.config.scale)), item.multiples)

    def for_key(self, per_minute: int) -> RateLimitItem:
        item = self._per_key.get(per_minute)
        if item is None:
            item = self._per_key[per_minute] = self._scaled(RateLimitItemPerMinute(per_minute))
        return item

    async def hit(self, item: RateLimitItem, *identity: str) -> Decision:
        """Count one request. When the counter store (Redis) fails, the request is let through:
        an outage of the limiter must not become an outage of the API."""
        try:
            allowed = await self._strategy.hit(item, *identity)
            reset_at, remaining = await self._strategy.get_window_stats(item, *identity)
        except Exception:
            if time.monotonic() - self._last_warning > STORE_WARNING_SECONDS:
                self._last_warning = time.monotonic()
                logger.warning("rate limit store failed; letting requests through", exc_info=True)
            return Decision(True, item.amount, item.amount, item.get_expiry())
        return Decision(allowed, item.amount, remaining, max(1, math.ceil(reset_at - time.time())))

    def operation(self, request: web.Request) -> Operation | None:
        """The declared operation a request matched (None: no route, or not an API route)."""
        if self._operations is None:
            self._operations = {
                (op.method, _template(API_PREFIX + op.path)): op for op in request.app.get(OPERATIONS, [])
            }
        resource = request.match_info.route.resource
        if resource is None:
            return None
        return self._operations.get((request.method, resource.canonical))


def _template(path: str) -> str:
    """Route path as aiohttp's `canonical` spells it (regex parts of `{name:regex}` dropped)."""
    return re.sub(r"\{(\w+):[^}]*\}", r"{\1}", path)


def _storage(app: web.Application, config: RateLimitConfig) -> Storage:
    url = app[SETTINGS].redis_url
    if url is None:
        return MemoryStorage()
    if url.startswith("unix://"):
        uri = "async+redis+unix://" + url.removeprefix("unix://")
    else:
        uri = "async+" + url
    # Reuse the hub's own Redis pool (closed by its cleanup_ctx).
    return RedisStorage(uri, implementation="redispy", key_prefix=config.redis_prefix,
                        connection_pool=app[REDIS].connection_pool)  # fmt: skip


async def rate_limits(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one limiter per process; after `_redis`, whose pool it shares."""
    config = RateLimitConfig.from_settings(app[SETTINGS])
    app[RATE_LIMITER] = RateLimiter(config, _storage(app, config))
    yield


async def _who(limiter: RateLimiter, request: web.Request, op: Operation | None) -> tuple[RateLimitItem, tuple[str, ...], str]:
    """(limit, identity, description) for a request."""
    address = request.remote or "unknown"
    if op is None or not op.auth:
        if op is not None and op.path.startswith(CREDENTIAL_PREFIX):
            return limiter.credentials, ("credentials", address), "this address on credential endpoints"
        return limiter.public, ("public", address), "this address"
    try:
        principal = await authenticate(request)
    except Unauthenticated:
        # Failed credentials count against the address: guessing keys or tokens is throttled.
        decision = await limiter.hit(limiter.public, "public", address)
        if not decision.allowed:
            raise _limited(decision, "this address") from None
        raise
    if principal.kind == "api_key":
        key = request[API_KEY_RECORD]  # the key row authenticate() stored
        return limiter.for_key(key["rate_limit"]), ("key", str(principal.id)), "this API key"
    return limiter.user, ("user", str(principal.id)), "this user"


def _limited(decision: Decision, who: str) -> RateLimited:
    return RateLimited(
        f"Rate limit of {decision.limit} requests exceeded for {who}; retry in {decision.reset_seconds} s",
        retry_after=decision.reset_seconds,
        headers=decision.headers(),
    )


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request against its limit; 429 RATE_LIMITED when it is spent."""
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None or not limiter.config.enabled or not request.path.startswith(API_PREFIX + "/"):
        return await handler(request)
    op = limiter.operation(request)
    item, identity, who = await _who(limiter, request, op)
    decision = await limiter.hit(item, *identity)
    if not decision.allowed:
        raise _limited(decision, who)
    response = await handler(request)
    if not response.prepared:
        response.headers.update(decision.headers())
    return response

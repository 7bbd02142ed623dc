"""The `webhook.deliver` job: one signed HTTP attempt of one delivery, then its record.

Headers follow Standard Webhooks: `webhook-id` (the event id: the same on every attempt, so
receivers can drop repeats), `webhook-timestamp`, `webhook-signature` (`v1,<base64>`, two
during a secret rotation). Redirects are not followed (a 3xx is a failure), every attempt has
a time limit, and connections go only to addresses hub.ssrf allows.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import aiohttp
from aiohttp import web
from yarl import URL

from hub.db import Record, transaction
from hub.keys import SETTINGS, WEBHOOK_HTTP
from hub.services import webhooks as webhook_service
from hub.services.webhooks import RESPONSE_EXCERPT_BYTES, AttemptResult, WebhookConfig
from hub.ssrf import BlockedTarget, check_literal_host, guarded_session

from .registry import JobRegistry, PermanentJobError
from .runner import JobContext

USER_AGENT = "RecruitHub-Webhooks/1.0"


async def webhook_client(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one pooled, SSRF-guarded client for the hub's in-process workers."""
    session = guarded_session(allow_private=app[SETTINGS].webhook_allow_private)
    app[WEBHOOK_HTTP] = session
    yield
    await session.close()


async def send(session: aiohttp.ClientSession, target: Record, config: WebhookConfig) -> AttemptResult:
    """POST the stored body, signed now; never raises for anything the receiver does."""
    body = target["body"]
    msg_id = str(target["event_id"])
    now = datetime.now(UTC)
    signing = [target["secret"]] + ([target["previous_secret"]] if target["previous_secret"] else [])
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": webhook_service.signature_header(signing, msg_id, now, body),
    }
    url = URL(target["url"])
    started = time.perf_counter()
    status: int | None = None
    excerpt: str | None = None
    error: str | None = None
    try:
        if url.scheme not in ("http", "https") or not url.host:
            raise BlockedTarget("only http(s) URLs are delivered to")
        check_literal_host(url.host, allow_private=config.allow_private)
        async with session.post(
            url,
            data=body.encode(),
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=config.timeout_seconds),
        ) as response:
            status = response.status
            raw = await response.content.read(RESPONSE_EXCERPT_BYTES)
            excerpt = raw.decode("utf-8", "replace").replace("\x00", "")  # PostgreSQL text holds no NUL
            if 300 <= status < 400:
                error = f"HTTP {status}: redirect to {response.headers.get('Location', '?')} not followed"
            elif not 200 <= status < 300:
                error = f"HTTP {status}"
    except BlockedTarget as exc:
        error = f"refused: {exc}"
    except aiohttp.ClientConnectorError as exc:
        blocked = isinstance(exc.os_error, BlockedTarget)
        error = f"refused: {exc.os_error}" if blocked else f"connection failed: {exc.os_error or exc}"
    except TimeoutError:
        error = f"timed out after {config.timeout_seconds:g} s"
    except (aiohttp.ClientError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}".replace("\x00", "")
    duration_ms = round((time.perf_counter() - started) * 1000, 3)
    return AttemptResult(error is None, status, duration_ms, excerpt, error)


async def deliver(ctx: JobContext) -> dict[str, Any]:
    """Make the attempt the job names, unless it was made already (a crashed worker's re-run)."""
    try:
        delivery_id = UUID(str(ctx.payload["deliveryId"]))
        attempt = int(ctx.payload.get("attempt", 1))
    except (KeyError, ValueError, TypeError):
        raise PermanentJobError(f"bad webhook.deliver payload: {ctx.payload!r}") from None
    config = WebhookConfig.from_settings(ctx.resources["settings"])
    async with ctx.pool.acquire() as conn:
        target = await webhook_service.load_target(conn, delivery_id)
    if target is None:
        return {"outcome": "gone"}
    if not webhook_service.attempt_is_due(target, attempt):
        return {"outcome": "already made"}
    if not target["endpoint_active"]:
        async with transaction(ctx.pool) as conn:
            await webhook_service.abandon(conn, delivery_id, "endpoint is disabled")
        return {"outcome": "abandoned"}
    app = ctx.resources.get("app")
    shared = app.get(WEBHOOK_HTTP) if app is not None else None
    if shared is not None:
        result = await send(shared, target, config)
    else:  # a standalone `hub worker`: a short-lived guarded client
        async with guarded_session(allow_private=config.allow_private) as session:
            result = await send(session, target, config)
    async with transaction(ctx.pool) as conn:
        outcome = await webhook_service.record_attempt(conn, target, result, config)
    return {"outcome": outcome, "statusCode": result.status_code}


def register(registry: JobRegistry) -> None:
    registry.register(webhook_service.DELIVER_JOB, deliver)

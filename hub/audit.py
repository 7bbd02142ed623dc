"""The API audit trail: every /api/v1 call recorded without a database round trip on the
request path. The middleware appends a row to an in-memory buffer; a background task copies
the buffer to `audit_logs` in batches (COPY), and the rest is flushed at shutdown.

Settings (Settings.extra): HUB_AUDIT_ENABLED (true/false, default true), HUB_AUDIT_FLUSH_SECONDS (default 1),
HUB_AUDIT_BATCH (rows that trigger an early flush, default 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiohttp import web

from .http import API_KEY_RECORD, API_PREFIX, PRINCIPAL
from .keys import AUDIT_LOG, DB, REQUEST_ID, SETTINGS
from .settings import Settings, SettingsError
from .storage import audit as audit_store
from .waiting import wait_event

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BUFFERED = 100_000  # rows held while the database is unreachable; the oldest are dropped past this


@dataclass(frozen=True)
class AuditConfig:
    enabled: bool = True
    flush_seconds: float = 1.0
    batch_size: int = 500

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditConfig:
        env = settings.extra
        values: dict[str, Any] = {}
        if (raw := env.get("HUB_AUDIT_ENABLED")) is not None:
            if raw.strip().lower() not in {"on", "off", "true", "false", "1", "0"}:
                raise SettingsError(f"HUB_AUDIT_ENABLED must be true or false, got {raw!r}")
            values["enabled"] = raw.strip().lower() in {"on", "true", "1"}
        if (raw := env.get("HUB_AUDIT_FLUSH_SECONDS")) is not None:
            try:
                values["flush_seconds"] = float(raw)
            except ValueError:
                raise SettingsError(f"HUB_AUDIT_FLUSH_SECONDS must be a number, got {raw!r}") from None
            if values["flush_seconds"] <= 0:
                raise SettingsError("HUB_AUDIT_FLUSH_SECONDS must be above 0")
        if (raw := env.get("HUB_AUDIT_BATCH")) is not None:
            if not raw.strip().isdigit() or int(raw) < 1:
                raise SettingsError(f"HUB_AUDIT_BATCH must be a whole number of at least 1, got {raw!r}")
            values["batch_size"] = int(raw)
        return cls(**values)


class AuditLog:
    """Buffer of audit rows and the loop that writes them."""

    def __init__(self, pool: asyncpg.Pool, config: AuditConfig) -> None:
        self._pool = pool
        self._config = config
        self._buffer: list[tuple[Any, ...]] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self.dropped = 0  # rows lost because the buffer overflowed

    def record(self, row: tuple[Any, ...]) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= self._config.batch_size:
            self._wake.set()
        if len(self._buffer) > MAX_BUFFERED:
            overflow = len(self._buffer) - MAX_BUFFERED
            del self._buffer[:overflow]
            self.dropped += overflow

    async def flush(self) -> int:
        """Write what is buffered now; returns the rows written. Failed rows go back in front."""
        async with self._lock:
            rows, self._buffer = self._buffer, []
            if not rows:
                return 0
            try:
                async with self._pool.acquire() as conn:
                    await audit_store.insert_batch(conn, rows)
            except BaseException:
                self._buffer[:0] = rows
                raise
            return len(rows)

    async def run(self) -> None:
        """Flush every `flush_seconds`, or sooner when a batch fills up."""
        while True:
            await wait_event(self._wake, self._config.flush_seconds)
            self._wake.clear()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("writing the audit log failed; keeping %d rows for the next try", len(self._buffer))
                await asyncio.sleep(self._config.flush_seconds)


async def audit_trail(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx (after the database): start the writer; flush what is left at shutdown."""
    config = AuditConfig.from_settings(app[SETTINGS])
    if not config.enabled:
        yield
        return
    log = AuditLog(app[DB], config)
    app[AUDIT_LOG] = log
    task = asyncio.create_task(log.run())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    try:
        await log.flush()
    except Exception:
        logger.exception("final audit flush failed; %d rows lost", len(log._buffer))


async def flush_pending(app: web.Application) -> None:
    """Make this process's buffered rows visible (the audit-log endpoint reads its own writes)."""
    log = app.get(AUDIT_LOG)
    if log is not None:
        await log.flush()


@web.middleware
async def audit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Outermost middleware: sees the final status of every API call, errors included."""
    log = request.app.get(AUDIT_LOG)
    if log is None or not request.path.startswith(API_PREFIX + "/"):
        return await handler(request)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away
        raise
    finally:
        resource = request.match_info.route.resource
        principal = request.get(PRINCIPAL)
        key = request.get(API_KEY_RECORD)
        log.record((
            principal.agency_id if principal else (key["agency_id"] if key else None),
            principal.id if principal and principal.kind == "api_key" else None,
            principal.id if principal and principal.kind == "user" else None,
            request.method,
            resource.canonical if resource is not None else "unmatched",
            request.path[:1024],
            status,
            request.remote,
            (request.headers.get("User-Agent") or "")[:512] or None,
            round((time.perf_counter() - started) * 1000, 3),
            request.get(REQUEST_ID),
            datetime.now(UTC),
        ))  # fmt: skip

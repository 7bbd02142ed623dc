"""Webhook rules (Standard Webhooks): endpoints, fan-out from the event outbox, retries on a
schedule, disabling endpoints that keep failing, secret rotation, redelivery and tests.

Delivery is at-least-once. The `fan_out` subscriber runs inside the dispatcher's transaction:
it inserts one delivery per matching endpoint and enqueues a `webhook.deliver` job in that
same transaction. Each job makes one HTTP attempt (workers/webhooks.py) and then calls
`record_attempt`, which logs it and, on failure, enqueues the next attempt with a delay from
the schedule. A job names the attempt it is for, so a job re-run after a crashed worker does
not repeat an attempt already recorded.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from standardwebhooks import Webhook

from ..auth.principal import Principal
from ..db import Record
from ..errors import NotFound, RuleViolated, ValidationFailed
from ..events import EVENT_TYPES, Event, emit
from ..jobs import enqueue
from ..settings import Settings, SettingsError
from ..ssrf import validate_webhook_url
from ..storage import webhooks as store
from . import plans

DELIVER_JOB = "webhook.deliver"
ALL_EVENTS = "*"
SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # generated secrets; given ones must hold 24 to 64 bytes
DEFAULT_SECRET_OVERLAP = 24 * 3600  # seconds both secrets sign after a rotation
MAX_SECRET_OVERLAP = 7 * 24 * 3600
RESPONSE_EXCERPT_BYTES = 1024
# Seconds to wait before retries 1..6 (attempt 1 is immediate): about 17.6 hours in all.
DEFAULT_RETRY_SCHEDULE: tuple[float, ...] = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
DEFAULT_DISABLE_AFTER = 5 * 24 * 3600  # seconds of failures without a success
DEFAULT_TIMEOUT = 10.0  # seconds per attempt, connect to last byte
DELIVERY_JOB_ATTEMPTS = 5  # runs of one attempt's job when workers crash (not HTTP failures)
assert sum(DEFAULT_RETRY_SCHEDULE) < DEFAULT_DISABLE_AFTER, "one event's retries alone must not disable an endpoint"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def parse_duration(name: str, raw: str) -> float:
    """'5', '5s', '250ms', '30m', '2h', '1d' -> seconds."""
    match = _DURATION.match(raw)
    if not match:
        raise SettingsError(f"{name}: {raw!r} is not a duration like 5s, 30m, 2h")
    return float(match[1]) * _UNITS[match[2]]


@dataclass(frozen=True)
class WebhookConfig:
    """Delivery knobs, from Settings and HUB_WEBHOOK_* (see docs/webhooks.md)."""

    retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
    jitter: float = 0.1  # each delay is scaled by a random factor in [1 - jitter, 1 + jitter]
    timeout_seconds: float = DEFAULT_TIMEOUT
    disable_after_seconds: float = DEFAULT_DISABLE_AFTER
    allow_private: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> WebhookConfig:
        env: Mapping[str, str] = settings.extra
        values: dict[str, Any] = {"allow_private": settings.webhook_allow_private}
        if (raw := env.get("HUB_WEBHOOK_RETRY_SCHEDULE")) is not None:
            schedule = tuple(parse_duration("HUB_WEBHOOK_RETRY_SCHEDULE", part) for part in raw.split(",") if part.strip())
            if len(schedule) < 2:
                raise SettingsError("HUB_WEBHOOK_RETRY_SCHEDULE needs at least 2 delays (3 attempts)")
            values["retry_schedule"] = schedule
        if (raw := env.get("HUB_WEBHOOK_JITTER")) is not None:
            try:
                values["jitter"] = float(raw)
            except ValueError:
                raise SettingsError(f"HUB_WEBHOOK_JITTER must be a number, got {raw!r}") from None
            if not 0 <= values["jitter"] < 1:
                raise SettingsError("HUB_WEBHOOK_JITTER must be at least 0 and below 1")
        if (raw := env.get("HUB_WEBHOOK_TIMEOUT")) is not None:
            values["timeout_seconds"] = parse_duration("HUB_WEBHOOK_TIMEOUT", raw)
        if (raw := env.get("HUB_WEBHOOK_DISABLE_AFTER")) is not None:
            values["disable_after_seconds"] = parse_duration("HUB_WEBHOOK_DISABLE_AFTER", raw)
        return cls(**values)

    @property
    def max_attempts(self) -> int:
        return len(self.retry_schedule) + 1

    def retry_delay(self, attempts_made: int) -> float | None:
        """Seconds before the next attempt, or None when the schedule is spent."""
        if attempts_made >= self.max_attempts:
            return None
        base = self.retry_schedule[attempts_made - 1]
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)


# -- secrets and signatures ---------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_secret(secret: str) -> str:
    """A caller-chosen secret: whsec_ and base64 of 24 to 64 bytes (ValueError otherwise)."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a secret starts with {SECRET_PREFIX}")
    try:
        raw = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("a secret is whsec_ followed by base64") from None
    if not 24 <= len(raw) <= 64:
        raise ValueError("a secret holds 24 to 64 bytes")
    return secret


def signature_header(signing_secrets: list[str], msg_id: str, timestamp: datetime, body: str) -> str:
    """webhook-signature: one `v1,<base64>` per secret, space separated (two during a rotation)."""
    return " ".join(Webhook(s).sign(msg_id, timestamp, body) for s in signing_secrets)


def event_body(event_type: str, timestamp: datetime, data: dict[str, Any]) -> str:
    """The Standard Webhooks payload; stored as text so every attempt sends the same bytes."""
    stamp = timestamp.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"), default=str)


# -- the event catalog --------------------------------------------------------------------

_ID = "8c5e2b1a-3f4d-4e6a-9b7c-1d2e3f4a5b6c"
_APP = "0b7d4c3a-9e8f-4a1b-8c2d-3e4f5a6b7c8d"
_ROOM = "5f6e7d8c-1a2b-4c3d-9e8f-7a6b5c4d3e2f"
EVENT_CATALOG: dict[str, tuple[str, dict[str, Any]]] = {
    "application.created": ("A candidate applied, or was added to a job.",
                            {"applicationId": _APP, "jobId": _ID, "candidateId": _ID, "status": "applied"}),
    "application.status_changed": ("An application moved along the pipeline.",
                                   {"applicationId": _APP, "from": "screening", "to": "interview", "changedBy": _ID}),
    "interview.scheduled": ("An interview was booked.",
                            {"interviewId": _ID, "applicationId": _APP, "startsAt": "2025-03-04T10:00:00Z",
                             "durationMinutes": 45, "scheduledBy": _ID}),
    "interview.completed": ("An interview took place.", {"interviewId": _ID, "applicationId": _APP}),
    "interview.cancelled": ("An interview was called off.", {"interviewId": _ID, "applicationId": _APP, "reason": "candidate withdrew"}),
    "offer.sent": ("An offer went out to the candidate.", {"offerId": _ID, "applicationId": _APP, "salary": 85000, "currency": "USD"}),
    "offer.accepted": ("The candidate accepted an offer.", {"offerId": _ID, "applicationId": _APP}),
    "offer.declined": ("The candidate declined an offer.", {"offerId": _ID, "applicationId": _APP, "reason": "counter-offer"}),
    "placement.created": ("A candidate was placed.", {"placementId": _ID, "applicationId": _APP, "startDate": "2025-04-01"}),
    "chat.message.created": ("A chat message was posted (content already masked).",
                             {"threadId": _ID, "messageId": _ID, "senderId": _ID, "masked": True}),
    "video.room.started": ("The first participant joined a video room.", {"roomId": _ROOM, "interviewId": _ID}),
    "video.room.ended": ("A video room closed.", {"roomId": _ROOM, "durationSeconds": 2710}),
    "video.participant.joined": ("Someone joined a video room.", {"roomId": _ROOM, "participantId": _ID, "role": "interviewer"}),
    "video.participant.left": ("Someone left a video room.", {"roomId": _ROOM, "participantId": _ID}),
    "video.recording.ready": ("A recording is stored and can be downloaded.",
                              {"recordingId": _ID, "roomId": _ROOM, "durationSeconds": 2710, "format": "mp4"}),
    "video.transcript.completed": ("A recording was transcribed.", {"recordingId": _ID, "transcriptId": _ID, "language": "en"}),
    "video.transcript.failed": ("Transcribing a recording failed.", {"recordingId": _ID, "error": "audio track missing"}),
    "webhook.endpoint.disabled": ("An endpoint kept failing and was switched off.",
                                  {"endpointId": _ID, "url": "https://example.com/hooks", "reason": "failing for 5 days",
                                   "disabledAt": "2025-03-09T10:00:00Z"}),
    "webhook.test": ("Sent by POST /webhooks/{id}/test to check an endpoint.", {"endpointId": _ID, "message": "Test event"}),
}  # fmt: skip


def event_catalog() -> list[dict[str, Any]]:
    """Every event type an endpoint can subscribe to, with a description and an example body."""
    now = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    out = []
    for event_type in sorted(EVENT_TYPES):
        description, data = EVENT_CATALOG.get(event_type, ("", {}))
        out.append({"type": event_type, "description": description,
                    "example": json.loads(event_body(event_type, now, data))})  # fmt: skip
    return out


def normalize_events(events: list[str]) -> list[str]:
    """Known types, or '*' alone (ValueError names the unknown ones)."""
    unknown = sorted(set(events) - EVENT_TYPES - {ALL_EVENTS})
    if unknown:
        raise ValueError(f"unknown event types: {', '.join(unknown)} (see GET /api/v1/webhooks/event-types)")
    return [ALL_EVENTS] if ALL_EVENTS in events else sorted(set(events))


# -- endpoints ----------------------------------------------------------------------------


def _checked_url(url: str, config: WebhookConfig) -> str:
    try:
        return validate_webhook_url(url, allow_private=config.allow_private)
    except ValueError as exc:
        raise ValidationFailed(f"url: {exc}", details={"field": "url"}) from None


async def create_endpoint(
    conn: asyncpg.Connection,
    principal: Principal,
    config: WebhookConfig,
    *,
    url: str,
    events: list[str],
    secret: str | None,
    active: bool,
    description: str,
) -> Record:
    agency_id = principal.require_agency()
    url = _checked_url(url, config)
    plan = await plans.plan_of(conn, agency_id)
    # Serialise per agency so two requests cannot both take the last endpoint slot.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('webhooks:' || $1::text))", str(agency_id))
    used = await store.count_endpoints(conn, agency_id)
    plans.require_allowance(plan, lambda p: p.webhook_endpoints > used, f"More than {used} webhook endpoints")
    return await store.insert_endpoint(
        conn,
        agency_id=agency_id,
        url=url,
        description=description,
        events=events,
        secret=secret or new_secret(),
        active=active,
        created_by_type=principal.kind,
        created_by_id=principal.id,
    )


async def list_endpoints(
    conn: asyncpg.Connection, principal: Principal, *, active: bool | None, limit: int, offset: int
) -> tuple[list[Record], int]:
    return await store.list_endpoints(conn, principal.require_agency(), active=active, limit=limit, offset=offset)


async def get_endpoint(conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID, *, for_update: bool = False) -> Record:
    endpoint = await store.get_endpoint(conn, principal.require_agency(), endpoint_id, for_update=for_update)
    if endpoint is None:
        raise NotFound("Webhook endpoint not found")
    return endpoint


async def update_endpoint(
    conn: asyncpg.Connection, principal: Principal, config: WebhookConfig, endpoint_id: UUID, changes: dict[str, Any]
) -> Record:
    """Apply a PATCH (`changes`: only what the caller sent). Re-enabling forgets past failures."""
    endpoint = await get_endpoint(conn, principal, endpoint_id, for_update=True)
    if "url" in changes:
        changes["url"] = _checked_url(changes["url"], config)
    if changes.get("active") and not endpoint["active"]:
        changes.update(disabled_at=None, disabled_reason=None, failing_since=None)
    if changes.get("active") is False and endpoint["active"]:
        changes.update(disabled_at=datetime.now(UTC), disabled_reason="disabled by the agency")
    return await store.update_endpoint(conn, endpoint["id"], changes) if changes else endpoint


async def delete_endpoint(conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID) -> None:
    """Delete it with its delivery log; queued attempts find nothing and stop."""
    if not await store.delete_endpoint(conn, principal.require_agency(), endpoint_id):
        raise NotFound("Webhook endpoint not found")


async def rotate_secret(
    conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID, *, secret: str | None, overlap_seconds: int
) -> Record:
    """A new signing secret; for `overlap_seconds` both are sent, so receivers can switch over."""
    endpoint = await get_endpoint(conn, principal, endpoint_id, for_update=True)
    if secret is not None and secret == endpoint["secret"]:
        raise ValidationFailed("The new secret must differ from the current one", details={"field": "secret"})
    until = datetime.now(UTC) + timedelta(seconds=overlap_seconds) if overlap_seconds else None
    return await store.set_secret(conn, endpoint["id"], secret or new_secret(), until)


async def stats(conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID) -> dict[str, Any]:
    endpoint = await get_endpoint(conn, principal, endpoint_id)
    counts = await store.endpoint_stats(conn, endpoint["id"])
    finished = counts["succeeded"] + counts["failed"]
    last_failure = await store.last_failed_attempt(conn, endpoint["id"])
    return {
        **dict(counts),
        "success_rate": round(counts["succeeded"] / finished, 4) if finished else None,
        "attempt_success_rate": round(counts["attempts_succeeded"] / counts["attempts"], 4) if counts["attempts"] else None,
        "last_success_at": endpoint["last_success_at"],
        "last_failure_at": endpoint["last_failure_at"],
        "last_failure": last_failure,
        "failing_since": endpoint["failing_since"],
        "active": endpoint["active"],
        "disabled_at": endpoint["disabled_at"],
        "disabled_reason": endpoint["disabled_reason"],
    }


# -- deliveries ---------------------------------------------------------------------------


async def _enqueue_attempt(conn: asyncpg.Connection, delivery: Record, attempt: int, *, dedupe_key: str, delay: float = 0.0) -> None:
    await enqueue(
        conn,
        DELIVER_JOB,
        {"deliveryId": str(delivery["id"]), "attempt": attempt},
        agency_id=delivery["agency_id"],
        dedupe_key=dedupe_key,
        max_attempts=DELIVERY_JOB_ATTEMPTS,
        delay_seconds=delay,
    )


async def fan_out(conn: asyncpg.Connection, event: Event) -> None:
    """EventDispatcher subscriber: a delivery and its first job per matching endpoint, in the
    dispatcher's transaction (a redispatched event finds its deliveries there and adds none)."""
    if event.agency_id is None:
        return
    body = event_body(event.type, event.created_at, event.data)
    delivery_ids = await store.insert_deliveries_for_event(
        conn, agency_id=event.agency_id, event_id=event.event_id, event_type=event.type, body=body
    )
    for delivery_id in delivery_ids:
        await _enqueue_attempt(conn, {"id": delivery_id, "agency_id": event.agency_id}, 1, dedupe_key=str(delivery_id))


async def send_test(conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID) -> Record:
    """Queue a `webhook.test` event to this endpoint only."""
    endpoint = await get_endpoint(conn, principal, endpoint_id)
    if not endpoint["active"]:
        raise RuleViolated("The endpoint is disabled; enable it first")
    data = {"endpointId": str(endpoint["id"]), "message": "Test event from Recruit Hub"}
    delivery = await store.insert_delivery(
        conn,
        endpoint_id=endpoint["id"],
        agency_id=endpoint["agency_id"],
        event_id=uuid4(),
        event_type="webhook.test",
        body=event_body("webhook.test", datetime.now(UTC), data),
    )
    await _enqueue_attempt(conn, delivery, 1, dedupe_key=str(delivery["id"]))
    return delivery


async def get_delivery(conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID, delivery_id: UUID) -> Record:
    delivery = await store.get_delivery(conn, principal.require_agency(), endpoint_id, delivery_id)
    if delivery is None:
        raise NotFound("Delivery not found")
    return delivery


async def list_deliveries(
    conn: asyncpg.Connection,
    principal: Principal,
    endpoint_id: UUID,
    *,
    status: str | None,
    event_type: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    endpoint = await get_endpoint(conn, principal, endpoint_id)
    return await store.list_deliveries(
        conn, endpoint["agency_id"], endpoint["id"], status=status, event_type=event_type, limit=limit, offset=offset
    )


async def list_attempts(conn: asyncpg.Connection, delivery: Record) -> list[Record]:
    return await store.list_attempts(conn, delivery["id"])


async def redeliver(conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID, delivery_id: UUID) -> Record:
    """Send again now, same webhook-id; a failure continues the retry schedule where it was."""
    endpoint = await get_endpoint(conn, principal, endpoint_id)
    if not endpoint["active"]:
        raise RuleViolated("The endpoint is disabled; enable it first")
    await get_delivery(conn, principal, endpoint_id, delivery_id)
    delivery = await store.lock_delivery(conn, delivery_id)
    assert delivery is not None
    delivery = await store.update_delivery(conn, delivery_id, status="pending", next_attempt_at=datetime.now(UTC))
    attempt = delivery["attempts"] + 1
    await _enqueue_attempt(conn, delivery, attempt, dedupe_key=f"{delivery_id}:{attempt}:manual:{uuid4().hex}")
    return delivery


@dataclass(frozen=True)
class AttemptResult:
    succeeded: bool
    status_code: int | None
    duration_ms: float
    response_excerpt: str | None
    error: str | None


async def load_target(conn: asyncpg.Connection, delivery_id: UUID) -> Record | None:
    return await store.delivery_target(conn, delivery_id)


def attempt_is_due(target: Record, attempt: int) -> bool:
    """False when this attempt was already made (a crashed worker's job re-run) or the delivery succeeded."""
    return target["status"] != "succeeded" and target["attempts"] < attempt


async def abandon(conn: asyncpg.Connection, delivery_id: UUID, reason: str) -> None:
    await store.update_delivery(conn, delivery_id, status="failed", next_attempt_at=None, last_error=reason)


async def record_attempt(conn: asyncpg.Connection, target: Record, result: AttemptResult, config: WebhookConfig) -> str:
    """Log an attempt; on failure schedule the next one or give up, and disable an endpoint that
    has failed without a success for `disable_after_seconds`. Returns the delivery's outcome."""
    delivery = await store.lock_delivery(conn, target["id"])
    if delivery is None:
        return "gone"  # the endpoint was deleted meanwhile
    attempt = delivery["attempts"] + 1
    await store.insert_attempt(
        conn,
        delivery_id=delivery["id"],
        endpoint_id=delivery["endpoint_id"],
        attempt=attempt,
        status_code=result.status_code,
        succeeded=result.succeeded,
        duration_ms=result.duration_ms,
        response_excerpt=result.response_excerpt,
        error=result.error,
    )
    now = datetime.now(UTC)
    if result.succeeded:
        await store.update_delivery(
            conn, delivery["id"], status="succeeded", attempts=attempt, next_attempt_at=None,
            last_status_code=result.status_code, last_error=None, delivered_at=now,
        )  # fmt: skip
        await store.record_endpoint_success(conn, delivery["endpoint_id"])
        return "succeeded"
    endpoint = await store.record_endpoint_failure(conn, delivery["endpoint_id"])
    given_up = endpoint["failing_for"] >= config.disable_after_seconds
    if endpoint["active"] and given_up:
        await _disable(conn, endpoint, now)
    delay = config.retry_delay(attempt) if endpoint["active"] and not given_up else None
    if delay is None:
        await store.update_delivery(
            conn, delivery["id"], status="failed", attempts=attempt, next_attempt_at=None,
            last_status_code=result.status_code, last_error=result.error,
        )  # fmt: skip
        return "failed"
    await store.update_delivery(
        conn, delivery["id"], status="pending", attempts=attempt, next_attempt_at=now + timedelta(seconds=delay),
        last_status_code=result.status_code, last_error=result.error,
    )  # fmt: skip
    await _enqueue_attempt(conn, delivery, attempt + 1, dedupe_key=f"{delivery['id']}:{attempt + 1}", delay=delay)
    return "retrying"


async def _disable(conn: asyncpg.Connection, endpoint: Record, now: datetime) -> None:
    days = endpoint["failing_for"] / 86400
    reason = f"failing without a success since {endpoint['failing_since'].isoformat()} ({days:.2f} days)"
    await store.update_endpoint(conn, endpoint["id"], {"active": False, "disabled_at": now, "disabled_reason": reason})
    await emit(
        conn,
        "webhook.endpoint.disabled",
        {"endpointId": str(endpoint["id"]), "url": endpoint["url"], "reason": reason,
         "failingSince": endpoint["failing_since"].isoformat(), "disabledAt": now.isoformat()},
        agency_id=endpoint["agency_id"],
    )  # fmt: skip

"""Webhook endpoints over the API, and deliveries checked by a real receiver with
`standardwebhooks.Webhook(secret).verify`: signing, filtering, tests, redelivery, secret
rotation, redirects, stats, disabling, SSRF refusals, tenancy and bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from hubtest import Agency, Hub

from hub.db import transaction
from hub.events import EVENT_TYPES, emit
from hub.keys import DB
from tests.workers.webhook_receiver import Receiver

Factory = Callable[..., Awaitable[Hub]]
FAST_RETRIES = {"HUB_WEBHOOK_RETRY_SCHEDULE": "0.1,0.1", "HUB_WEBHOOK_JITTER": "0"}


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def register(hub: Hub, agency: Agency, receiver: Receiver, status: int = 201, **body: Any) -> dict[str, Any]:
    payload = {"url": receiver.url + "/hooks", "events": ["*"], **body}
    reply = await hub.call("POST", "/webhooks", status=status, json=payload, headers=agency.owner.headers)
    if status == 201:
        receiver.secrets.append(reply["data"]["secret"])
        return reply["data"]
    return reply


async def emit_event(hub: Hub, agency: Agency, event_type: str = "application.created", data: dict[str, Any] | None = None) -> str:
    async with transaction(hub.app[DB]) as conn:
        event_id = await emit(conn, event_type, data or {"applicationId": str(uuid.uuid4())}, agency_id=uuid.UUID(agency.id))
    return str(event_id)


async def deliveries(hub: Hub, agency: Agency, endpoint_id: str, **params: str) -> list[dict[str, Any]]:
    return (await hub.call("GET", f"/webhooks/{endpoint_id}/deliveries", status=200, headers=agency.owner.headers,
                           params=params))["data"]  # fmt: skip


async def settled(hub: Hub, agency: Agency, endpoint_id: str, count: int = 1, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Wait until `count` deliveries of the endpoint are no longer pending."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        rows = await deliveries(hub, agency, endpoint_id)
        if len(rows) >= count and all(r["status"] != "pending" for r in rows):
            return rows
        assert loop.time() < deadline, f"deliveries did not settle: {rows}"
        await asyncio.sleep(0.1)


# -- delivery ---------------------------------------------------------------------------


async def test_event_is_delivered_signed_with_the_standard_headers(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    event_id = await emit_event(hub, agency, "application.created", {"applicationId": "a-1"})
    await receiver.wait_for(lambda r: len(r.verified) == 1)
    arrival = receiver.verified[0]
    assert arrival.payload["type"] == "application.created" and arrival.payload["data"] == {"applicationId": "a-1"}
    assert arrival.payload["timestamp"].endswith("Z") and arrival.path == "/hooks"
    assert arrival.headers["webhook-id"] == event_id
    assert arrival.headers["webhook-signature"].startswith("v1,") and " " not in arrival.headers["webhook-signature"]
    assert arrival.headers["content-type"] == "application/json"
    [row] = await settled(hub, agency, endpoint["id"])
    assert (row["status"], row["attempts"], row["lastStatusCode"], row["eventId"]) == ("succeeded", 1, 200, event_id)
    detail = await hub.call("GET", f"/webhooks/{endpoint['id']}/deliveries/{row['id']}", status=200,
                            headers=agency.owner.headers)  # fmt: skip
    assert detail["data"]["payload"] == arrival.payload
    [attempt] = detail["data"]["attemptLog"]
    assert attempt["succeeded"] and attempt["statusCode"] == 200 and attempt["responseExcerpt"] == "answer 200 to request 1"


async def test_only_subscribed_types_of_the_own_agency_are_delivered(hub: Hub, receiver: Receiver) -> None:
    agency, other = await hub.agency("Mine"), await hub.agency("Other")
    endpoint = await register(hub, agency, receiver, events=["offer.sent", "offer.accepted"])
    await emit_event(hub, agency, "application.created")
    await emit_event(hub, other, "offer.sent")
    wanted = await emit_event(hub, agency, "offer.sent", {"offerId": "o-1"})
    await receiver.wait_for(lambda r: len(r.verified) >= 1)
    await asyncio.sleep(0.5)  # time for anything wrongly delivered to arrive
    assert [a.headers["webhook-id"] for a in receiver.arrivals] == [wanted]
    assert [r["eventType"] for r in await deliveries(hub, agency, endpoint["id"])] == ["offer.sent"]


async def test_inactive_endpoints_get_nothing(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver, active=False)
    await emit_event(hub, agency)
    await asyncio.sleep(0.8)
    assert receiver.arrivals == [] and await deliveries(hub, agency, endpoint["id"]) == []


async def test_test_endpoint_sends_a_webhook_test_event(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver, events=["offer.sent"])
    queued = await hub.call("POST", f"/webhooks/{endpoint['id']}/test", status=202, headers=agency.owner.headers)
    assert queued["data"]["eventType"] == "webhook.test" and queued["data"]["status"] == "pending"
    await receiver.wait_for(lambda r: len(r.verified) == 1)
    assert receiver.verified[0].payload["type"] == "webhook.test"
    assert receiver.verified[0].payload["data"]["endpointId"] == endpoint["id"]


async def test_redelivery_sends_the_same_webhook_id_again(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    event_id = await emit_event(hub, agency)
    [row] = await settled(hub, agency, endpoint["id"])
    again = await hub.call("POST", f"/webhooks/{endpoint['id']}/deliveries/{row['id']}/redeliver", status=202,
                           headers=agency.owner.headers)  # fmt: skip
    assert again["data"]["status"] == "pending"
    await receiver.wait_for(lambda r: len(r.verified) == 2)
    assert [a.headers["webhook-id"] for a in receiver.verified] == [event_id, event_id]
    [row] = await settled(hub, agency, endpoint["id"])
    assert row["attempts"] == 2 and row["status"] == "succeeded"


async def test_secret_rotation_signs_with_both_secrets_during_the_overlap(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    old = endpoint["secret"]
    rotated = await hub.call("POST", f"/webhooks/{endpoint['id']}/rotate-secret", status=200,
                             headers=agency.owner.headers, json={"overlapSeconds": 3600})  # fmt: skip
    new = rotated["data"]["secret"]
    assert new != old and new.startswith("whsec_") and rotated["data"]["previousSecretExpiresAt"]
    await emit_event(hub, agency)
    await receiver.wait_for(lambda r: len(r.verified) == 1)
    arrival = receiver.verified[0]
    assert len(arrival.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):  # a receiver holding either secret accepts it
        assert receiver.verify(arrival.body, arrival.headers, secret) == arrival.payload
    await hub.call("POST", f"/webhooks/{endpoint['id']}/rotate-secret", status=200, headers=agency.owner.headers,
                   json={"overlapSeconds": 0})  # fmt: skip
    receiver.secrets[:] = []
    await emit_event(hub, agency)
    await receiver.wait_for(lambda r: len(r.arrivals) == 2)
    assert receiver.arrivals[1].payload is None  # neither old secret verifies after an immediate rotation


async def test_given_secret_is_used(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    endpoint = await register(hub, agency, receiver, secret=secret)
    assert endpoint["secret"] == secret
    await emit_event(hub, agency)
    await receiver.wait_for(lambda r: len(r.verified) == 1)


async def test_redirects_are_failures_and_not_followed(make_hub: Factory, receiver: Receiver) -> None:
    hub = await make_hub(extra=FAST_RETRIES)
    receiver.respond = lambda n: 302
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    await emit_event(hub, agency)
    [row] = await settled(hub, agency, endpoint["id"])
    assert row["status"] == "failed" and row["attempts"] == 3 and row["lastStatusCode"] == 302
    assert "redirect" in row["lastError"]
    assert {a.path for a in receiver.arrivals} == {"/hooks"}  # /redirected was never requested


async def test_attempt_log_keeps_the_first_kibibyte_of_the_answer(make_hub: Factory, receiver: Receiver) -> None:
    hub = await make_hub(extra=FAST_RETRIES)
    receiver.respond = lambda n: 500
    receiver.reply_body = b"oops\x00" + "é".encode() * 4000
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    await emit_event(hub, agency)
    [row] = await settled(hub, agency, endpoint["id"])
    detail = await hub.call("GET", f"/webhooks/{endpoint['id']}/deliveries/{row['id']}", status=200,
                            headers=agency.owner.headers)  # fmt: skip
    excerpts = [a["responseExcerpt"] for a in detail["data"]["attemptLog"]]
    assert len(excerpts) == 3 and all(e.startswith("oopsé") and len(e.encode()) <= 1024 + 3 for e in excerpts)


async def test_stats_report_success_rate_and_last_failure(make_hub: Factory, receiver: Receiver) -> None:
    hub = await make_hub(extra={**FAST_RETRIES, "HUB_WEBHOOK_RETRY_SCHEDULE": "0.1,0.1,0.1"})
    receiver.respond = lambda n: 200 if n == 1 else 503
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    await emit_event(hub, agency)
    await settled(hub, agency, endpoint["id"])
    await emit_event(hub, agency)
    await settled(hub, agency, endpoint["id"], count=2)
    stats = (await hub.call("GET", f"/webhooks/{endpoint['id']}/stats", status=200, headers=agency.owner.headers))["data"]
    assert (stats["deliveries"], stats["succeeded"], stats["failed"], stats["successRate"]) == (2, 1, 1, 0.5)
    assert stats["attempts"] == 5 and stats["attemptsSucceeded"] == 1
    assert stats["lastFailure"]["statusCode"] == 503 and stats["lastFailureAt"] and stats["lastSuccessAt"]
    failed = await deliveries(hub, agency, endpoint["id"], status="failed")
    assert len(failed) == 1 and failed[0]["lastStatusCode"] == 503


async def test_endpoint_failing_for_the_span_is_disabled_and_announced(make_hub: Factory, receiver: Receiver) -> None:
    hub = await make_hub(extra={"HUB_WEBHOOK_RETRY_SCHEDULE": "0.6,0.6,0.6", "HUB_WEBHOOK_JITTER": "0",
                                "HUB_WEBHOOK_DISABLE_AFTER": "1s"})  # fmt: skip
    watcher = Receiver()
    await watcher.start()
    try:
        receiver.respond = lambda n: 500
        agency = await hub.agency()
        failing = await register(hub, agency, receiver, events=["application.created"])
        await register(hub, agency, watcher, events=["webhook.endpoint.disabled"])
        watcher.secrets.extend(receiver.secrets[-1:])
        await emit_event(hub, agency)
        await watcher.wait_for(lambda r: len(r.verified) == 1, timeout=20)
        notice = watcher.verified[0].payload
        assert notice["type"] == "webhook.endpoint.disabled" and notice["data"]["endpointId"] == failing["id"]
        endpoint = (await hub.call("GET", f"/webhooks/{failing['id']}", headers=agency.owner.headers))["data"]
        assert endpoint["active"] is False and endpoint["disabledAt"] and "failing" in endpoint["disabledReason"]
        [row] = await settled(hub, agency, failing["id"])
        assert row["status"] == "failed" and row["attempts"] < 4  # stopped when disabled, not at the schedule's end
        again = await hub.call("PATCH", f"/webhooks/{failing['id']}", status=200, headers=agency.owner.headers,
                               json={"active": True})  # fmt: skip
        assert again["data"]["active"] and again["data"]["failingSince"] is None and again["data"]["disabledAt"] is None
    finally:
        await watcher.stop()


async def test_event_type_catalog_lists_every_type_with_an_example(hub: Hub) -> None:
    agency = await hub.agency()
    body = await hub.call("GET", "/webhooks/event-types", status=200, headers=agency.owner.headers)
    catalog = {e["type"]: e for e in body["data"]}
    assert set(catalog) == EVENT_TYPES
    for event_type, entry in catalog.items():
        assert entry["example"]["type"] == event_type and set(entry["example"]) == {"type", "timestamp", "data"}
    assert catalog["video.recording.ready"]["example"]["data"]["recordingId"]


# -- SSRF -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "ftp://example.com/hooks", "file:///etc/passwd", "javascript:alert(1)", "gopher://example.com/",
    "http://user:pw@example.com/hooks", "https:///no-host", "not a url at all",
])  # fmt: skip
async def test_non_http_targets_are_refused_at_registration(hub: Hub, url: str) -> None:
    agency = await hub.agency()
    body = await hub.call("POST", "/webhooks", status=400, headers=agency.owner.headers, json={"url": url, "events": ["*"]})
    assert body["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hooks", "http://169.254.169.254/latest/meta-data", "http://[::1]/", "http://10.1.2.3/",
    "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://2130706433/",
])  # fmt: skip
async def test_private_literal_targets_are_refused_unless_allowed(make_hub: Factory, url: str) -> None:
    hub = await make_hub(webhook_allow_private=False)
    agency = await hub.agency()
    await hub.call("POST", "/webhooks", status=400, headers=agency.owner.headers, json={"url": url, "events": ["*"]})


async def test_a_host_resolving_to_loopback_is_refused_at_delivery(make_hub: Factory, receiver: Receiver) -> None:
    hub = await make_hub(webhook_allow_private=False, extra=FAST_RETRIES)
    agency = await hub.agency()
    port = receiver.url.rsplit(":", 1)[1]
    reply = await hub.call("POST", "/webhooks", status=201, headers=agency.owner.headers,
                           json={"url": f"http://localhost:{port}/hooks", "events": ["*"]})  # fmt: skip
    await emit_event(hub, agency)
    [row] = await settled(hub, agency, reply["data"]["id"])
    assert row["status"] == "failed" and row["lastStatusCode"] is None and row["lastError"].startswith("refused")
    assert "loopback" in row["lastError"] and receiver.arrivals == []


# -- management, tenancy, input ---------------------------------------------------------


async def test_secret_is_returned_at_creation_only(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver, description="ATS sync")
    assert endpoint["secret"].startswith("whsec_") and endpoint["description"] == "ATS sync"
    listed = await hub.call("GET", "/webhooks", status=200, headers=agency.owner.headers)
    one = await hub.call("GET", f"/webhooks/{endpoint['id']}", status=200, headers=agency.owner.headers)
    assert endpoint["secret"] not in json.dumps(listed) + json.dumps(one)
    assert listed["meta"]["total"] == 1


async def test_patch_and_delete(hub: Hub, receiver: Receiver, pool: asyncpg.Pool) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    changed = await hub.call("PATCH", f"/webhooks/{endpoint['id']}", status=200, headers=agency.owner.headers,
                             json={"events": ["offer.sent", "offer.sent"], "description": "offers"})  # fmt: skip
    assert changed["data"]["events"] == ["offer.sent"] and changed["data"]["description"] == "offers"
    await hub.call("PATCH", f"/webhooks/{endpoint['id']}", status=400, headers=agency.owner.headers,
                   json={"url": "ftp://example.com"})  # fmt: skip
    await hub.call("DELETE", f"/webhooks/{endpoint['id']}", status=200, headers=agency.owner.headers)
    await hub.call("GET", f"/webhooks/{endpoint['id']}", status=404, headers=agency.owner.headers)
    assert await pool.fetchval("SELECT count(*) FROM webhook_endpoints") == 0


async def test_free_plan_allows_two_endpoints(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    await register(hub, agency, receiver)
    await register(hub, agency, receiver)
    body = await register(hub, agency, receiver, status=403)
    assert body["error"]["code"] == "PLAN_REQUIRED" and body["error"]["details"]["requiredTier"] == "pro"


async def test_another_agencys_endpoint_is_404_everywhere(hub: Hub, receiver: Receiver) -> None:
    mine, theirs = await hub.agency("Mine"), await hub.agency("Theirs")
    endpoint = await register(hub, theirs, receiver)
    await emit_event(hub, theirs)
    [row] = await settled(hub, theirs, endpoint["id"])
    eid, did = endpoint["id"], row["id"]
    for method, path, body in (
        ("GET", f"/webhooks/{eid}", None), ("PATCH", f"/webhooks/{eid}", {"description": "x"}),
        ("DELETE", f"/webhooks/{eid}", None), ("POST", f"/webhooks/{eid}/test", None),
        ("GET", f"/webhooks/{eid}/deliveries", None), ("GET", f"/webhooks/{eid}/deliveries/{did}", None),
        ("POST", f"/webhooks/{eid}/deliveries/{did}/redeliver", None), ("GET", f"/webhooks/{eid}/stats", None),
        ("POST", f"/webhooks/{eid}/rotate-secret", {}), ("GET", f"/webhooks/{uuid.uuid4()}", None),
    ):  # fmt: skip
        reply = await hub.call(method, path, status=404, headers=mine.owner.headers, json=body)
        assert reply["error"]["code"] == "NOT_FOUND", path
    await hub.call("GET", f"/webhooks/{eid}/deliveries/{uuid.uuid4()}", status=404, headers=theirs.owner.headers)


async def test_recruiters_read_but_cannot_change_webhooks(hub: Hub) -> None:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    await hub.call("GET", "/webhooks", status=200, headers=recruiter.headers)
    body = await hub.call("POST", "/webhooks", status=403, headers=recruiter.headers,
                          json={"url": "https://example.com/h", "events": ["*"]})  # fmt: skip
    assert body["error"]["details"]["scope"] == "webhooks:write"


@pytest.mark.parametrize("body", [
    {"url": "https://example.com/h", "events": []},
    {"url": "https://example.com/h", "events": ["no.such.event"]},
    {"url": "https://example.com/h", "events": "offer.sent"},
    {"url": "https://example.com/h", "events": ["*"], "secret": "plain-text"},
    {"url": "https://example.com/h", "events": ["*"], "secret": "whsec_c2hvcnQ="},
    {"url": "https://example.com/" + "a" * 2100, "events": ["*"]},
    {"url": "https://example.com/h", "events": ["*"], "active": "yes please"},
    {"url": "https://example.com/h", "events": ["*"], "description": "d" * 501},
    {"events": ["*"]},
    {"url": "https://example.com/h", "events": ["*"], "extra": 1},
])  # fmt: skip
async def test_invalid_bodies_are_400(hub: Hub, body: dict[str, Any]) -> None:
    agency = await hub.agency()
    reply = await hub.call("POST", "/webhooks", status=400, headers=agency.owner.headers, json=body)
    assert reply["error"]["code"] == "VALIDATION_ERROR"


async def test_bad_delivery_filters_and_ids_are_400(hub: Hub, receiver: Receiver) -> None:
    agency = await hub.agency()
    endpoint = await register(hub, agency, receiver)
    owner = agency.owner.headers
    await hub.call("GET", f"/webhooks/{endpoint['id']}/deliveries", status=400, headers=owner, params={"status": "lost"})
    await hub.call("GET", f"/webhooks/{endpoint['id']}/deliveries/nope", status=400, headers=owner)
    await hub.call("POST", f"/webhooks/{endpoint['id']}/rotate-secret", status=400, headers=owner,
                   json={"overlapSeconds": -1})  # fmt: skip
    await hub.call("POST", "/webhooks", status=400, data=b"{oops", headers={**owner, "Content-Type": "application/json"})

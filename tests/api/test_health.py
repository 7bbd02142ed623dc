"""Health, JSON metrics and Prometheus text."""

from __future__ import annotations

import asyncio

from hubtest import Hub


async def test_health_reports_database_workers_and_version(hub: Hub) -> None:
    for _ in range(50):  # the in-process worker registers itself shortly after start
        body = await hub.call("GET", "/health", status=200)
        if body["data"]["workers"]:
            break
        await asyncio.sleep(0.1)
    data = body["data"]
    assert data["status"] == "ok" and data["database"]["ok"] is True and data["redis"] is None
    assert data["version"] and data["workers"][0]["alive"] is True


async def test_health_checks_redis_when_configured(make_hub, redis_url: str) -> None:
    hub = await make_hub(redis_url=redis_url)
    body = await hub.call("GET", "/health", status=200)
    assert body["data"]["redis"]["ok"] is True


async def test_metrics_counts_are_per_agency(hub: Hub) -> None:
    a = await hub.agency()
    await hub.member(a, "recruiter")
    b = await hub.agency()
    body = await hub.call("GET", "/metrics", status=200, headers=a.owner.headers)
    assert body["data"]["usersByRole"] == {"owner": 1, "recruiter": 1}
    other = await hub.call("GET", "/metrics", status=200, headers=b.owner.headers)
    assert other["data"]["usersByRole"] == {"owner": 1}


async def test_prometheus_text_counts_requests(hub: Hub) -> None:
    await hub.call("GET", "/health")
    response = await hub.client.get("/metrics")
    text = await response.text()
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
    assert 'hub_http_requests_total{method="GET",route="/api/v1/health",status="200"}' in text

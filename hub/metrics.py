"""Prometheus metrics, one registry per app so several apps in one process stay apart."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "hub_http_requests", "HTTP requests served", ["method", "route", "status"], registry=self.registry
        )
        self.http_latency = Histogram(
            "hub_http_request_duration_seconds", "HTTP request latency", ["route"], registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )
        self.socket_connections = Gauge(
            "hub_socket_connections", "Open Socket.IO connections in this process", registry=self.registry
        )
        self.jobs = Counter("hub_jobs", "Jobs finished by this process", ["kind", "outcome"], registry=self.registry)
        self.events_dispatched = Counter(
            "hub_events_dispatched", "Domain events handed to subscribers", ["type"], registry=self.registry
        )

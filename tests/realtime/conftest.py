"""Fixtures of the real-time tests: a private redis-server the test may restart."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from socketkit import RedisServer


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server on a random port, started by this test (so it can be restarted)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH")
    server = RedisServer()
    server.start()
    yield server
    server.kill()

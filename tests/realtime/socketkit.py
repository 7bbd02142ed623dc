"""Helpers for real-time tests: a Socket.IO client that records what it receives, a private
redis-server, and hub processes started with `python -m hub.cli serve`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio

from hubtest import JWT_SECRET, Agency, Hub, Person, seed_application

ROOT = Path(__file__).resolve().parents[2]
SERVER_EVENTS = ("message:new", "message:read", "typing", "presence:update")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """A python-socketio client over a real websocket; server events queue up per name."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url
        self.token = token
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: dict[str, asyncio.Queue[Any]] = {name: asyncio.Queue() for name in SERVER_EVENTS}
        for name in SERVER_EVENTS:
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any) -> None:
            await self.received[name].put(data)

        return record

    async def connect(self) -> Client:
        auth = {"token": self.token} if self.token is not None else None
        await self.sio.connect(self.url, auth=auth, transports=["websocket"], wait_timeout=10)
        return self

    async def call(self, event: str, data: Any = None, timeout: float = 10) -> dict[str, Any]:
        return await self.sio.call(event, data, timeout=timeout)

    async def ok(self, event: str, data: Any = None) -> Any:
        """Call and insist on success; return the ack's data."""
        ack = await self.call(event, data)
        assert ack["ok"], f"{event}: {ack}"
        return ack["data"]

    async def next(self, event: str, timeout: float = 5) -> Any:
        return await asyncio.wait_for(self.received[event].get(), timeout)

    async def nothing(self, event: str, within: float = 0.5) -> None:
        """Assert that no `event` arrives within `within` seconds."""
        try:
            data = await asyncio.wait_for(self.received[event].get(), within)
        except TimeoutError:
            return
        raise AssertionError(f"unexpected {event}: {data}")

    def drain(self, event: str) -> list[Any]:
        items = []
        while not self.received[event].empty():
            items.append(self.received[event].get_nowait())
        return items

    async def close(self) -> None:
        if self.sio.connected:
            await self.sio.disconnect()


async def connected(url: str, person: Person) -> Client:
    return await Client(url, person.token).connect()


@dataclass
class ChatScene:
    """An agency with an owner and a recruiter, a candidate who applied, and their thread."""

    agency: Agency
    recruiter: Person
    candidate: Person
    application_id: str
    thread_id: str


async def chat_scene(hub: Hub) -> ChatScene:
    agency = await hub.agency()
    recruiter = await hub.member(agency, "recruiter")
    candidate = await hub.candidate()
    ids = await seed_application(hub, agency, candidate)
    body = await hub.call(
        "POST",
        "/chat/threads",
        status=201,
        headers=recruiter.headers,
        json={"participantIds": [candidate.id], "applicationId": ids["applicationId"], "subject": "Your application"},
    )
    return ChatScene(agency, recruiter, candidate, ids["applicationId"], body["data"]["id"])


def new_msg_id() -> str:
    return uuid.uuid4().hex


async def eventually(check: Any, timeout: float, interval: float = 0.05) -> Any:
    """Await `check()` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(interval)


# -- processes ---------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server of the test's own, on a random port, that the test may stop and restart."""

    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def freeze(self) -> None:
        """SIGSTOP: connections stay open but nothing answers (a hung or half-open Redis)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)


@dataclass
class HubProcess:
    """`hub serve` in a subprocess, on its own port, with the test's database and Redis."""

    database_url: str
    redis_url: str | None
    heartbeat_interval: float
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_dir: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "HUB_JWT_SECRET": JWT_SECRET,
            "HUB_WORKERS": "0",
            "HUB_LOG_FORMAT": "text",
            "HUB_LOG_LEVEL": "INFO",
            "HUB_HEARTBEAT_INTERVAL": str(self.heartbeat_interval),
            "HUB_DATA_DIR": str(log_dir / f"data-{self.port}"),
            **self.extra_env,
        }
        env.pop("REDIS_URL", None)
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        self.log = log_dir / f"hub-{self.port}.log"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--port", str(self.port), "--host", "127.0.0.1"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}: {self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"hub did not become healthy: {self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbyes, the way a crashed process goes."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 30) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

"""Compatibility: the official JavaScript socket.io-client v4 (npm), run by Node, against the hub."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hubtest import Hub
from socketkit import chat_scene, connected, new_msg_id

JS_DIR = Path(__file__).with_name("js")

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None, reason="node and npm are needed for the JS client"
)


@pytest.fixture(scope="module")
def js_client() -> Path:
    """tests/realtime/js with its locked dependencies installed (node_modules is not committed)."""
    if not (JS_DIR / "node_modules" / "socket.io-client").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True, timeout=300,
                       stdout=subprocess.DEVNULL)
    return JS_DIR / "client.mjs"


async def _line(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None
    raw = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert raw, "the JS client ended early"
    return json.loads(raw)


async def test_js_client_connects_joins_sends_and_receives_masked_messages(hub: Hub, js_client: Path) -> None:
    scene = await chat_scene(hub)
    env = {**os.environ, "HUB_URL": hub.url, "HUB_TOKEN": scene.candidate.token, "THREAD_ID": scene.thread_id}
    proc = await asyncio.create_subprocess_exec("node", str(js_client), env=env, stdout=asyncio.subprocess.PIPE)
    try:
        refused = await _line(proc)
        assert refused["event"] == "refused" and "invalid or expired token" in refused["data"]
        joined = await _line(proc)
        assert joined["event"] == "joined" and joined["data"]["ok"] is True
        assert joined["data"]["data"]["thread"]["id"] == scene.thread_id
        sent = await _line(proc)
        message = sent["data"]["data"]
        assert sent["event"] == "sent" and sent["data"]["ok"] is True
        assert message["masked"] is True and "555 0134" not in message["content"] and "jane.doe" not in message["content"]
        assert message["clientMsgId"] == "js-1"
        ready = await _line(proc)
        assert ready["event"] == "ready" and ready["data"]["transport"] == "websocket"  # upgraded from polling
        recruiter = await connected(hub.url, scene.recruiter)
        reply = await recruiter.ok("message:send", {
            "threadId": scene.thread_id, "clientMsgId": new_msg_id(), "content": "Call +44 20 7946 0958 instead"})
        received = await _line(proc)
        assert received["event"] == "received" and received["data"] == reply
        assert received["data"]["masked"] is True and "7946" not in received["data"]["content"]
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        await recruiter.close()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

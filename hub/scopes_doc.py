"""Writes the endpoint-to-scope table from the app's own route declarations.

    python -m hub.scopes_doc > docs/scopes.md

tests/hub/test_scopes_doc.py fails when the committed page differs from what this prints.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .auth.principal import ROLE_SCOPES, ROLES, SCOPES
from .http import API_PREFIX, OPERATIONS, Operation
from .settings import Settings

_METHOD_ORDER = {m: i for i, m in enumerate(("GET", "POST", "PUT", "PATCH", "DELETE"))}


def declared_operations() -> list[Operation]:
    """Every REST operation create_app mounts (the app is built, never started)."""
    from .app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(jwt_secret="scopes-doc-" + "x" * 32, data_dir=Path(tmp), media_dir=Path(tmp) / "media")
        app = create_app(settings, migrate=False)
        return list(app[OPERATIONS])


def _access(op: Operation) -> str:
    if not op.auth:
        return "public"
    return f"`{op.scope}`" if op.scope else "any signed-in caller"


def render(operations: list[Operation]) -> str:
    ordered = sorted(operations, key=lambda op: (op.path, _METHOD_ORDER.get(op.method, 9), op.method))
    lines = [
        "# API scopes",
        "",
        "Generated from the route declarations by `python -m hub.scopes_doc > docs/scopes.md`;",
        "do not edit by hand (a test fails when this page is stale).",
        "",
        "Every endpoint declares the scope it needs. An API key carries a subset of these scopes",
        "(never one its creator lacks); a person holds the scopes of their role. A call without",
        "the scope is answered 403 `INSUFFICIENT_SCOPE` with `details.scope` naming it.",
        "",
        "## Scopes and the roles that hold them",
        "",
        "| Scope | Endpoints | Roles |",
        "|---|---|---|",
    ]
    for scope in SCOPES:
        count = sum(1 for op in operations if op.auth and op.scope == scope)
        roles = ", ".join(role for role in ROLES if scope in ROLE_SCOPES[role])
        lines.append(f"| `{scope}` | {count} | {roles} |")
    lines += ["", "## Endpoints", "", "| Method | Path | Needs | Roles | Summary |", "|---|---|---|---|---|"]
    for op in ordered:
        roles = ", ".join(sorted(op.roles)) if op.roles else ""
        summary = op.summary.replace("|", "\\|")
        lines.append(f"| {op.method} | `{API_PREFIX}{op.path}` | {_access(op)} | {roles} | {summary} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    sys.stdout.write(render(declared_operations()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

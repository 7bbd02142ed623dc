"""docs/scopes.md is generated from the route declarations and must match them."""

from __future__ import annotations

from pathlib import Path

from hub.scopes_doc import declared_operations, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "scopes.md"


def test_committed_scope_table_matches_the_routes() -> None:
    expected = render(declared_operations())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/scopes.md is stale: run `python -m hub.scopes_doc > docs/scopes.md`"
    )


def test_every_authenticated_route_is_listed_with_its_scope() -> None:
    operations = declared_operations()
    page = render(operations)
    for op in operations:
        if op.auth and op.scope:
            assert f"| {op.method} | `/api/v1{op.path}` | `{op.scope}` |" in page

"""Pieces of SQL shared by the recruitment storage modules: optional filters, pages, partial updates.

Values always travel as arguments, never formatted into the SQL text.

Every list query of the recruitment resources has the same shape: a tenant condition, then a
handful of optional filters. `Conditions` numbers the placeholders so each filter is one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ..db import Connection, Record


class Conditions:
    """An AND-list of SQL conditions with their positional arguments ($1, $2, ...)."""

    def __init__(self) -> None:
        self.args: list[Any] = []
        self._clauses: list[str] = []

    def param(self, value: Any) -> str:
        """Add an argument; returns its placeholder."""
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, template: str, value: Any) -> None:
        """Add `template` with `{}` standing for the value's placeholder (skipped when value is None)."""
        if value is not None:
            self._clauses.append(template.format(self.param(value)))

    def add_raw(self, clause: str) -> None:
        """Add a condition that takes no argument."""
        self._clauses.append(clause)

    @property
    def where(self) -> str:
        return "WHERE " + " AND ".join(self._clauses) if self._clauses else ""

    def page(self, *, select: str, count: str, order_by: str, limit: int, offset: int) -> PageSql:
        """The two statements of a paginated list: the total, then one page in a stable order."""
        n = len(self.args)
        return PageSql(
            count_sql=f"{count} {self.where}",
            page_sql=f"{select} {self.where} ORDER BY {order_by} LIMIT ${n + 1} OFFSET ${n + 2}",
            args=list(self.args),
            page_args=[*self.args, limit, offset],
        )


@dataclass(frozen=True)
class PageSql:
    """SQL text and arguments of one list request (tests EXPLAIN these very statements)."""

    count_sql: str
    page_sql: str
    args: list[Any]
    page_args: list[Any]

    async def fetch(self, conn: Connection) -> tuple[list[Record], int]:
        """(rows of the page, total matching); skips the page query when it would be empty."""
        total: int = await conn.fetchval(self.count_sql, *self.args)
        offset = self.page_args[-1]
        if total == 0 or offset >= total:
            return [], total
        return await conn.fetch(self.page_sql, *self.page_args), total


def like_pattern(text: str) -> str:
    """A substring pattern for ILIKE with the user's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def patch_row(
    conn: Connection, table: str, *, agency_id: UUID, row_id: UUID, changes: dict[str, Any], columns: frozenset[str]
) -> Record | None:
    """UPDATE the given columns of one tenant-owned row; `columns` lists those a caller may set."""
    unknown = set(changes) - columns
    if unknown:  # a coding error: names come from our own models, never from the request
        raise ValueError(f"not updatable in {table}: {sorted(unknown)}")
    assignments = [f"{name} = ${i}" for i, name in enumerate(changes, start=3)]
    return await conn.fetchrow(
        f"UPDATE {table} SET {', '.join([*assignments, 'updated_at = now()'])} WHERE id = $1 AND agency_id = $2 RETURNING *",
        row_id,
        agency_id,
        *changes.values(),
    )

"""All-or-nothing bulk changes: every item is checked first; one failure refuses the whole request."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ..errors import HubError, RuleViolated


class BulkErrors:
    """Collects per-id failures; `raise_if_any` turns them into one 422 listing each of them."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def add(self, item_id: UUID, error: HubError) -> None:
        entry: dict[str, Any] = {"id": str(item_id), "code": error.code, "message": error.message}
        if error.details:
            entry["details"] = error.details
        self.errors.append(entry)

    def raise_if_any(self, total: int) -> None:
        if self.errors:
            raise RuleViolated(
                f"{len(self.errors)} of {total} items cannot be changed; nothing was changed",
                details={"errors": self.errors},
            )

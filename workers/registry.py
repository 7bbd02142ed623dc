"""Which function runs which job kind."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .runner import JobContext

JobHandler = Callable[["JobContext"], Awaitable[Any]]


class PermanentJobError(Exception):
    """The job can never succeed (bad input): no retry, straight to `dead`."""


@dataclass
class JobRegistry:
    handlers: dict[str, JobHandler] = field(default_factory=dict)

    def register(self, kind: str, handler: JobHandler) -> None:
        if kind in self.handlers:
            raise ValueError(f"job kind {kind!r} registered twice")
        self.handlers[kind] = handler

    def job(self, kind: str) -> Callable[[JobHandler], JobHandler]:
        def decorate(handler: JobHandler) -> JobHandler:
            self.register(kind, handler)
            return handler

        return decorate

    @property
    def kinds(self) -> list[str]:
        return sorted(self.handlers)


def default_registry() -> JobRegistry:
    """Every job kind the hub ships; feature modules add theirs here."""
    from . import mail, recording, transcription, webhooks

    registry = JobRegistry()
    mail.register(registry)
    recording.register(registry)
    transcription.register(registry)
    webhooks.register(registry)
    return registry

"""Masking chat text without stalling the event loop.

Importing and building the masker (presidio recognizers, phone metadata) takes seconds, so
it happens once per process in a background thread (`warm_up`, called at start-up). Until it
is ready, and for long texts, masking runs in a worker thread; short texts afterwards are
masked inline, which takes well under a millisecond.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..masking import MaskResult

INLINE_CHARS = 1000  # longer texts are masked in a worker thread
BUILD_WAIT = 120.0  # seconds a mask call waits for the masker to be built

_ready = threading.Event()
_started = threading.Lock()
_building = False


def warm_up() -> None:
    """Start building the masker in the background, once per process."""
    global _building
    with _started:
        if _building:
            return
        _building = True
    threading.Thread(target=_build, name="masker-warm-up", daemon=True).start()


def _build() -> None:
    try:
        _masker()("")
    finally:
        _ready.set()  # on failure, callers build (and fail) on their own, with the real error


def _masker() -> Callable[[str], MaskResult]:
    from ..masking import (
        mask_contact_details,  # here, not at the top: it imports presidio
    )

    return mask_contact_details


def _mask_when_ready(text: str) -> MaskResult:
    _ready.wait(BUILD_WAIT)
    return _masker()(text)


async def mask(text: str) -> MaskResult:
    if _ready.is_set() and len(text) <= INLINE_CHARS:
        return _masker()(text)
    warm_up()
    return await asyncio.to_thread(_mask_when_ready, text)

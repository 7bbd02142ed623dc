"""Waiting with a timeout in background loops.

Python 3.11's `asyncio.wait_for` can swallow a cancellation that arrives just as the awaited
event fires, leaving a loop that never stops at shutdown; `asyncio.timeout` does not.
"""

from __future__ import annotations

import asyncio


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait until `event` is set or `timeout` seconds pass; True if it was set."""
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
        return True
    except TimeoutError:
        return False

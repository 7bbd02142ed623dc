"""Where media files live. Local directory now (HUB_MEDIA_DIR); an object store can implement
the same small interface later."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol


class StorageError(Exception):
    """A file is missing or could not be written."""


class MediaStorage(Protocol):
    async def save_stream(self, prefix: str, suffix: str, chunks: AsyncIterator[bytes], *, max_bytes: int) -> tuple[str, int]: ...
    def path(self, key: str) -> Path: ...
    async def delete(self, key: str) -> None: ...


class TooLarge(StorageError):
    """The upload exceeded its size limit; nothing was kept."""


class LocalStorage:
    """Files under one root directory; keys are relative paths chosen by the hub, never by users."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def new_key(self, prefix: str, suffix: str) -> str:
        safe_suffix = suffix if suffix.replace(".", "").isalnum() and len(suffix) <= 10 else ""
        return f"{prefix.strip('/')}/{uuid.uuid4().hex}{safe_suffix}"

    def path(self, key: str) -> Path:
        full = (self.root / key).resolve()
        if not full.is_relative_to(self.root):
            raise StorageError("invalid storage key")
        return full

    async def save_stream(
        self, prefix: str, suffix: str, chunks: AsyncIterator[bytes], *, max_bytes: int
    ) -> tuple[str, int]:
        """Write chunks to a new file; returns (key, size). Over `max_bytes`: removed, TooLarge."""
        key = self.new_key(prefix, suffix)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        size = 0
        loop = asyncio.get_running_loop()
        handle = await loop.run_in_executor(None, open, target, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"file exceeds {max_bytes} bytes")
                await loop.run_in_executor(None, handle.write, chunk)
        except BaseException:
            handle.close()
            target.unlink(missing_ok=True)
            raise
        handle.close()
        return key, size

    async def save_bytes(self, prefix: str, suffix: str, data: bytes) -> tuple[str, int]:
        async def one() -> AsyncIterator[bytes]:
            yield data

        return await self.save_stream(prefix, suffix, one(), max_bytes=len(data) + 1)

    async def delete(self, key: str) -> None:
        try:
            os.remove(self.path(key))
        except FileNotFoundError:
            pass

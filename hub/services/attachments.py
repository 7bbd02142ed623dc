"""Keeping an uploaded file with a record: the file in media storage, a row in attachments.

The file is written first and removed again when the transaction that records it fails, so
no row ever points at a missing file and no orphan file outlives a failed upload.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from media.storage import LocalStorage

from ..activity import record_activity
from ..auth.principal import Principal
from ..db import Record
from ..storage import attachments as attachment_store
from ..uploads import Upload


@asynccontextmanager
async def stored_file(storage: LocalStorage, prefix: str, upload: Upload) -> AsyncIterator[str]:
    """Save the upload under `prefix`; yield its key; delete it if the block fails."""
    key, _ = await storage.save_bytes(prefix, upload.suffix, upload.data)
    try:
        yield key
    except BaseException:
        await storage.delete(key)
        raise


async def record_attachment(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    agency_id: UUID,
    owner_type: str,
    owner_id: UUID,
    upload: Upload,
    storage_key: str,
) -> Record:
    row = await attachment_store.insert(
        conn,
        agency_id=agency_id,
        owner_type=owner_type,
        owner_id=owner_id,
        filename=upload.filename,
        content_type=upload.content_type,
        size_bytes=upload.size,
        storage_key=storage_key,
        uploaded_by=principal.user_id,
    )
    await record_activity(
        conn,
        principal,
        agency_id,
        f"{owner_type}.file_uploaded",
        f"Uploaded {upload.filename} ({upload.content_type}, {upload.size} bytes)",
        subject_type=owner_type,
        subject_id=owner_id,
        metadata={"attachmentId": str(row["id"])},
    )
    return row


def storage_prefix(agency_id: UUID, owner_type: str, owner_id: UUID) -> str:
    return f"attachments/{agency_id}/{owner_type}/{owner_id}"

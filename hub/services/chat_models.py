"""Chat as clients see it: the same shapes over REST, Socket.IO acks, broadcasts and the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from ..models import ApiModel


class MessageOut(ApiModel):
    """A stored message; `content` is the masked text, the original is never kept."""

    id: UUID
    thread_id: UUID
    sender_id: UUID | None
    content: str
    masked: bool
    masked_types: list[str]
    created_at: datetime
    client_msg_id: str

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class ParticipantOut(ApiModel):
    """A person in a thread: name and role only, no contact details."""

    id: UUID
    full_name: str
    role: str
    last_read_message_id: UUID | None = None
    last_read_at: datetime | None = None


class ThreadOut(ApiModel):
    id: UUID
    agency_id: UUID
    application_id: UUID | None
    job_id: UUID | None
    subject: str | None
    created_by: UUID | None
    created_at: datetime
    last_message_at: datetime | None
    unread_count: int | None = None  # None where the caller is not a participant
    last_message: MessageOut | None = None
    participants: list[ParticipantOut] | None = None  # in single-thread replies

    @classmethod
    def from_row(cls, row: Mapping[str, Any], participants: list[Mapping[str, Any]] | None = None) -> Self:
        last = None
        if row.get("lm_id") is not None:
            last = MessageOut(
                id=row["lm_id"],
                thread_id=row["id"],
                sender_id=row["lm_sender_id"],
                content=row["lm_content"],
                masked=row["lm_masked"],
                masked_types=list(row["lm_masked_types"]),
                created_at=row["lm_created_at"],
                client_msg_id=row["lm_client_msg_id"],
            )
        thread = cls.from_record(row)
        thread.last_message = last
        if participants is not None:
            thread.participants = [ParticipantOut.from_record(p) for p in participants]
        return thread


class ReadReceiptOut(ApiModel):
    thread_id: UUID
    message_id: UUID
    user_id: UUID
    read_at: datetime


def message_out(row: Mapping[str, Any]) -> MessageOut:
    return MessageOut(
        id=row["id"],
        thread_id=row["thread_id"],
        sender_id=row["sender_id"],
        content=row["content"],
        masked=row["masked"],
        masked_types=list(row["masked_types"]),
        created_at=row["created_at"],
        client_msg_id=row["client_msg_id"],
    )

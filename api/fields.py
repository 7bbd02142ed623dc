"""Field types shared by the recruitment request models (bounded so PostgreSQL can always store them)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints

MAX_BULK_IDS = 100  # ids per bulk request


def _assume_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# An ISO 8601 time; one without an offset is read as UTC.
UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]

Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
SkillList = Annotated[list[Skill], Field(max_length=50)]

Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
ExperienceYears = Annotated[Decimal, Field(ge=0, le=80, max_digits=4, decimal_places=1)]

BulkIds = Annotated[list[UUID], Field(min_length=1, max_length=MAX_BULK_IDS)]

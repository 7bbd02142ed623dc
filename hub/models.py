"""Pydantic base models for the REST contract: camelCase on the wire, UTC times with Z."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class ApiModel(BaseModel):
    """A request or response body: camelCase aliases, snake_case also accepted on input."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", from_attributes=True)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        """Build a reply from a database row, taking only the fields this model declares."""
        return cls.model_validate({name: record[name] for name in cls.model_fields if name in record})


class QueryModel(BaseModel):
    """Query parameters: camelCase or snake_case, unknown ones ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class PageQuery(QueryModel):
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


class PageMeta(ApiModel):
    page: int
    per_page: int
    total: int
    total_pages: int


class ErrorBody(ApiModel):
    code: str
    message: str
    details: dict[str, Any] | None = None


class ErrorEnvelope(ApiModel):
    error: ErrorBody


class Empty(ApiModel):
    """An empty object, for actions with nothing to return."""

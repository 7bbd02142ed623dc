"""Carrying an application forward: only the state machine's own steps, only forwards."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from hub.services.lifecycle import event_data, forward_path


@pytest.mark.parametrize(
    "current,target,path",
    [
        ("submitted", "interview_scheduled", ["shortlisted", "interview_scheduled"]),
        ("shortlisted", "interview_scheduled", ["interview_scheduled"]),
        ("interview_scheduled", "interviewed", ["interviewed"]),
        ("interviewed", "offer_sent", ["offer_sent"]),
        ("offer_sent", "hired", ["hired"]),
        ("interviewed", "hired", ["offer_sent", "hired"]),
        ("offer_sent", "interview_scheduled", []),  # never backwards
        ("interview_scheduled", "interview_scheduled", []),  # already there
        ("rejected", "interview_scheduled", []),  # closed stays closed
        ("hired", "hired", []),
    ],
)
def test_forward_path(current: str, target: str, path: list[str]) -> None:
    assert forward_path(current, target) == path


def test_event_data_is_camel_case_json() -> None:
    some_id = uuid.uuid4()
    data = event_data(offer_id=some_id, salary=Decimal("85000.50"), start_date=date(2031, 4, 1),
                      sent_at=datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC), task_ids=[some_id])
    assert data == {"offerId": str(some_id), "salary": 85000.5, "startDate": "2031-04-01",
                    "sentAt": "2031-01-02T03:04:05Z", "taskIds": [str(some_id)]}

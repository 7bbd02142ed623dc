"""Skills are matched case-insensitively: they are stored trimmed, lower-cased and de-duplicated."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def normalize_skills(skills: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for skill in skills:
        key = " ".join(skill.split()).lower()
        if key:
            seen.setdefault(key, None)
    return list(seen)


def match_score(applicant: list[str], wanted: list[str]) -> Decimal | None:
    """Share of the job's skills the applicant lists, 0-100; None when the job names none."""
    if not wanted:
        return None
    matched = len(set(applicant) & set(wanted))
    return (Decimal(100 * matched) / len(wanted)).quantize(Decimal("0.01"))

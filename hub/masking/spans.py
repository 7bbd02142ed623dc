"""Detections as character spans: choosing among overlaps and writing replacements."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.masking.result import CREDIT_CARD, EMAIL, IBAN, MESSENGER, PHONE, URL

# On equal length the more specific reading wins: a profile link over a plain link,
# an e-mail over the link inside it, a card or IBAN over the phone-like digits inside.
_PRIORITY = {MESSENGER: 0, EMAIL: 1, IBAN: 2, CREDIT_CARD: 3, URL: 4, PHONE: 5}


@dataclass(frozen=True, slots=True)
class Detection:
    """One contact detail found at text[start:end], to be replaced by `replacement`."""

    start: int
    end: int
    entity_type: str
    replacement: str


def choose_non_overlapping(detections: Iterable[Detection]) -> list[Detection]:
    """Keep the longest detection where several overlap (ties by type priority); sorted by start."""
    ranked = sorted(detections, key=lambda d: (d.start - d.end, _PRIORITY[d.entity_type], d.start))
    kept: list[Detection] = []
    for candidate in ranked:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    kept.sort(key=lambda d: d.start)
    return kept


def replace_spans(text: str, detections: list[Detection]) -> str:
    """Write each (non-overlapping, sorted) detection's replacement over its span."""
    pieces: list[str] = []
    position = 0
    for detection in detections:
        pieces.append(text[position : detection.start])
        pieces.append(detection.replacement)
        position = detection.end
    pieces.append(text[position:])
    return "".join(pieces)

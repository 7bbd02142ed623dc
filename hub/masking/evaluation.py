"""Message-level precision and recall of a masker on the labeled corpus.

The corpus is tests/data/masking_corpus.jsonl (written by tests/data/make_masking_corpus.py).

Per entity type T, over the corpus messages:
- recall(T) = messages labeled T where the masker reported T and none of the message's T
  secrets is still readable in its output, divided by messages labeled T;
- precision(T) = messages where the masker reported T that are labeled T, divided by messages
  where it reported T.

A secret is "still readable" when a digit secret (phone, IBAN, card) shows five of its digits in
a row in the output, digits spelled out as words included ("nine one seven" reads as 917), or
when a word secret (the name part of an e-mail, link or handle) appears in the output. The
corpus also lists hard-negative figures ("keep") that must come through unchanged.

This module has its own small digit-word reader on purpose: the score must not depend on the
masker's own reading of disguised digits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.masking.result import ENTITY_TYPES

DIGIT_SECRET_TYPES = frozenset({"PHONE", "IBAN", "CREDIT_CARD"})
LEAK_WINDOW = 5  # digits of a secret in a row that count as a leak

_WORD_DIGITS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SPOKEN = re.compile(r"\b(?:(double|triple)\s+)?(" + "|".join(_WORD_DIGITS) + r")\b", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"\d(?:[\W_]{0,3}\d)*")

Masker = Callable[[str], tuple[str, Iterable[str]]]  # text -> (masked text, types reported)


@dataclass(frozen=True)
class CorpusMessage:
    """One labeled message."""

    text: str
    entities: frozenset[str]
    obfuscated: bool
    secrets: tuple[tuple[str, str], ...]  # (entity type, value)
    keep: tuple[str, ...]


@dataclass
class TypeScore:
    """Counts for one entity type."""

    entity_type: str
    labeled: int = 0
    reported: int = 0
    reported_and_labeled: int = 0
    hidden: int = 0  # labeled, reported and no secret of this type readable

    @property
    def recall(self) -> float:
        return self.hidden / self.labeled if self.labeled else 1.0

    @property
    def precision(self) -> float:
        return self.reported_and_labeled / self.reported if self.reported else 1.0


@dataclass
class CorpusReport:
    """Scores of one masker on one corpus."""

    per_type: dict[str, TypeScore]
    contact_messages: int = 0
    contact_hidden: int = 0  # every secret of the message unreadable, whatever type was reported
    obfuscated_messages: int = 0
    obfuscated_hidden: int = 0
    clean_messages: int = 0
    clean_untouched: int = 0  # clean messages returned unchanged
    keep_messages: int = 0
    keep_intact: int = 0  # messages whose hard-negative figures all came through unchanged
    misses: list[str] | None = None  # texts of labeled messages not fully hidden (for debugging)
    false_alarms: list[str] | None = None  # texts reported with a type they are not labeled with


def load_corpus(path: Path) -> list[CorpusMessage]:
    """The corpus as written by tests/data/make_masking_corpus.py."""
    messages = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        messages.append(
            CorpusMessage(
                text=row["text"],
                entities=frozenset(row["entities"]),
                obfuscated=bool(row.get("obfuscated", False)),
                secrets=tuple((s["type"], s["value"]) for s in row.get("secrets", [])),
                keep=tuple(row.get("keep", [])),
            )
        )
    return messages


def readable_digit_runs(text: str) -> list[str]:
    """Digit sequences a reader can make out of `text`, spelled-out digits included."""

    def spoken(match: re.Match[str]) -> str:
        times = {"double": 2, "triple": 3}.get((match.group(1) or "").lower(), 1)
        return _WORD_DIGITS[match.group(2).lower()] * times

    converted = _SPOKEN.sub(spoken, text)
    return [re.sub(r"\D", "", run) for run in _DIGIT_RUN.findall(converted)]


def secret_readable(entity_type: str, secret: str, output: str) -> bool:
    """Whether `secret` can still be read in the masked `output`."""
    if entity_type not in DIGIT_SECRET_TYPES:
        return secret.lower() in output.lower()
    width = min(LEAK_WINDOW, len(secret))
    windows = {secret[i : i + width] for i in range(len(secret) - width + 1)}
    return any(w in run for run in readable_digit_runs(output) for w in windows)


def evaluate(
    mask: Masker, corpus: Sequence[CorpusMessage], entity_types: Sequence[str] = ENTITY_TYPES
) -> CorpusReport:
    """Run `mask` over the corpus and score it (see the module docstring for the metric)."""
    report = CorpusReport(
        per_type={t: TypeScore(t) for t in entity_types}, misses=[], false_alarms=[]
    )
    for message in corpus:
        output, reported_types = mask(message.text)
        reported = frozenset(reported_types)
        readable = {
            (kind, value) for kind, value in message.secrets if secret_readable(kind, value, output)
        }
        for entity_type, score in report.per_type.items():
            labeled = entity_type in message.entities
            score.labeled += labeled
            score.reported += entity_type in reported
            if labeled and entity_type in reported:
                score.reported_and_labeled += 1
                if not any(kind == entity_type for kind, _ in readable):
                    score.hidden += 1
        if message.entities:
            report.contact_messages += 1
            report.contact_hidden += not readable
            report.obfuscated_messages += message.obfuscated
            report.obfuscated_hidden += message.obfuscated and not readable
            if readable or not message.entities <= reported:
                report.misses.append(message.text)
        else:
            report.clean_messages += 1
            report.clean_untouched += output == message.text
        if reported - message.entities:
            report.false_alarms.append(message.text)
        if message.keep:
            report.keep_messages += 1
            report.keep_intact += all(figure in output for figure in message.keep)
    return report

"""PII masking: precision, recall and speed of ContactMasker beside presidio's recognizers.

    python bench/masking.py [--corpus tests/data/masking_corpus.jsonl] [--seconds 3]

Scores every masker on the labeled corpus with the message-level metric of
hub/masking/evaluation.py (per entity type: recall = messages labeled T where T was reported
and none of T's secrets stays readable; precision = reported T that is labeled T), and times
it on one CPU core (the process is pinned to one core; messages per second are given per CPU
second, which stays honest on a busy machine, and per wall second).

The presidio baselines run offline, without spaCy: every predefined recognizer except the NER
one is called with nlp_artifacts=None (the registry has no NLP engine, so there is no context
boost), every span they return is replaced by "<TYPE>", as presidio's anonymizer does by
default. Presidio's e-mail recognizer is swapped for the same regex validated against the
bundled suffix snapshot (its own validation would fetch the public-suffix list). Prints a
table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from presidio_analyzer import EntityRecognizer, RecognizerRegistry
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UrlRecognizer,
)

from hub.masking import ContactMasker
from hub.masking.evaluation import CorpusMessage, CorpusReport, Masker, evaluate, load_corpus
from hub.masking.presidio_finders import OfflineEmailRecognizer, offline_tld_extractor
from hub.masking.result import ENTITY_TYPES

REPO = Path(__file__).resolve().parents[1]
PRESIDIO_TYPES = {
    "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "URL": "URL", "IBAN_CODE": "IBAN",
    "CREDIT_CARD": "CREDIT_CARD",
}  # fmt: skip
CONTACT_RECOGNIZERS = (EmailRecognizer, UrlRecognizer, IbanRecognizer, CreditCardRecognizer,
                       PhoneRecognizer)  # fmt: skip
ADVERSARIAL = {  # crafted 4,000-character inputs (see tests/hub/masking/test_masker_bounds.py)
    "digits": "1" * 4000, "brackets": "(" * 4000, "digit dash": "1-" * 2000,
    "digit space": "1 " * 2000, "dotted letters": "a." * 2000, "letters then @": "a" * 3999 + "@",
    "spelled": "one " * 1000, "phones": "9175550123 " * 364,
    "junk": "(+1) [9] {1} 7-5.5/5 0_1 2 3 " * 130,
}  # fmt: skip


@dataclass
class Speed:
    per_cpu_second: float
    per_wall_second: float
    worst_ms: float  # slowest corpus message (best of three runs)


def contact_masker() -> Masker:
    masker = ContactMasker()

    def mask(text: str) -> tuple[str, tuple[str, ...]]:
        result = masker.mask(text)
        return result.text, result.entity_types

    return mask


def presidio_masker(only_contact_recognizers: bool) -> Masker:
    """Presidio's predefined recognizers (no NER), offline, spans replaced by <TYPE>."""
    registry = RecognizerRegistry()
    registry.load_predefined_recognizers(languages=["en"])
    recognizers: list[EntityRecognizer] = []
    for recognizer in registry.recognizers:
        if isinstance(recognizer, SpacyRecognizer):
            continue  # NER: needs a spaCy model
        if only_contact_recognizers and not isinstance(recognizer, CONTACT_RECOGNIZERS):
            continue
        if type(recognizer) is EmailRecognizer:
            recognizer = OfflineEmailRecognizer(offline_tld_extractor())
        recognizers.append(recognizer)

    def mask(text: str) -> tuple[str, tuple[str, ...]]:
        results = []
        for recognizer in recognizers:
            results += recognizer.analyze(text, recognizer.supported_entities, nlp_artifacts=None)
        kept: list[tuple[int, int, str]] = []
        for r in sorted(results, key=lambda r: (r.start - r.end, -r.score)):
            if all(r.end <= s or r.start >= e for s, e, _ in kept):
                kept.append((r.start, r.end, r.entity_type))
        out, position = [], 0
        for start, end, entity in sorted(kept):
            out += [text[position:start], f"<{entity}>"]
            position = end
        out.append(text[position:])
        reported = {PRESIDIO_TYPES[e] for _, _, e in kept if e in PRESIDIO_TYPES}
        return "".join(out), tuple(sorted(reported))

    return mask


def measure_speed(mask: Masker, texts: Sequence[str], seconds: float) -> Speed:
    for text in texts:  # warm up: compile patterns, build tables
        mask(text)
    worst = 0.0
    for text in texts:  # best of three per message, so a scheduler hiccup is not "the slowest"
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            mask(text)
            runs.append(time.perf_counter() - started)
        worst = max(worst, min(runs))
    count = 0
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    while time.perf_counter() - wall_started < seconds:
        for text in texts:
            mask(text)
        count += len(texts)
    cpu = time.process_time() - cpu_started
    wall = time.perf_counter() - wall_started
    return Speed(count / cpu, count / wall, worst * 1000)


def worst_adversarial_ms(mask: Masker) -> float:
    worst = 0.0
    for text in ADVERSARIAL.values():
        started = time.perf_counter()
        mask(text)
        worst = max(worst, time.perf_counter() - started)
    return worst * 1000


def pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)"
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return f"pinned to CPU {core}"


def print_table(
    rows: list[tuple[str, CorpusReport, Speed, float]], corpus: list[CorpusMessage]
) -> None:
    names = [name for name, *_ in rows]
    width = max(28, *(len(n) + 2 for n in names))
    print(f"\n{'':{width}}" + "".join(f"{n:>{width}}" for n in names))
    for entity_type in ENTITY_TYPES:
        labeled = rows[0][1].per_type[entity_type].labeled
        cells = []
        for _, report, _, _ in rows:
            score = report.per_type[entity_type]
            precision = f"{score.precision:5.3f}" if score.reported else "  n/a"  # nothing reported
            cells.append(f"P {precision}  R {score.recall:5.3f}")
        print(
            f"{entity_type + f' (n={labeled})':{width}}" + "".join(f"{c:>{width}}" for c in cells)
        )

    def line(label: str, values: list[str]) -> None:
        print(f"{label:{width}}" + "".join(f"{v:>{width}}" for v in values))

    line(
        "contact msgs fully hidden",
        [f"{r.contact_hidden}/{r.contact_messages}" for _, r, _, _ in rows],
    )
    line(
        "  of them obfuscated",
        [f"{r.obfuscated_hidden}/{r.obfuscated_messages}" for _, r, _, _ in rows],
    )
    line("clean msgs untouched", [f"{r.clean_untouched}/{r.clean_messages}" for _, r, _, _ in rows])
    line(
        "hard-negative figures kept", [f"{r.keep_intact}/{r.keep_messages}" for _, r, _, _ in rows]
    )
    line("msgs/s (per CPU second)", [f"{s.per_cpu_second:,.0f}" for _, _, s, _ in rows])
    line("msgs/s (per wall second)", [f"{s.per_wall_second:,.0f}" for _, _, s, _ in rows])
    line("slowest corpus msg (ms)", [f"{s.worst_ms:.2f}" for _, _, s, _ in rows])
    line("slowest crafted 4k msg (ms)", [f"{w:.1f}" for *_, w in rows])
    print(
        f"\ncorpus: {len(corpus)} messages, "
        f"{sum(bool(m.entities) for m in corpus)} with contact details"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "tests/data/masking_corpus.jsonl")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing loop length per masker")
    args = parser.parse_args()

    print(pin_to_one_core())
    corpus = load_corpus(args.corpus)
    texts = [m.text for m in corpus]
    maskers: list[tuple[str, Callable[[], Masker]]] = [
        ("ContactMasker", contact_masker),
        ("presidio predefined", lambda: presidio_masker(only_contact_recognizers=False)),
        ("presidio contact-only", lambda: presidio_masker(only_contact_recognizers=True)),
    ]
    rows = []
    for name, build in maskers:
        mask = build()
        report = evaluate(mask, corpus)
        speed = measure_speed(mask, texts, args.seconds)
        rows.append((name, report, speed, worst_adversarial_ms(mask)))
        print(f"measured {name}")
    print_table(rows, corpus)


if __name__ == "__main__":
    main()

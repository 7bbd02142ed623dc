"""Untrusted text is bounded: crafted inputs finish fast, and long inputs are cut first."""

from __future__ import annotations

import re
import time

import pytest

from hub.masking import ContactMasker

TIME_LIMIT_S = 0.5  # "well under a second" for a 4,000-character crafted message

ADVERSARIAL = {
    "digits": "1" * 4000,
    "open brackets": "(" * 4000,
    "digit dash": "1-" * 2000,
    "digit space": "1 " * 2000,
    "bracket digit": "(1" * 2000,
    "plus one": "+1 " * 1334,
    "pairs": "12 " * 1334,
    "bracketed pairs": "(12) " * 800,
    "dotted letters": "a." * 2000,
    "letters then dot": "a" * 3999 + ".",
    "letters then at": "a" * 3999 + "@",
    "at pairs": "a@" * 2000,
    "iban shaped": "A1" * 2000,
    "spelled": "one " * 1000,
    "spelled dashes": "nine-" * 800,
    "keycaps": "9\ufe0f\u20e3" * 1333,
    "phones": "9175550123 " * 364,
    "local phones": "0917 123 4567, " * 266,
    "junk": "(+1) [9] {1} 7-5.5/5 0_1 2 3 " * 130,
    "at words": "x at y dot com " * 266,
    "handles": "@a1 on telegram " * 250,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_crafted_input_is_masked_well_under_a_second(masker: ContactMasker, text: str) -> None:
    masker.mask("warm up 9175550123")
    started = time.perf_counter()
    masker.mask(text)
    assert time.perf_counter() - started < TIME_LIMIT_S


def test_huge_input_is_cut_before_any_work(masker: ContactMasker) -> None:
    started = time.perf_counter()
    result = masker.mask("1 " * 500_000)
    assert time.perf_counter() - started < TIME_LIMIT_S
    assert len(result.text) <= masker.max_length


def test_past_the_work_budget_runs_are_masked_unvalidated(masker: ContactMasker) -> None:
    """More phone-shaped runs than the budget: the masker fails closed, nothing stays readable."""
    text = " | ".join(f"98765 4{i:04d}" for i in range(60))
    result = masker.mask(text)
    assert result.entity_types == ("PHONE",)
    assert not re.search(r"\d{5}", result.text)

"""The corpus metric itself: it sees leaks (spelled digits included) and punishes over-masking."""

from __future__ import annotations

from hub.masking.evaluation import CorpusMessage, evaluate, readable_digit_runs, secret_readable

PHONE_MESSAGE = CorpusMessage(
    text="call nine one seven five five five zero one two three",
    entities=frozenset({"PHONE"}),
    obfuscated=True,
    secrets=(("PHONE", "917555"),),
    keep=(),
)
CLEAN_MESSAGE = CorpusMessage(
    text="salary $120,000 from 2024-05-01", entities=frozenset(), obfuscated=False,
    secrets=(), keep=("$120,000", "2024-05-01"),
)  # fmt: skip


def test_spelled_digits_are_readable() -> None:
    assert readable_digit_runs("nine one seven, double five five") == ["917555"]
    assert secret_readable("PHONE", "917555", "call 9 one 7 5 5 5 0123")


def test_masked_phone_is_not_readable() -> None:
    assert not secret_readable("PHONE", "917555", "call +1-XXXXXX0123")


def test_word_secret_is_matched_case_insensitively() -> None:
    assert secret_readable("EMAIL", "santos88", "mail Maria.Santos88 at gmail")
    assert not secret_readable("EMAIL", "santos88", "mail xxx@masked.com")


def test_a_masker_that_does_nothing_scores_zero_recall() -> None:
    report = evaluate(lambda t: (t, ()), [PHONE_MESSAGE, CLEAN_MESSAGE])
    assert report.per_type["PHONE"].recall == 0.0
    assert report.clean_untouched == 1


def test_reporting_without_hiding_is_no_hit() -> None:
    report = evaluate(lambda t: (t, ("PHONE",)), [PHONE_MESSAGE])
    assert report.per_type["PHONE"].recall == 0.0
    assert report.per_type["PHONE"].precision == 1.0


def test_masking_everything_costs_precision_and_figures() -> None:
    report = evaluate(lambda t: ("[removed]", ("PHONE", "URL")), [PHONE_MESSAGE, CLEAN_MESSAGE])
    assert report.per_type["PHONE"].recall == 1.0
    assert report.per_type["PHONE"].precision == 0.5
    assert report.per_type["URL"].precision == 0.0
    assert report.keep_intact == 0

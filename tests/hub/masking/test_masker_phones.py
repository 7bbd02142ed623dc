"""Phone numbers people disguise: spelled out, split, padded with words and symbols."""

from __future__ import annotations

import pytest

from hub.masking import ContactMasker


@pytest.mark.parametrize(
    "written",
    [
        "nine one seven five five five zero one two three",  # spelled out
        "NINE ONE SEVEN FIVE FIVE FIVE ZERO ONE TWO THREE",
        "9 one 7 five 5 five 0 one 2 3",  # digits and words mixed
        "nine-one-seven-five-five-five-zero-one-two-three",
        "9 1 7 5 5 5 0 1 2 3",  # split by spaces
        "9.1.7.5.5.5.0.1.2.3",  # by dots
        "91-75-55-01-23",  # by dashes
        "917 then 555 then 0123",  # by words
        "917 dash 555 dash 0123",
        "nine one seven, triple five, oh one two three",
        "ninety-one seventy-five fifty-five oh one twenty-three",  # read in pairs
        "917_555_0123",
        "917\n555\n0123",  # over several lines
        "".join(d + "\ufe0f\u20e3" for d in "9175550123"),  # keycap emoji
        "９１７５５５０１２３",  # full-width digits
    ],
)
def test_disguised_us_number_is_masked(masker: ContactMasker, written: str) -> None:
    result = masker.mask(f"call me {written} tonight")
    assert result.entity_types == ("PHONE",)
    assert result.text == "call me +1-XXXXXX0123 tonight"


def test_spelled_number_with_country_code(masker: ContactMasker) -> None:
    result = masker.mask("+91 nine eight seven six five four three two one zero")
    assert result.text == "+91-XXXXXX3210"


def test_letter_o_for_zero(masker: ContactMasker) -> None:
    assert masker.mask("cp ko O917 123 4567").text == "cp ko +63-XXXXXX4567"


def test_interjection_oh_is_not_a_zero(masker: ContactMasker) -> None:
    assert masker.mask("Oh, 9175550123 is mine").text == "Oh, +1-XXXXXX0123 is mine"


def test_two_numbers_joined_by_and(masker: ContactMasker) -> None:
    result = masker.mask("98765 43210 and nine one seven five five five zero one two three")
    assert result.text == "+91-XXXXXX3210 and +1-XXXXXX0123"


def test_long_spelled_run_is_masked_even_when_invalid(masker: ContactMasker) -> None:
    """Ten or more spelled digits are an evasion whether or not the number exists."""
    result = masker.mask("one one one one one one one one one one one")
    assert result.entity_types == ("PHONE",)
    assert "one" not in result.text


def test_ambiguous_local_number_follows_written_layout(masker: ContactMasker) -> None:
    """07911 123456 is valid in GB and IN; its 5-6 grouping is the British layout."""
    assert masker.mask("07911 123456").text == "+44-XXXXXX3456"


def test_short_spelled_counts_are_left_alone(masker: ContactMasker) -> None:
    text = "We did one two three rounds and five interviews in twenty minutes"
    assert not masker.mask(text).masked


def test_chat_ok_after_a_number_is_no_unit(masker: ContactMasker) -> None:
    """A one-letter scale sticks to its amount (45k); a spaced "k" is chat for "ok"."""
    assert masker.mask("my number 9876543210 k thanks").text == "my number +91-XXXXXX3210 k thanks"
    assert not masker.mask("budget 45k-50k").masked

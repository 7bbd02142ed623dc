"""The public API: seed formats, markers, entity_types, idempotence, limits, no logging."""

from __future__ import annotations

import logging

import pytest

from hub.masking import ContactMasker, MaskResult, mask_contact_details
from hub.masking.masker import default_masker


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me on +91 98765 43210 please", "Call me on +91-XXXXXX3210 please"),
        ("my number: (917) 555-0123", "my number: +1-XXXXXX0123"),
        ("ito po number ko 0917 123 4567", "ito po number ko +63-XXXXXX4567"),
        ("mobile 07911 123456", "mobile +44-XXXXXX3456"),
        ("office +44 20 7946 0958", "office +44-XXXXXX0958"),
        ("ring 98765 43210", "ring +91-XXXXXX3210"),
        ("text +639171234567 now", "text +63-XXXXXX4567 now"),
    ],
)
def test_phone_numbers_keep_country_code_and_last_four(
    masker: ContactMasker, text: str, expected: str
) -> None:
    result = masker.mask(text)
    assert result == MaskResult(text=expected, masked=True, entity_types=("PHONE",))


def test_email_becomes_masked_address(masker: ContactMasker) -> None:
    result = masker.mask("Send it to maria.santos88@gmail.com, thanks")
    assert result.text == "Send it to xxx@masked.com, thanks"
    assert result.entity_types == ("EMAIL",)


@pytest.mark.parametrize(
    ("text", "expected", "entity_type"),
    [
        ("Portfolio: https://jdoe.dev/work", "Portfolio: [link removed]", "URL"),
        ("see www.mariasantos.com.", "see [link removed].", "URL"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN [iban removed] please", "IBAN"),
        ("card 4111 1111 1111 1111 exp 08/27", "card [card removed] exp 08/27", "CREDIT_CARD"),
        ("add me t.me/jdoe_92", "add me [handle removed]", "MESSENGER"),
    ],
)
def test_links_ibans_cards_and_handles_become_markers(
    masker: ContactMasker, text: str, expected: str, entity_type: str
) -> None:
    result = masker.mask(text)
    assert (result.text, result.entity_types) == (expected, (entity_type,))


def test_entity_types_are_sorted_and_unique(masker: ContactMasker) -> None:
    result = masker.mask(
        "call 9876543210 or 0917 123 4567, mail jdoe92@gmail.com or jdoe at yahoo dot com"
    )
    assert result.entity_types == ("EMAIL", "PHONE")
    assert result.masked


def test_clean_text_comes_back_unchanged(masker: ContactMasker) -> None:
    text = "Thanks! The panel is on 2024-05-01 at 10:30 am, salary $120,000."
    assert masker.mask(text) == MaskResult(text=text, masked=False, entity_types=())


def test_masking_masked_text_changes_nothing(masker: ContactMasker) -> None:
    once = masker.mask("+91 98765 43210, jdoe92@gmail.com, https://jdoe.dev, @jdoe on telegram")
    twice = masker.mask(once.text)
    assert twice == MaskResult(text=once.text, masked=False, entity_types=())


def test_unicode_digits_are_read_as_digits(masker: ContactMasker) -> None:
    result = masker.mask("नंबर ९८७६५ ४३२१० है")
    assert result.text == "नंबर +91-XXXXXX3210 है"


def test_input_is_cut_to_max_length_before_masking() -> None:
    small = ContactMasker(max_length=20)
    result = small.mask("call 9876543210 now, then also 0917 123 4567")
    assert result.text == "call +91-XXXXXX3210 now,"  # the first 20 characters, masked
    assert len(small.mask("x" * 1000).text) == 20


def test_region_hints_decide_which_local_numbers_count() -> None:
    us_only = ContactMasker(regions=("US",))
    assert not us_only.mask("ito po 0917 123 4567").masked  # a PH local number
    assert us_only.mask("ito po +63 917 123 4567").masked  # international form needs no hint


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"regions": ("XX",)}, "regions"),
        ({"regions": ()}, "regions"),
        ({"max_length": 0}, "max_length"),
    ],
)
def test_bad_settings_are_rejected(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ContactMasker(**kwargs)  # type: ignore[arg-type]


def test_non_text_is_rejected(masker: ContactMasker) -> None:
    with pytest.raises(TypeError):
        masker.mask(b"9876543210")  # type: ignore[arg-type]


def test_module_function_uses_one_default_masker() -> None:
    assert default_masker() is default_masker()
    assert mask_contact_details("jdoe92@gmail.com").text == "xxx@masked.com"


def test_the_original_text_is_never_logged(
    masker: ContactMasker, caplog: pytest.LogCaptureFixture
) -> None:
    text = "call +91 98765 43210 or jdoe92@gmail.com, IBAN GB82 WEST 1234 5698 7654 32"
    with caplog.at_level(logging.DEBUG):
        masker.mask(text)
    logged = " ".join(str(r.getMessage()) + str(r.args) for r in caplog.records)
    for secret in ("98765", "jdoe92", "5698"):
        assert secret not in logged

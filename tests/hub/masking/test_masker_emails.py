"""E-mail addresses written to get past a filter, and the everyday "at" that is none."""

from __future__ import annotations

import pytest

from hub.masking import ContactMasker


@pytest.mark.parametrize(
    "written",
    [
        "john.doe92 at gmail dot com",
        "john.doe92(at)gmail(dot)com",
        "john.doe92 [at] gmail [dot] com",
        "john.doe92 {at} gmail {dot} com",
        "john.doe92 AT gmail DOT com",
        "john.doe92 at the rate gmail dot com",
        "john.doe92 @ gmail . com",
        "john.doe92@gmail dot com",
        "john dot doe92 at gmail dot com",
        "john underscore doe92 at gmail dot com",
        "john.doe92 [@] gmail [.] com",
        "john.doe92 at gmail",  # a known provider needs no top-level domain
        "john.doe92@yahoo",
        "john.doe92＠gmail．com",  # full-width forms
    ],
)
def test_spelled_out_address_is_masked(masker: ContactMasker, written: str) -> None:
    result = masker.mask(f"mail me: {written} thanks")
    assert result.text == "mail me: xxx@masked.com thanks"
    assert result.entity_types == ("EMAIL",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my gmail is maria.santos88", "my gmail is xxx@masked.com"),
        ("gmail id: rkumar88.", "gmail id: xxx@masked.com."),
        ("my yahoo id is mclarke, send it there", "my yahoo id is xxx@masked.com, send it there"),
    ],
)
def test_address_given_as_provider_account(masker: ContactMasker, text: str, expected: str) -> None:
    assert masker.mask(text).text == expected


def test_first_at_belongs_to_the_sentence(masker: ContactMasker) -> None:
    result = masker.mask("email me at john at gmail dot com")
    assert result.text == "email me at xxx@masked.com"


@pytest.mark.parametrize(
    "text",
    [
        "I worked at accenture.com for 3 years",
        "see you at 10.30 then",
        "Final interview is on 2024-05-01 at 3pm. ping me later",
        "I'm at the office until 6",
        "my gmail is down today",
        "He studied at the University of Santo Tomas.",
    ],
)
def test_everyday_at_is_not_an_address(masker: ContactMasker, text: str) -> None:
    assert "EMAIL" not in masker.mask(text).entity_types


def test_website_after_at_is_a_link_not_an_address(masker: ContactMasker) -> None:
    result = masker.mask("more samples at walkerb dot dev")
    assert result.text == "more samples at [link removed]"
    assert result.entity_types == ("URL",)

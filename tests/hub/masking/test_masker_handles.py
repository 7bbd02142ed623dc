"""Messenger and social handles given in words, and platform names that give none."""

from __future__ import annotations

import pytest

from hub.masking import ContactMasker


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@jdoe92 on telegram", "[handle removed] on telegram"),
        ("telegram: @jdoe", "telegram: [handle removed]"),
        ("tg @jdoe_92", "tg [handle removed]"),
        ("my insta is jdoe_92", "my insta is [handle removed]"),
        ("IG: @maria.s", "IG: [handle removed]"),
        ("skype: live:jdoe_1", "skype: [handle removed]"),
        ("skype id: maria.santos", "skype id: [handle removed]"),
        ("find me on telegram as rkumar88", "find me on telegram as [handle removed]"),
        ("DM me @jdoe92 on IG", "DM me [handle removed] on IG"),
        ("discord: jdoe#1234", "discord: [handle removed]"),
        ("wechat id: jdoe92", "wechat id: [handle removed]"),
        ("hmu on ig joshua28", "hmu on ig [handle removed]"),
        ("my tele is @migs_sharma", "my tele is [handle removed]"),
        ("fb: Maria Santos, same pic", "fb: [handle removed], same pic"),
    ],
)
def test_handle_is_masked_and_the_words_around_it_stay(
    masker: ContactMasker, text: str, expected: str
) -> None:
    result = masker.mask(text)
    assert result.text == expected
    assert result.entity_types == ("MESSENGER",)


@pytest.mark.parametrize(
    "text",
    [
        "I saw the job on LinkedIn",
        "Is WhatsApp ok for the interview?",
        "my LinkedIn is updated",
        "my linkedin is up to date",
        "Telegram is fine but let's keep it here",
        "my insta is private",
        "Thanks @Priya for scheduling",
        "let's talk @10am",
        "text me on whatsapp please",
    ],
)
def test_platform_names_without_a_handle_are_left_alone(masker: ContactMasker, text: str) -> None:
    assert not masker.mask(text).masked


def test_number_after_a_messenger_name_is_a_phone(masker: ContactMasker) -> None:
    result = masker.mask("whatsapp: 9876543210")
    assert result.text == "whatsapp: +91-XXXXXX3210"
    assert result.entity_types == ("PHONE",)

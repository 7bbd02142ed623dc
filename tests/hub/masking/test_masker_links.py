"""Links: profile links are handles, other links are links, link-shaped words are neither."""

from __future__ import annotations

import pytest

from hub.masking import ContactMasker


@pytest.mark.parametrize(
    "link",
    [
        "wa.me/919876543210",
        "https://api.whatsapp.com/send?phone=919876543210",
        "t.me/jdoe_92",
        "https://www.linkedin.com/in/mariasantos/",
        "linkedin.com/in/maria-santos-123a",
        "instagram.com/jdoe92",
        "facebook.com/maria.santos.77",
        "fb.com/jdoe",
        "m.me/jdoe",
        "twitter.com/jdoe_92",
    ],
)
def test_profile_links_are_messenger_details(masker: ContactMasker, link: str) -> None:
    result = masker.mask(f"find me here {link} ok")
    assert result.text == "find me here [handle removed] ok"
    assert result.entity_types == ("MESSENGER",)


@pytest.mark.parametrize(
    "link",
    [
        "https://jdoe.dev",
        "www.mariasantos.com/portfolio",
        "jdoe.github.io",
        "github.com/rkumar-dev",
        "https://bit.ly/3xYzAb1",
        "calendly.com/jdoe/30min",
        "jdoe dot dev",
        "www dot jdoe dot com",
        "jdoe[.]dev",
        "jdoe (dot) com",
        "jdoe . github . io",
    ],
)
def test_other_links_are_removed(masker: ContactMasker, link: str) -> None:
    result = masker.mask(f"my work: {link} - thanks")
    assert result.text == "my work: [link removed] - thanks"
    assert result.entity_types == ("URL",)


@pytest.mark.parametrize(
    "text",
    [
        "5 years of ASP.NET and VB.NET",
        "I built it with socket.io and Node.js",
        "main.py fails, see README.md",
        "B.Tech in CS, M.Sc in Data Science, B.Com",
        "I live in Bangalore.In my last job I led QA",
        "I saw the posting on LinkedIn.com yesterday",
        "apply via naukri.com or Indeed.com",
        "It's a dot net role, experience in dot net needed",
        "available.Call me later",
    ],
)
def test_link_shaped_words_are_left_alone(masker: ContactMasker, text: str) -> None:
    assert not masker.mask(text).masked

"""The masker runs offline: no socket, no public-suffix download, no spaCy model."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import tldextract

from hub.masking import ContactMasker
from hub.masking.presidio_finders import offline_tld_extractor, top_level_domains


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Record (and refuse) every attempt to resolve or connect while the test runs."""
    attempts: list[str] = []

    def refuse(name: str):
        def guard(*args: object, **kwargs: object) -> None:
            attempts.append(f"{name}{args[1:] if name == 'connect' else args}")
            raise OSError(f"network disabled in this test ({name})")

        return guard

    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    yield attempts


@pytest.fixture
def no_default_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """tldextract's module-level extractor fetches the suffix list; it must not be used at all."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("tldextract's default (online) extractor was used")

    monkeypatch.setattr(tldextract, "extract", forbidden)
    monkeypatch.setattr(tldextract.tldextract, "extract", forbidden)


@pytest.fixture
def no_spacy_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import spacy

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a spaCy model was loaded")

    monkeypatch.setattr(spacy, "load", forbidden)


def test_masker_builds_and_masks_without_network(
    network_attempts: list[str], no_default_extractor: None, no_spacy_model: None
) -> None:
    offline_tld_extractor.cache_clear()  # build the suffix data again, under the guard
    top_level_domains.cache_clear()
    masker = ContactMasker()
    result = masker.mask(
        "mail jdoe92@gmail.com or jdoe at yahoo dot co dot uk, site https://jdoe.dev, "
        "t.me/jdoe, IBAN GB82 WEST 1234 5698 7654 32, call +91 98765 43210"
    )
    assert result.entity_types == ("EMAIL", "IBAN", "MESSENGER", "PHONE", "URL")
    assert network_attempts == []


def test_the_guard_does_catch_a_connection(network_attempts: list[str]) -> None:
    """The guard is not vacuous: an attempted connection is recorded."""
    with pytest.raises(OSError):
        socket.create_connection(("publicsuffix.org", 443), timeout=1)
    assert network_attempts

"""E-mails, links, IBANs and card numbers through presidio-analyzer's recognizers, fully offline.

The recognizers are used one by one (`recognizer.analyze(text, entities, None)`): no
AnalyzerEngine, so no spaCy model is loaded. Presidio's e-mail validation calls
`tldextract.extract`, whose default extractor fetches the public-suffix list over the network;
here it is replaced by an extractor that only reads the snapshot bundled with tldextract.

The URL recognizer keeps presidio's list of top-level domains, but its patterns are anchored:
presidio's own non-schema pattern may start at any character and takes seconds on a crafted
input ("a." * 2000), and it matches inside words ("available.Call" reads as "available.ca").
"""

from __future__ import annotations

import re
from functools import lru_cache

import tldextract
from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    UrlRecognizer,
)

_URL_PATH = "(?:/[^\\s()<>\\\"']*)?)"
assert UrlRecognizer.BASE_URL_REGEX.endswith(_URL_PATH), "presidio's URL pattern changed shape"
# A top-level domain must end where the host ends ("available.Call" is no link).
_ANCHORED_BASE = UrlRecognizer.BASE_URL_REGEX[: -len(_URL_PATH)] + "(?![a-z0-9\\-])" + _URL_PATH
_NOT_AFTER = r"(?<![\w@.\-/])"  # a link starts at the start of a token, not inside an address
_URL_PATTERNS = [
    Pattern("Standard Url (anchored)", _NOT_AFTER + r"(?:https?://)" + _ANCHORED_BASE, 0.6),
    Pattern("Non schema URL (anchored)", _NOT_AFTER + _ANCHORED_BASE, 0.5),
]

_IBAN_HINT = re.compile(r"[A-Z]{2}\d{2}")
_CARD_HINT = re.compile(r"\d(?:[ -]?\d){12}")
_URL_HINT = re.compile(r"[a-z0-9]\.[a-z]", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?'\""


@lru_cache(maxsize=1)
def offline_tld_extractor() -> tldextract.TLDExtract:
    """A tldextract extractor reading only its bundled suffix snapshot: no fetch, no cache."""
    extractor = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True
    )
    extractor("warm.up.example.com")  # build the suffix trie now, not on the first message
    return extractor


@lru_cache(maxsize=1)
def top_level_domains() -> frozenset[str]:
    """Last labels of every public suffix in the bundled snapshot ("com", "uk", "dev", ...)."""
    return frozenset(s.rsplit(".", 1)[-1].lower() for s in offline_tld_extractor().tlds)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail recognizer, validating domains against the bundled suffix snapshot."""

    def __init__(self, extractor: tldextract.TLDExtract) -> None:
        super().__init__()
        self._extract = extractor

    def validate_result(self, pattern_text: str) -> bool:
        return self._extract(pattern_text).fqdn != ""


class PresidioFinders:
    """Spans of e-mails, links, IBANs and card numbers as presidio's recognizers see them."""

    def __init__(self) -> None:
        self._email = OfflineEmailRecognizer(offline_tld_extractor())
        self._url = UrlRecognizer(patterns=_URL_PATTERNS)
        self._iban = IbanRecognizer()
        self._card = CreditCardRecognizer()

    def emails(self, text: str) -> list[tuple[int, int]]:
        """Spans of well-formed e-mail addresses with a real public suffix."""
        if "@" not in text:
            return []
        return _spans(self._email, text)

    def links(self, text: str) -> list[tuple[int, int]]:
        """Spans of links, with or without a scheme; trailing sentence punctuation left out."""
        if not _URL_HINT.search(text):
            return []
        spans = []
        for start, end in _spans(self._url, text):
            while end > start and text[end - 1] in _TRAILING_PUNCTUATION:
                end -= 1
            spans.append((start, end))
        return spans

    def ibans(self, text: str) -> list[tuple[int, int]]:
        """Spans of IBANs whose check digits are right."""
        if not _IBAN_HINT.search(text):
            return []
        return _spans(self._iban, text)

    def cards(self, text: str) -> list[tuple[int, int]]:
        """Spans of card numbers that pass the Luhn check."""
        if not _CARD_HINT.search(text):
            return []
        return _spans(self._card, text)


def _spans(
    recognizer: EmailRecognizer | UrlRecognizer | IbanRecognizer | CreditCardRecognizer, text: str
) -> list[tuple[int, int]]:
    results = recognizer.analyze(text, recognizer.supported_entities, nlp_artifacts=None)
    return [(r.start, r.end) for r in results]

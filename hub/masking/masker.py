"""The contact-detail masker: every finder over one message, overlaps settled, spans replaced."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from hub.masking.emails import spelled_emails
from hub.masking.folding import fold_to_ascii
from hub.masking.links import link_type, spelled_links
from hub.masking.messengers import handles
from hub.masking.phones import PhoneFinder
from hub.masking.presidio_finders import PresidioFinders
from hub.masking.protected import blank_spans, protected_spans
from hub.masking.result import (
    CREDIT_CARD,
    EMAIL,
    EMAIL_MASK,
    IBAN,
    MARKERS,
    MESSENGER,
    MaskResult,
)
from hub.masking.spans import Detection, choose_non_overlapping, replace_spans

DEFAULT_REGIONS = ("US", "PH", "IN", "GB")
DEFAULT_MAX_LENGTH = 4000  # characters; longer input is cut before any parsing


class ContactMasker:
    """Masks phone numbers, e-mails, links, handles, IBANs and card numbers in chat text.

    Build one and reuse it: construction loads presidio's recognizers and the bundled
    public-suffix list. `mask` is safe to call from several threads and never logs its input.
    """

    def __init__(
        self, regions: Sequence[str] = DEFAULT_REGIONS, max_length: int = DEFAULT_MAX_LENGTH
    ) -> None:
        if max_length < 1:
            raise ValueError(f"max_length must be at least 1, got {max_length}")
        self.regions = tuple(regions)
        self.max_length = max_length
        self._phones = PhoneFinder(self.regions)
        self._presidio = PresidioFinders()

    def mask(self, text: str) -> MaskResult:
        """`text` (cut to max_length) with every contact detail replaced."""
        if not isinstance(text, str):
            raise TypeError(f"mask() takes a str, not {type(text).__name__}")
        text = text[: self.max_length]
        folded = fold_to_ascii(text)  # same length: spans found in it fit `text`
        kept = [
            d
            for d in choose_non_overlapping(self._detect(folded))
            if text[d.start : d.end] != d.replacement  # already masked: leave as is
        ]
        if not kept:
            return MaskResult(text=text, masked=False, entity_types=())
        return MaskResult(
            text=replace_spans(text, kept),
            masked=True,
            entity_types=tuple(sorted({d.entity_type for d in kept})),
        )

    def _detect(self, text: str) -> list[Detection]:
        found: list[Detection] = []
        for start, end in [*self._presidio.emails(text), *spelled_emails(text)]:
            found.append(Detection(start, end, EMAIL, EMAIL_MASK))
        links = [(s, e, text[s:e]) for s, e in self._presidio.links(text)]
        for start, end, link in [*links, *spelled_links(text)]:
            kind = link_type(link)
            if kind is not None:
                found.append(Detection(start, end, kind, MARKERS[kind]))
        for start, end in handles(text):
            found.append(Detection(start, end, MESSENGER, MARKERS[MESSENGER]))
        for start, end in self._presidio.ibans(text):
            found.append(Detection(start, end, IBAN, MARKERS[IBAN]))
        for start, end in self._presidio.cards(text):
            found.append(Detection(start, end, CREDIT_CARD, MARKERS[CREDIT_CARD]))
        if self._phones.may_hold_phone(text):  # most messages: skip the figure scan below
            # Digits inside amounts, dates, ids, and the details found above are no phones.
            taken = [(d.start, d.end) for d in found]
            found.extend(self._phones.find(blank_spans(text, protected_spans(text) + taken)))
        return found


@lru_cache(maxsize=1)
def default_masker() -> ContactMasker:
    """The process-wide masker with default settings, built on first use."""
    return ContactMasker()


def mask_contact_details(text: str) -> MaskResult:
    """Mask `text` with the default masker (regions US, PH, IN, GB; 4,000 characters)."""
    return default_masker().mask(text)

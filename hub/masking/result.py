"""What one masking pass returns, the entity types it knows and the markers it writes."""

from __future__ import annotations

from dataclasses import dataclass

PHONE = "PHONE"
EMAIL = "EMAIL"
URL = "URL"
IBAN = "IBAN"
CREDIT_CARD = "CREDIT_CARD"
MESSENGER = "MESSENGER"  # messenger/social handles and profile links

ENTITY_TYPES = (PHONE, EMAIL, URL, IBAN, CREDIT_CARD, MESSENGER)

# Fixed replacements; phones get a per-number mask (see phones.phone_mask).
EMAIL_MASK = "xxx@masked.com"
MARKERS = {
    EMAIL: EMAIL_MASK,
    URL: "[link removed]",
    MESSENGER: "[handle removed]",
    IBAN: "[iban removed]",
    CREDIT_CARD: "[card removed]",
}


@dataclass(frozen=True)
class MaskResult:
    """The masked text and which kinds of contact details were hidden in it."""

    text: str  # masked text
    masked: bool  # True if anything was replaced
    entity_types: tuple[str, ...]  # sorted unique types hidden, e.g. ("EMAIL", "PHONE")

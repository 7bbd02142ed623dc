"""Masking of contact details (phones, e-mails, links, handles, IBANs, cards) in chat text."""

from hub.masking.masker import ContactMasker, mask_contact_details
from hub.masking.result import MaskResult

__all__ = ["ContactMasker", "MaskResult", "mask_contact_details"]

"""Fold look-alike characters to ASCII one for one, so spans found in folded text fit the original.

People slip contact details past filters with non-ASCII digits ("९८७६५", "９１７") and full-width
punctuation ("john＠gmail．com"). Folding keeps the length, so every offset stays valid.
"""

from __future__ import annotations

import sys
import unicodedata


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code_point in range(0x80, sys.maxunicode + 1):
        char = chr(code_point)
        if unicodedata.category(char) == "Nd":
            table[code_point] = str(unicodedata.decimal(char))
    # Full-width ASCII forms (U+FF01..U+FF5E) map to ASCII 0x21..0x7E.
    for code_point in range(0xFF01, 0xFF5F):
        table[code_point] = chr(code_point - 0xFEE0)
    table[0x3000] = " "  # ideographic space
    return table


_TABLE = _build_table()


def fold_to_ascii(text: str) -> str:
    """`text` with Unicode digits and full-width forms as ASCII; same length as `text`."""
    if text.isascii():
        return text
    return text.translate(_TABLE)

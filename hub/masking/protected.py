"""Numbers that are not phone numbers: amounts, dates, times, versions, reference ids.

Their spans are blanked out before phone detection, so a salary range ("80000-90000 per
month") or an order number ("order #4471 2290 11") is never read as digits of a phone.
"""

from __future__ import annotations

import re

_CURRENCY = r"(?:[$₱₹£€¥]|(?<![a-z])(?:rs\.?|inr|php|usd|gbp|eur|aed|sgd|aud|cad|pesos?)(?![a-z]))"
# Figures start where a number starts ((?<![\d.,])) and take their digits possessively: a
# crafted run of 4,000 digits must cost one pass, not one pass per digit.
_AMOUNT = r"(?:\d{1,3}(?:,\d{2,3})+(?:\.\d++)?|\d++(?:\.\d++)?)"
# "45k" but not "9876543210 k" (chat for "ok"): one-letter scales stick to their number.
_SCALE = r"(?:(?:k|m|mn|l)(?![a-z])|\s?(?:lpa|lakhs?|lacs?|crores?|cr|million|thousand)(?![a-z]))"
_PERIOD = (
    r"(?:\s?(?:/|per|a|an|p\.?)\s?(?:month|mo|year|yr|annum|a\.?|hour|hr|day|week|wk)s?(?![a-z])"
    r"|\s?(?:monthly|annually|yearly|hourly|lpa|ctc|gross|net|take[- ]home)(?![a-z]))"
)
_RANGE = r"\s?(?:-|–|—|to)\s?"
_SALARY_CUE = (
    r"(?:salary|ctc|compensation|pay|budget|stipend|rate|offer|package|expect(?:ed|ation)?s?"
    r"|range|band|bonus|allowance|fee)(?![a-z])"
)
_SALARY_FILLER = (
    r"(?:is|of|around|about|approx\.?|between|from|upto|up\s+to|range|expectations?|expected"
    r"|would\s+be|will\s+be|was|currently|only|min(?:imum)?|max(?:imum)?|monthly|annual|yearly)"
)

_MONEY = (
    rf"{_CURRENCY}\s?{_AMOUNT}{_SCALE}?(?:{_RANGE}{_CURRENCY}?\s?{_AMOUNT}{_SCALE}?)?{_PERIOD}?"
    rf"|(?<![\d.,]){_AMOUNT}{_SCALE}?(?:{_RANGE}{_AMOUNT}{_SCALE}?)?"
    rf"(?:\s?{_CURRENCY}|{_PERIOD}|{_SCALE})"
    rf"|(?<![a-z]){_SALARY_CUE}(?:\s+{_SALARY_FILLER}){{0,3}}"
    rf"\s*:?\s*{_AMOUNT}{_SCALE}?(?:{_RANGE}{_AMOUNT}{_SCALE}?)?"
    # any comma-grouped figure is an amount
    rf"|(?<![\d,])\d{{1,3}}(?:,\d{{2,3}})+(?:\.\d+)?(?![\d,])"
)
_DATE = (
    r"(?<![\d.\-/])(?:(?:19|20)\d\d[-/.]\d{1,2}[-/.]\d{1,2}"
    r"|\d{1,2}[-/.]\d{1,2}[-/.](?:(?:19|20)\d\d|\d\d))(?![\d.\-/]?\d)"
)
_TIME = r"(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?|(?<!\d)\d{1,2}\s?[ap]\.?m\.?(?![a-z])"
_VERSION = r"(?<![\w.])v\d+(?:\.\d+)+|(?<![\w.])\d{1,2}\.\d{1,3}\.\d{1,3}(?:\.\d+)?(?![\d.])"
_IP_ADDRESS = r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])"
_PERCENT = r"(?<![\d.])\d+(?:\.\d+)?(?:\s?(?:-|–|to)\s?\d+(?:\.\d+)?)?\s?%"
_DURATION = (
    r"(?<![\d.])\d+(?:\.\d+)?\+?(?:\s?(?:-|–|to)\s?\d+\+?)?\s?"
    r"(?:years?|yrs?|months?|mos?|weeks?|wks?|days?|hours?|hrs?|minutes?|mins?)(?![a-z])"
)
_REFERENCE = (
    r"(?<![a-z])(?:order|invoice|inv|ticket|ref|reference|req|requisition|job|case|tracking"
    r"|booking|txn|transaction|confirmation|receipt|sku|batch|serial|employee|emp|application"
    r"|candidate|roll|registration|reg|policy|claim"
    # government and employment ids asked for at onboarding (PH, IN, GB, US)
    r"|sss|tin|philhealth|pag-?ibig|hdmf|umid|prc|aadhaa?r|uan|pan|pf|esic|ssn|nin|ni\s+number"
    r"|passport|licen[cs]e)(?![a-z])"
    r"(?:\s*(?:id|no\.?|number|num|code|ref))?\s*[#:.\-]?\s*"
    r"(?:[a-z]{1,6}[-/#]?)?\d[\d\-/ ]{0,24}\d"
    r"|#\s?\d[\d\- ]*\d"
    r"|(?<![a-z0-9])[a-z]{2,6}[-/#]\d+(?:[-/]\d+)+"
)
_ZIP_PLUS_FOUR = r"(?<![\d\-])\d{5}-\d{4}(?![\d\-])"

_NOT_A_PHONE = re.compile(
    "|".join(
        f"(?:{part})"
        for part in (
            _MONEY,
            _DATE,
            _TIME,
            _VERSION,
            _IP_ADDRESS,
            _PERCENT,
            _DURATION,
            _REFERENCE,
            _ZIP_PLUS_FOUR,
        )
    ),
    re.IGNORECASE,
)


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Spans of figures that look numeric but are not contact details."""
    return [match.span() for match in _NOT_A_PHONE.finditer(text) if match.end() > match.start()]


def blank_spans(text: str, spans: list[tuple[int, int]], filler: str = "\x00") -> str:
    """`text` with each span overwritten by `filler` characters (same length)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = filler * (end - start)
    return "".join(chars)

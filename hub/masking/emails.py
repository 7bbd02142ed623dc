"""E-mail addresses written to dodge a filter: "john at gmail dot com", "john(at)gmail(dot)com".

Well-formed addresses are presidio's job (see `presidio_finders`); these rules catch the
spelled-out forms: "at"/"(at)"/"[at]"/"at the rate", "dot"/"(dot)"/"[dot]", spaces around
"@" and ".", a missing top-level domain after a mail provider ("jdoe92 at gmail"), and an
address given as a provider account ("my gmail is jdoe92").
"""

from __future__ import annotations

import re

from hub.masking.presidio_finders import top_level_domains
from hub.masking.stopwords import COMMON_WORDS, WORDS_BEFORE_AT

MAIL_PROVIDERS = frozenset({
    "gmail", "googlemail", "yahoo", "ymail", "rocketmail", "outlook", "hotmail", "live", "msn",
    "icloud", "aol", "protonmail", "proton", "zoho", "zohomail", "gmx", "yandex", "rediffmail",
    "rediff", "fastmail", "tutanota", "mail",
})  # fmt: skip
# Names that mean a mailbox on their own ("jdoe92 at gmail", "my yahoo is jdoe92"); "mail" and
# "live" are everyday words too ("Live: Manila").
STANDALONE_PROVIDERS = MAIL_PROVIDERS - {"live", "mail", "msn", "aol", "proton", "zoho"}

_OPEN, _CLOSE = r"[\(\[\{<]", r"[\)\]\}>]"
_AT = (
    rf"(?P<at>\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*"  # (at) [at] {@}
    r"|\s+at(?:\s+the\s+rate(?:\s+of)?)?\s+"  # at, at the rate
    r"|\s*@\s*)"  # @ with or without spaces
)
_SPELLED_DOT = rf"\s*{_OPEN}\s*(?:dot|\.)\s*{_CLOSE}\s*|\s+dot\s+"
_LOCAL_JOIN = rf"(?:{_SPELLED_DOT}|\.|_|\s+underscore\s+|-)"
_WORD = r"[a-z0-9][a-z0-9_%+]*+"
_DOMAIN_DOT = rf"(?:{_SPELLED_DOT}|\s+\.\s+|\.)"  # "gmail . com", not "3pm. ping"
_LABEL = r"[a-z0-9][a-z0-9\-]*+"

_SPELLED_EMAIL = re.compile(
    rf"(?<![\w@.\-+])(?P<local>{_WORD}(?:{_LOCAL_JOIN}{_WORD}){{0,3}}){_AT}"
    rf"(?P<domain>{_LABEL}(?:{_DOMAIN_DOT}{_LABEL}){{0,3}})(?![\w\-@])",
    re.IGNORECASE,
)
_PROVIDER_ACCOUNT = re.compile(
    rf"(?<![\w@.])(?:{'|'.join(sorted(STANDALONE_PROVIDERS))})"
    r"(?P<id>\s+(?:id|address|account|acct))?"
    r"\s*(?P<cue>:|-|=|\bis\b)\s*(?P<local>[a-z0-9][a-z0-9._%+\-]*[a-z0-9])(?![\w@\-]|\.\w)",
    re.IGNORECASE,
)
_HINT = re.compile(r"@|\bat\b|" + "|".join(sorted(MAIL_PROVIDERS)), re.IGNORECASE)
_SEPARATOR_RE = re.compile(_SPELLED_DOT + r"|\s+underscore\s+|\s+", re.IGNORECASE)


def spelled_emails(text: str) -> list[tuple[int, int]]:
    """Spans of e-mail addresses written with spelled-out or spaced "@" and "."."""
    if not _HINT.search(text):
        return []
    spans = []
    position = 0
    while (match := _SPELLED_EMAIL.search(text, position)) is not None:
        if _plausible(match):
            spans.append(match.span())
            position = match.end()
        else:  # "me at john at gmail dot com": try again from the next word
            position = match.start() + 1
    for match in _PROVIDER_ACCOUNT.finditer(text):
        local = match.group("local").lower()
        strong = (
            match.group("id") is not None or match.group("cue") != "is"
        )  # "gmail id:", "gmail:"
        if _looks_like_mailbox(local) or (strong and len(local) >= 4 and local not in COMMON_WORDS):
            spans.append(match.span("local"))
    return spans


def _plausible(match: re.Match[str]) -> bool:
    at = match.group("at")
    raw_local, raw_domain = match.group("local"), match.group("domain")
    plain_at = at == "@"
    spelled_domain = _SEPARATOR_RE.search(raw_domain) is not None
    local = _SEPARATOR_RE.sub(".", raw_local).lower()
    labels = [label for label in _SEPARATOR_RE.sub(".", raw_domain).lower().split(".") if label]
    ordinary = plain_at and not spelled_domain and _SEPARATOR_RE.search(raw_local) is None
    if ordinary and len(labels) > 1:
        return False  # a well-formed address: presidio's recognizer decides
    if local in COMMON_WORDS or not any(c.isalpha() for c in local) or labels[0] == "www":
        return False  # "me at ...", "2024-05-01 at 3pm", "samples at www dot site dot com"
    if len(labels) == 1:
        known = labels[0] in STANDALONE_PROVIDERS  # "jdoe92 at gmail"
    else:
        known = labels[-1] in top_level_domains() and labels[0] not in COMMON_WORDS
    if not known:
        return False
    if at.strip().lower() == "at" or at.strip().lower().startswith("at "):
        # A bare "at" is everyday English: "worked at acme.com", "more samples at jdoe dot dev".
        if labels[0] in MAIL_PROVIDERS:
            return True
        if local in WORDS_BEFORE_AT:
            return False
        return spelled_domain or _looks_like_mailbox(local)
    return True


def _looks_like_mailbox(local: str) -> bool:
    """A local part that is not an everyday word: has digits or punctuation, or is long."""
    lowered = local.lower()
    if lowered in COMMON_WORDS:
        return False
    return any(c.isdigit() or c in "._-" for c in lowered) or len(lowered) >= 8

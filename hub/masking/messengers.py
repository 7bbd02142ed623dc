"""Messenger and social handles given in words: "@jdoe on telegram", "my insta is jdoe_92".

A handle only counts next to a platform name or a contact verb; an "@name" alone may be a
mention of a colleague, and "LinkedIn is fine" names no one. Skype's "live:" ids count
anywhere. Profile links ("t.me/jdoe") are classified in `links`.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from hub.masking.stopwords import COMMON_WORDS

_PLATFORM = (
    r"(?:whats\s?app|whatsap|watsapp|telegram|tele|tg|skype|linked\s?in|instagram|insta|ig"
    r"|facebook|fb|messenger|twitter|discord|snapchat|snap|we\s?chat|viber|threads|tiktok|kik)"
    r"(?![a-z])"
)
_HANDLE = r"@?[a-z0-9_](?:[a-z0-9_.\-]{0,38}[a-z0-9_])?(?:#\d{4})?"
_AT_HANDLE = r"@[a-z0-9_][a-z0-9_.]*[a-z0-9_]"
_ID_WORD = r"(?:id|handle|username|user\s?name|user|account|acct|profile|name|no\.?|number)"
_VERB = r"(?:find|add|follow|message|msg|dm|pm|ping|text|reach|contact|hit|chat\s+with|call)"
_START = r"(?<![\w@])"


class _Rule(NamedTuple):
    strong: bool  # a clear cue (":", "@", "id"); weak cues ("my insta is ...") check harder
    needs_platform: bool
    pattern: re.Pattern[str]


def _rule(strong: bool, needs_platform: bool, *parts: str) -> _Rule:
    return _Rule(strong, needs_platform, re.compile("".join(parts), re.IGNORECASE))


_RULES = [
    # telegram: @jdoe / skype id - maria.s / IG = jdoe_92
    _rule(True, True, _START, _PLATFORM, rf"(?:\s+{_ID_WORD})?",
          r"\s*(?:[:=]|\s[-–]|\s*@\s*(?=@))\s*", rf"(?P<h>{_HANDLE})"),
    # telegram @jdoe / insta@jdoe
    _rule(True, True, _START, _PLATFORM, rf"(?:\s+{_ID_WORD})?\s*(?P<h>{_AT_HANDLE})"),
    # skype id john.doe / telegram handle is jdoe
    _rule(True, True, _START, _PLATFORM, rf"\s+{_ID_WORD}\s+(?:is\s+)?(?P<h>{_HANDLE})"),
    # @jdoe on telegram / @jdoe (IG)
    _rule(True, True, _START, rf"(?P<h>{_AT_HANDLE})",
          r"\s*(?:on|in|via|at|@|\(|-|is\s+my)\s*", _PLATFORM),
    # my insta is jdoe_92 / my telegram handle is same as... (checked below)
    _rule(False, True, _START, r"my\s+", _PLATFORM, rf"(?:\s+{_ID_WORD})?\s+is\s+(?P<h>{_HANDLE})"),
    # add me on telegram: jdoe / find me on telegram as rkumar88 / hmu on ig jdoe
    _rule(False, True, _START, rf"(?:{_VERB}\s+me|hmu)\s+(?:up\s+)?(?:on|at|in|via)\s+",
          _PLATFORM, r"\s*(?:[:,\-]|as(?!\w)|at(?!\w)|@(?=@))?\s*", rf"(?P<h>{_HANDLE})"),
    # add jdoe_92 on insta
    _rule(False, True, _START, rf"{_VERB}\s+(?:me\s+)?(?P<h>{_HANDLE})\s+(?:on|in|via)\s+",
          _PLATFORM),
    # dm me @jdoe92
    _rule(True, False, _START, rf"{_VERB}\s+(?:me\s+)?(?:up\s+)?(?:at|on|via)?\s*",
          rf"(?P<h>{_AT_HANDLE})"),
    # skype: live:jdoe_1, anywhere
    _rule(True, False, _START, r"(?P<h>live:\.?[a-z0-9_][a-z0-9_.\-]*[a-z0-9_])"),
]  # fmt: skip
_PLATFORM_RE = re.compile(r"(?<![a-z])" + _PLATFORM, re.IGNORECASE)
_NOT_A_HANDLE = re.compile(r"[\d.\-]+$")  # digits only: a phone number, the phone finder's
_TIME = re.compile(r"\d{1,2}(?::\d{2})?(?:am|pm)?$")
_NEXT_NAME = re.compile(r"[ \t]+([A-Z][a-z]+)")
MAX_NAME_WORDS = 3  # "fb: Maria Clara Santos": a display name, not a one-word handle


def handles(text: str) -> list[tuple[int, int]]:
    """Spans of handles (the handle only, not the words around it)."""
    has_platform = _PLATFORM_RE.search(text) is not None
    if not has_platform and "@" not in text and "live:" not in text.lower():
        return []
    spans = []
    for rule in _RULES:
        if rule.needs_platform and not has_platform:
            continue
        for match in rule.pattern.finditer(text):
            handle = match.group("h")
            if _is_handle(handle, rule.strong):
                spans.append((match.start("h"), _name_end(text, match.end("h"), handle)))
    return spans


def _name_end(text: str, end: int, handle: str) -> int:
    """Where a display name given as a handle ends: "Maria" in "fb: Maria Santos" takes "Santos"."""
    if not (handle[:1].isupper() and handle[1:].isalpha() and handle[1:].islower()):
        return end
    for _ in range(MAX_NAME_WORDS - 1):
        following = _NEXT_NAME.match(text, end)
        if following is None or following.group(1).lower() in COMMON_WORDS:
            break
        end = following.end()
    return end


def _is_handle(handle: str, strong: bool) -> bool:
    """Whether a candidate reads as a handle rather than a word ("updated", "fine")."""
    bare = handle.lstrip("@").lower()
    if _TIME.match(bare):
        return False  # "call me @10am"
    if handle.startswith("@") or bare.startswith("live:"):
        return len(bare) >= 2
    if bare in COMMON_WORDS or _NOT_A_HANDLE.match(bare):
        return False
    if any(c.isdigit() or c in "_.-#" for c in bare):
        return True
    if strong:
        return len(bare) >= 3
    # A plain word after "my insta is": take it unless it reads like an adjective or verb.
    return len(bare) >= 4 and not bare.endswith(("ed", "ing", "ly", "able", "ible"))

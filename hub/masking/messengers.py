"""Messenger and social handles given in words: "@jdoe on telegram", "my insta is jdoe_92".

A handle only counts next to a platform name or a contact verb; an "@name" alone may be a
mention of a colleague, and "LinkedIn is fine" names no one. Skype's "live:" ids count
anywhere. Profile links ("t.me/jdoe") are classified in `links`.
"""

from __future__ import annotations

import re

from hub.masking.stopwords import COMMON_WORDS

_PLATFORM = (
    r"(?:whats\s?app|whatsap|watsapp|telegram|tg|skype|linked\s?in|instagram|insta|ig|facebook|fb"
    r"|messenger|twitter|discord|snapchat|snap|we\s?chat|viber|threads|tiktok|kik)"
)
_HANDLE = r"@?[a-z0-9_](?:[a-z0-9_.\-]{0,38}[a-z0-9_])?(?:#\d{4})?"
_ID_WORD = r"(?:id|handle|username|user\s?name|user|account|acct|profile|name|no\.?|number)"
_VERB = r"(?:find|add|follow|message|msg|dm|pm|ping|text|reach|contact|hit|chat\s+with|call)"

_HANDLE_RULES = [
    # telegram: @jdoe / skype id - maria.s / IG = jdoe_92
    (True, rf"(?<![\w@]){_PLATFORM}(?:\s+{_ID_WORD})?\s*(?:[:=]|\s[-–]|\s*@\s*(?=@))\s*(?P<h>{_HANDLE})"),
    # telegram @jdoe / insta@jdoe
    (True, rf"(?<![\w@]){_PLATFORM}(?:\s+{_ID_WORD})?\s*(?P<h>@[a-z0-9_][a-z0-9_.]*[a-z0-9_])"),
    # skype id john.doe / telegram handle is jdoe
    (True, rf"(?<![\w@]){_PLATFORM}\s+{_ID_WORD}\s+(?:is\s+)?(?P<h>{_HANDLE})"),
    # @jdoe on telegram / @jdoe (IG)
    (True, rf"(?<![\w@])(?P<h>@[a-z0-9_][a-z0-9_.]*[a-z0-9_])\s*(?:on|in|via|at|@|\(|-|is\s+my)\s*{_PLATFORM}(?![a-z])"),
    # my insta is jdoe_92 / my telegram handle is same as... (checked below)
    (False, rf"(?<![\w@])my\s+{_PLATFORM}(?:\s+{_ID_WORD})?\s+is\s+(?P<h>{_HANDLE})"),
    # add me on telegram: jdoe / find me on telegram as rkumar88
    (False, rf"(?<![\w@]){_VERB}\s+me\s+(?:up\s+)?(?:on|at|in|via)\s+{_PLATFORM}\s*(?:[:,\-]|as(?!\w)|at(?!\w)|@(?=@))?\s*(?P<h>{_HANDLE})"),
    # add jdoe_92 on insta
    (False, rf"(?<![\w@]){_VERB}\s+(?:me\s+)?(?P<h>{_HANDLE})\s+(?:on|in|via)\s+{_PLATFORM}(?![a-z])"),
    # dm me @jdoe92
    (True, rf"(?<![\w@]){_VERB}\s+(?:me\s+)?(?:up\s+)?(?:at|on|via)?\s*(?P<h>@[a-z0-9_][a-z0-9_.]*[a-z0-9_])"),
    # skype: live:jdoe_1 anywhere
    (True, r"(?<![\w@])(?P<h>live:\.?[a-z0-9_][a-z0-9_.\-]*[a-z0-9_])"),
]
_RULES = [(strong, re.compile(pattern, re.IGNORECASE)) for strong, pattern in _HANDLE_RULES]
_NOT_A_HANDLE = re.compile(r"[\d.\-]+$")  # digits only: a phone number, the phone finder's
_TIME = re.compile(r"\d{1,2}(?::\d{2})?(?:am|pm)?$")
_HINT = re.compile(_PLATFORM + r"|@|live:|" + _VERB, re.IGNORECASE)


def handles(text: str) -> list[tuple[int, int]]:
    """Spans of handles (the handle only, not the words around it)."""
    if not _HINT.search(text):
        return []
    spans = []
    for strong, rule in _RULES:
        for match in rule.finditer(text):
            handle = match.group("h")
            if _is_handle(handle, strong):
                spans.append(match.span("h"))
    return spans


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

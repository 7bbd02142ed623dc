"""Which link-shaped text is a contact detail: profile links, plain links, or no link at all.

A link to a messenger or social profile ("t.me/jdoe", "linkedin.com/in/jdoe") is a MESSENGER
detail; any other link is a URL. Tokens that only look like links are left alone: technology
names ("ASP.NET", "socket.io"), file names ("main.py"), degrees ("B.Tech", "M.Sc"), a missing
space after a full stop ("Bangalore.In"), and bare mentions of public sites ("LinkedIn.com").
Also finds links whose dots are spelled out ("jdoe dot dev", "jdoe[.]dev").
"""

from __future__ import annotations

import re

from hub.masking.presidio_finders import top_level_domains
from hub.masking.result import MESSENGER, URL
from hub.masking.stopwords import COMMON_WORDS

# Hosts (and their subdomains) whose links lead to a person on a messenger or social network.
MESSENGER_HOSTS = frozenset({
    "wa.me", "whatsapp.com", "t.me", "telegram.me", "telegram.dog", "linkedin.com", "lnkd.in",
    "instagram.com", "instagr.am", "facebook.com", "fb.com", "fb.me", "m.me", "skype.com",
    "twitter.com", "x.com", "discord.gg", "discord.com", "snapchat.com", "viber.com",
    "wechat.com", "threads.net", "tiktok.com",
})  # fmt: skip
# Sites everyone names in a hiring chat; a bare mention ("saw it on Indeed.com") is no contact.
PUBLIC_SITES = frozenset({
    "linkedin.com", "indeed.com", "naukri.com", "jobstreet.com", "glassdoor.com", "monster.com",
    "google.com", "github.com", "gitlab.com", "stackoverflow.com", "leetcode.com",
    "hackerrank.com", "zoom.us", "teams.microsoft.com", "microsoft.com", "facebook.com",
    "instagram.com", "twitter.com", "x.com", "whatsapp.com", "telegram.org", "skype.com",
    "upwork.com", "fiverr.com", "onlinejobs.ph", "kalibrr.com", "foundit.in", "shine.com",
    "reed.co.uk", "totaljobs.com", "coursera.org", "udemy.com", "wikipedia.org", "youtube.com",
})  # fmt: skip
TECH_TERMS = frozenset({"asp.net", "vb.net", "ado.net", "dot.net", "socket.io"})
# Top-level domains that are far more often file extensions in a tech chat ("main.py").
FILE_EXTENSIONS = frozenset({"py", "md", "sh", "pl", "rs", "cc", "ps", "so", "mov", "rb", "ts"})
_SHORT_HOSTS = frozenset(h for h in MESSENGER_HOSTS if len(h.split(".")[0]) == 1)  # t.me, x.com

_SCHEME = re.compile(r"^[a-z]+://", re.IGNORECASE)

_DOT = r"(?:\s*[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]\s*|\s+dot\s+|\s+\.\s+|\.)"
_SPELLED_LINK = re.compile(
    rf"(?<![\w@.\-])(?:https?\s*:\s*//\s*)?"
    rf"[a-z0-9][a-z0-9\-]*+(?:{_DOT}[a-z0-9][a-z0-9\-]*+){{1,4}}"
    r"(?![\w\-])(?:/[^\s()<>\"']*)?",
    re.IGNORECASE,
)
_SPELLED_DOT = re.compile(
    r"\s*[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]\s*|\s+dot\s+|\s+\.\s+", re.IGNORECASE
)
_SPELLED_HINT = re.compile(r"\sdot\s|\s\.\s|[\(\[\{<]\s*(?:dot|\.)\s*[\)\]\}>]", re.IGNORECASE)


def link_type(link: str) -> str | None:
    """MESSENGER, URL, or None when `link` is not a link to anyone."""
    has_scheme = bool(_SCHEME.match(link))
    rest = _SCHEME.sub("", link)
    host, _, path = rest.partition("/")
    host_lower = host.lower()
    has_www = host_lower.startswith("www.")
    bare_host = host_lower.removeprefix("www.")
    path = path.strip("/")
    if _host_in(bare_host, MESSENGER_HOSTS) and path:
        return MESSENGER
    if not path and _host_in(bare_host, PUBLIC_SITES):
        return None
    if has_scheme or has_www or path:
        return URL
    if bare_host in TECH_TERMS:
        return None
    if bare_host in _SHORT_HOSTS:
        return URL
    labels = host.split(".")
    top = labels[-1]
    if len(labels) == 2 and top.lower() in FILE_EXTENSIONS:
        return None  # "main.py", "README.md"
    if len(labels[0]) == 1:
        return None  # "B.Tech", "M.Sc"
    if top[:1].isupper() and top[1:].islower():
        return None  # "Bangalore.In": a sentence run on after its full stop
    return URL


def spelled_links(text: str) -> list[tuple[int, int, str]]:
    """(start, end, link) for links written with spelled-out dots ("jdoe dot dev")."""
    if not _SPELLED_HINT.search(text):
        return []
    found = []
    for match in _SPELLED_LINK.finditer(text):
        raw = match.group()
        if not _SPELLED_DOT.search(raw):
            continue
        link = _SPELLED_DOT.sub(".", raw)
        link = re.sub(r"\s+", "", link)
        host = _SCHEME.sub("", link).partition("/")[0].lower()
        labels = host.removeprefix("www.").split(".")
        if labels[-1] not in top_level_domains() or len(labels) < 2:
            continue
        if len(labels[0]) < 3 or labels[0] in COMMON_WORDS or host in TECH_TERMS:
            continue  # "in dot net", "a dot com", "asp dot net"
        found.append((match.start(), match.end(), link))
    return found


def _host_in(host: str, hosts: frozenset[str]) -> bool:
    return host in hosts or any(host.endswith("." + h) for h in hosts)

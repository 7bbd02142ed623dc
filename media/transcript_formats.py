"""Transcript downloads: plain text, WebVTT and SubRip, with speakers labelled.

Input is the stored segment list `[{start, end, text, speaker}]` (seconds, in time order) and
a speaker id -> display name map; the output is the file body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FORMATS: dict[str, str] = {  # format -> media type of the download
    "txt": "text/plain; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
}

_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    """One line of text: cue bodies end at a blank line, so newlines must not reach them."""
    return _SPACES.sub(" ", text).strip()


def _label(segment: Mapping[str, Any], names: Mapping[str, str]) -> str | None:
    speaker = segment.get("speaker")
    if not speaker:
        return None
    return names.get(speaker) or speaker


def _timestamp(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def to_text(segments: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    """Paragraphs per speaker turn: `Name: what they said`, consecutive segments of one speaker joined."""
    paragraphs: list[tuple[str | None, list[str]]] = []
    for segment in segments:
        text = _clean(segment["text"])
        if not text:
            continue
        label = _label(segment, names)
        if paragraphs and paragraphs[-1][0] == label:
            paragraphs[-1][1].append(text)
        else:
            paragraphs.append((label, [text]))
    lines = [f"{label}: {' '.join(parts)}" if label else " ".join(parts) for label, parts in paragraphs]
    return "\n\n".join(lines) + ("\n" if lines else "")


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(segments: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    """WebVTT with a `<v Speaker>` voice span per cue, so players can show who speaks."""
    cues = ["WEBVTT", ""]
    for segment in segments:
        text = _clean(segment["text"]).replace("-->", "->")
        if not text:
            continue
        label = _label(segment, names)
        body = _vtt_escape(text)
        if label:
            body = f"<v {_vtt_escape(_clean(label))}>{body}"
        start, end = float(segment["start"]), float(segment["end"])
        cues += [f"{_timestamp(start, '.')} --> {_timestamp(max(end, start), '.')}", body, ""]
    return "\n".join(cues) + "\n"


def to_srt(segments: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    """SubRip: numbered cues, `Speaker: text`."""
    cues: list[str] = []
    number = 0
    for segment in segments:
        text = _clean(segment["text"]).replace("-->", "->")
        if not text:
            continue
        number += 1
        label = _label(segment, names)
        start, end = float(segment["start"]), float(segment["end"])
        cues += [
            str(number),
            f"{_timestamp(start, ',')} --> {_timestamp(max(end, start), ',')}",
            f"{_clean(label)}: {text}" if label else text,
            "",
        ]
    return "\n".join(cues) + ("\n" if cues else "")


RENDERERS: dict[str, Callable[[Sequence[Mapping[str, Any]], Mapping[str, str]], str]] = {
    "txt": to_text,
    "vtt": to_vtt,
    "srt": to_srt,
}
assert set(RENDERERS) == set(FORMATS)


def render(format: str, segments: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    """The download body in `format` (txt, vtt or srt); ValueError for another format."""
    try:
        renderer = RENDERERS[format]
    except KeyError:
        raise ValueError(f"unknown transcript format {format!r}; choose one of {', '.join(FORMATS)}") from None
    return renderer(segments, names)

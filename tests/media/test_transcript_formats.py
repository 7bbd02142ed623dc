"""Transcript files: plain text by speaker turn, WebVTT with voice spans, SubRip."""

from __future__ import annotations

import pytest

from media.transcript_formats import render, to_srt, to_text, to_vtt

SEGMENTS = [
    {"start": 0.5, "end": 2.25, "text": " Hello Bob. ", "speaker": "u1"},
    {"start": 2.5, "end": 3.0, "text": "How are you?", "speaker": "u1"},
    {"start": 3.2, "end": 3661.0456, "text": "Fine <really> & you -->", "speaker": "u2"},
    {"start": 4.0, "end": 4.5, "text": "   ", "speaker": "u2"},
]
NAMES = {"u1": "Alice Smith"}  # u2 has no known name: its identity stands in


def test_text_groups_a_speakers_consecutive_segments() -> None:
    assert to_text(SEGMENTS, NAMES) == "Alice Smith: Hello Bob. How are you?\n\nu2: Fine <really> & you -->\n"


def test_text_without_speakers_is_just_the_words() -> None:
    plain = [{**s, "speaker": None} for s in SEGMENTS[:2]]
    assert to_text(plain, {}) == "Hello Bob. How are you?\n"


def test_webvtt_has_header_voice_spans_and_escaped_cues() -> None:
    vtt = to_vtt(SEGMENTS, NAMES)
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:00.500 --> 00:00:02.250\n<v Alice Smith>Hello Bob.\n" in vtt
    assert "00:00:03.200 --> 01:01:01.046\n<v u2>Fine &lt;really&gt; &amp; you -&gt;\n" in vtt
    assert vtt.count(" --> ") == 3  # the blank segment makes no cue


def test_srt_numbers_cues_with_comma_milliseconds() -> None:
    srt = to_srt(SEGMENTS, NAMES).split("\n\n")
    assert srt[-1] == "" and len(srt) == 4  # every cue ends with a blank line
    assert srt[0] == "1\n00:00:00,500 --> 00:00:02,250\nAlice Smith: Hello Bob."
    assert srt[2] == "3\n00:00:03,200 --> 01:01:01,046\nu2: Fine <really> & you ->"


def test_unknown_format_is_refused() -> None:
    assert render("vtt", SEGMENTS, NAMES) == to_vtt(SEGMENTS, NAMES)
    with pytest.raises(ValueError, match="unknown transcript format"):
        render("docx", SEGMENTS, NAMES)

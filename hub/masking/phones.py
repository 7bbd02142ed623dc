"""Phone numbers: plain ones through phonenumbers' matcher, disguised ones through digit runs.

A "digit run" is a stretch of digit groups and digit words ("nine", "oh", "double") joined by
separators (spaces, dots, dashes, brackets) or filler words ("dash", "then", "and"). Runs of
plain digits go to `PhoneNumberMatcher` under each region hint; runs that spell digits out, or
split them oddly, are read into digits and validated with `phonenumbers.parse`. The caller
blanks out amounts, dates and reference numbers first (see `protected`).

Work per message is bounded: at most `max_runs` runs are examined and the matcher gets
`max_tries` candidates per call. Past the budget the masker fails closed: remaining runs of ten
or more digits are masked without validation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumber, PhoneNumberMatcher

from hub.masking.result import PHONE
from hub.masking.spans import Detection

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "nil": "0",
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_MULTIPLIERS = {"double": 2, "triple": 3, "treble": 3}
_FILLERS = frozenset({"dash", "hyphen", "dot", "point", "space", "then", "and", "comma", "slash"})
_AMBIGUOUS_ZERO = frozenset({"o", "oh"})  # also plain words: only digits next to other digit words

_WORDS = sorted([*_DIGIT_WORDS, *_MULTIPLIERS, *_FILLERS], key=len, reverse=True)
_TOKEN = r"\d++|(?:" + "|".join(_WORDS) + r")(?![a-z])"
_SEPARATOR = r"[ \t.\-_/\\|,;:()\[\]*~•·'\"]{0,3}+"
_RUN_RE = re.compile(
    rf"(?<![\w+])(?:\+ ?)?(?:{_TOKEN})(?:{_SEPARATOR}(?:{_TOKEN}))*", re.IGNORECASE
)
_TOKEN_RE = re.compile(rf"\+|{_TOKEN}", re.IGNORECASE)
_PLAIN_SEPARATORS = frozenset(" .-()+\t")

MIN_RUN_DIGITS = 7  # shorter runs are never phone numbers in the hinted regions
MIN_UNVALIDATED_DIGITS = 10  # spelled-out or over-budget runs this long are masked unvalidated
MAX_PHONE_DIGITS = 17  # E.164 allows 15; a trunk prefix and IDD add a couple
MIN_SPELLED_WORDS = 3  # digit words that make a run an obvious spelling-out
assert MIN_RUN_DIGITS < MIN_UNVALIDATED_DIGITS < MAX_PHONE_DIGITS


def phone_mask(number: PhoneNumber) -> str:
    """The seed's style: country code and last four digits kept, e.g. "+91-XXXXXX1234"."""
    national = phonenumbers.national_significant_number(number)
    return f"+{number.country_code}-{digits_mask(national)}"


def digits_mask(digits: str) -> str:
    """All but the last four digits as X."""
    return "X" * max(len(digits) - 4, 0) + digits[-4:]


@dataclass(slots=True)
class _Token:
    start: int  # offset in the text
    end: int
    kind: str  # "digits", "word", "multiplier", "filler" or "plus"
    value: str  # the digits it stands for; the word itself for multipliers and fillers


@dataclass(slots=True)
class _Run:
    tokens: list[_Token]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def has_plus(self) -> bool:
        return self.tokens[0].kind == "plus"

    @property
    def spelled(self) -> bool:
        return any(t.kind in ("word", "multiplier", "filler") for t in self.tokens)

    def digits(self) -> str:
        out: list[str] = []
        repeat = 1
        for token in self.tokens:
            if token.kind == "multiplier":
                repeat = _MULTIPLIERS[token.value]
            elif token.kind in ("digits", "word"):
                out.append(token.value[0] * repeat + token.value[1:])
                repeat = 1
        return "".join(out)

    def word_count(self) -> int:
        return sum(t.kind == "word" for t in self.tokens)


def _tokenize(text: str, start: int, end: int) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text, start, end):
        raw = match.group().lower()
        if raw == "+":
            tokens.append(_Token(match.start(), match.end(), "plus", ""))
        elif raw[0].isdigit():
            tokens.append(_Token(match.start(), match.end(), "digits", raw))
        elif raw in _DIGIT_WORDS:
            tokens.append(_Token(match.start(), match.end(), "word", _DIGIT_WORDS[raw]))
        elif raw in _MULTIPLIERS:
            tokens.append(_Token(match.start(), match.end(), "multiplier", raw))
        else:
            tokens.append(_Token(match.start(), match.end(), "filler", raw))
    return tokens


def _trim(tokens: list[_Token], text: str) -> list[_Token]:
    """Drop fillers and multipliers at the edges, and "o"/"oh" that only touch plain digits."""

    def loose(i: int) -> bool:
        token = tokens[i]
        if token.kind in ("filler", "multiplier"):
            return not (token.kind == "multiplier" and i + 1 < len(tokens))
        if token.kind == "word" and text[token.start : token.end].lower() in _AMBIGUOUS_ZERO:
            neighbour = tokens[i + 1] if i == 0 and len(tokens) > 1 else tokens[i - 1] if i else None
            return neighbour is None or neighbour.kind != "word"
        return False

    while tokens and tokens[-1].kind != "plus" and loose(len(tokens) - 1):
        tokens = tokens[:-1]
    while tokens and tokens[0].kind != "plus" and loose(0):
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[0].kind == "plus" and loose(1):
        tokens = [tokens[0], *tokens[2:]]
    if tokens and tokens[-1].kind == "plus":
        tokens = tokens[:-1]
    return tokens


def _split_run(run: _Run, text: str) -> list[_Run]:
    """A run joined by "and", a comma or a slash may hold two numbers ("9175550123 / 9876543210")."""
    pieces: list[list[_Token]] = [[]]
    previous: _Token | None = None
    for token in run.tokens:
        gap = text[previous.end : token.start] if previous else ""
        if token.kind == "filler" and token.value == "and":
            pieces.append([])
        else:
            if any(c in ",;/" for c in gap) and pieces[-1]:
                pieces.append([])
            pieces[-1].append(token)
        previous = token
    return [_Run(p) for p in pieces if p]


class PhoneFinder:
    """Finds phone numbers, plain or disguised, under a list of region hints."""

    def __init__(self, regions: Sequence[str], max_runs: int = 24, max_tries: int = 16) -> None:
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if not regions or unknown:
            raise ValueError(f"regions must be ISO 3166 codes phonenumbers knows; bad: {unknown}")
        self.regions = tuple(regions)
        self.max_runs = max_runs
        self.max_tries = max_tries

    def find(self, text: str) -> list[Detection]:
        """Phone detections in `text` (already folded to ASCII, non-phone figures blanked)."""
        detections: list[Detection] = []
        examined = 0
        for match in _RUN_RE.finditer(text):
            tokens = _trim(_tokenize(text, match.start(), match.end()), text)
            if not tokens:
                continue
            run = _Run(tokens)
            digits = run.digits()
            if len(digits) < MIN_RUN_DIGITS:
                continue
            if examined >= self.max_runs:
                detections.extend(self._fail_closed(run))
                continue
            examined += 1
            if run.spelled:
                detections.extend(self._spelled(text, run))
            else:
                detections.extend(self._numeric(text, run))
        return detections

    def _numeric(self, text: str, run: _Run) -> list[Detection]:
        start, end = max(run.start - 1, 0), min(run.end + 1, len(text))
        window = text[start:end]
        found = self._match(window, run.has_plus)
        if found:
            return [
                Detection(start + s, start + e, PHONE, phone_mask(number))
                for s, e, number in found
            ]
        if self._looks_disguised(text, run):
            return self._validated_or_nothing(run)
        return []

    def _match(self, window: str, has_plus: bool) -> list[tuple[int, int, PhoneNumber]]:
        """Matches of `window` under the region hints (one if it starts with +).

        Several regions may accept the same digits ("07911 123456" is valid in GB and IN): the
        region whose national layout matches the written grouping wins, else the first hint.
        Stops early once one region reads every digit of the window in its own layout.
        """
        best: dict[tuple[int, int], tuple[PhoneNumber, bool]] = {}
        digit_count = sum(c.isdigit() for c in window)
        for region in self.regions[:1] if has_plus else self.regions:
            matcher = PhoneNumberMatcher(
                window, region, leniency=Leniency.VALID, max_tries=self.max_tries
            )
            covered, all_fit = 0, True
            for m in matcher:
                span = (m.start, m.end)
                fits = _layout_fits(m.raw_string, m.number)
                if span not in best or (fits and not best[span][1]):
                    best[span] = (m.number, fits)
                covered += sum(c.isdigit() for c in m.raw_string)
                all_fit = all_fit and fits
            if covered == digit_count and all_fit:
                break
        spans = sorted(best, key=lambda s: (s[0] - s[1], s[0]))
        kept: list[tuple[int, int, PhoneNumber]] = []
        for s, e in spans:
            if all(e <= ks or s >= ke for ks, ke, _ in kept):
                kept.append((s, e, best[(s, e)][0]))
        return kept

    @staticmethod
    def _looks_disguised(text: str, run: _Run) -> bool:
        """Digits split into many groups or by unusual separators, e.g. "98_765_432_10"."""
        groups = [t for t in run.tokens if t.kind == "digits"]
        if len(groups) >= 4:
            return True
        for left, right in zip(run.tokens, run.tokens[1:]):
            if any(c not in _PLAIN_SEPARATORS for c in text[left.end : right.start]):
                return True
        return False

    def _spelled(self, text: str, run: _Run) -> list[Detection]:
        detections = self._validated_or_nothing(run)
        if detections:
            return detections
        pieces = _split_run(run, text)
        if len(pieces) > 1:
            for piece in pieces:
                if piece.spelled:
                    detections.extend(self._validated_or_nothing(piece))
                elif len(piece.digits()) >= MIN_RUN_DIGITS:
                    detections.extend(self._numeric(text, piece))
            if detections:
                return detections
        digits = run.digits()
        if MIN_UNVALIDATED_DIGITS <= len(digits) and run.word_count() >= MIN_SPELLED_WORDS:
            return [Detection(run.start, run.end, PHONE, digits_mask(digits))]
        return []

    def _validated_or_nothing(self, run: _Run) -> list[Detection]:
        number = self._parse_valid(run.digits(), run.has_plus)
        if number is None:
            return []
        return [Detection(run.start, run.end, PHONE, phone_mask(number))]

    def _parse_valid(self, digits: str, has_plus: bool) -> PhoneNumber | None:
        if not MIN_RUN_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
            return None
        attempts = [("+" + digits, None)] if has_plus else []
        if not has_plus:
            attempts += [(digits, region) for region in self.regions]
            attempts.append(("+" + digits, None))  # a country code written without its plus
        for candidate, region in attempts:
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
        return None

    @staticmethod
    def _fail_closed(run: _Run) -> list[Detection]:
        digits = run.digits()
        if len(digits) < MIN_UNVALIDATED_DIGITS:
            return []
        return [Detection(run.start, run.end, PHONE, digits_mask(digits))]


def _layout_fits(raw: str, number: PhoneNumber) -> bool:
    """Whether the digit groups as written match the region's national layout ("07911 123456")."""
    if raw.lstrip("(").startswith("+"):
        return True  # the country code is written out: nothing to disambiguate
    written = re.findall(r"\d+", raw)
    national = re.findall(
        r"\d+", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    )
    if national and national[0].startswith("0") and not written[0].startswith("0"):
        national[0] = national[0][1:]  # the trunk 0 is often left out ("98765 43210")
    return [len(g) for g in written] == [len(g) for g in national if g]

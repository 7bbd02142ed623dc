"""Phone numbers: plain ones through phonenumbers' matcher, disguised ones through digit runs.

A "digit run" is a stretch of digit groups and digit words ("nine", "oh", "double") joined by
separators (spaces, dots, dashes, brackets) or filler words ("dash", "then", "and"). Runs of
plain digits go to `PhoneNumberMatcher` under each region hint; runs that spell digits out, or
split them oddly, are read into digits and validated with `phonenumbers.parse`. The caller
blanks out amounts, dates and reference numbers first (see `protected`).

Work per message is bounded: at most `max_runs` runs (or windows of one long run) are
examined, and each matcher call gets `max_tries` candidates in at most MAX_WINDOW_CHARS
characters. Past the budget the finder fails closed: remaining runs of ten or more digits are
masked without validation.
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
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
# Tens read in pairs ("ninety-eight seventy-six"): a following unit digit takes the 0's place.
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fifty": "5",
    "sixty": "6", "seventy": "7", "eighty": "8", "ninety": "9",
}  # fmt: skip
_MULTIPLIERS = {"double": 2, "triple": 3, "treble": 3}
_FILLERS = frozenset({"dash", "hyphen", "dot", "point", "space", "then", "and", "comma", "slash"})
_AMBIGUOUS_ZERO = frozenset({"o", "oh"})  # zeros, or an interjection ("Oh, 9175550123")

_WORDS = sorted([*_DIGIT_WORDS, *_TENS, *_MULTIPLIERS, *_FILLERS], key=len, reverse=True)
_KEYCAP = "\ufe0f\u20e3"  # "9\ufe0f\u20e3" is the keycap emoji 9
_TOKEN = r"\d++(?:\ufe0f?\u20e3)?|(?:" + "|".join(_WORDS) + r")(?![a-z])"
# Between digits: punctuation and line breaks ("917\n555\n0123").
_SEPARATOR = r"[ \t\r\n.\-_/\\|,;:()\[\]*~•·'\"]{0,3}+"
_RUN_RE = re.compile(
    rf"(?<![\w+])(?:\+ ?)?(?:{_TOKEN})(?:{_SEPARATOR}(?:{_TOKEN}))*", re.IGNORECASE
)
_TOKEN_RE = re.compile(rf"\+|{_TOKEN}", re.IGNORECASE)
_PLAIN_SEPARATORS = frozenset(" .-()+\t")
_COUNTED = (*"0123456789", *(w for w in (*_DIGIT_WORDS, *_TENS) if w != "o"))
_UNITS = frozenset("123456789")

MIN_RUN_DIGITS = 7  # shorter runs are never phone numbers in the hinted regions
MIN_UNVALIDATED_DIGITS = 10  # spelled-out or over-budget runs this long are masked unvalidated
MAX_PHONE_DIGITS = 17  # E.164 allows 15; a trunk prefix and IDD add a couple
MIN_SPELLED_WORDS = 3  # digit words that make a run an obvious spelling-out
MAX_WINDOW_CHARS = 64  # characters per matcher call; "0 . 2 . 0 . 7 . 2 ..." takes 41
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
    kind: str  # "digits", "word", "tens", "multiplier", "filler" or "plus"
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
        return any(t.kind != "digits" and t.kind != "plus" for t in self.tokens)

    def digits(self) -> str:
        out: list[str] = []
        repeat = 1
        tens_open = False  # the last digit written is a tens' 0 a unit word may replace
        for token in self.tokens:
            if token.kind == "multiplier":
                repeat = _MULTIPLIERS[token.value]
                tens_open = False
            elif token.kind == "tens":
                out.append(token.value + "0")
                tens_open = True
            elif token.kind in ("digits", "word"):
                if tens_open and token.kind == "word" and token.value in _UNITS:
                    out[-1] = out[-1][0] + token.value  # "seventy-seven" is 77
                else:
                    out.append(token.value[0] * repeat + token.value[1:])
                repeat = 1
                tens_open = False
        return "".join(out)

    def word_count(self) -> int:
        return sum(t.kind in ("word", "tens") for t in self.tokens)


def _tokenize(text: str, start: int, end: int) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(text, start, end):
        raw = match.group().lower()
        if raw == "+":
            tokens.append(_Token(match.start(), match.end(), "plus", ""))
        elif raw[0].isdigit():
            tokens.append(_Token(match.start(), match.end(), "digits", raw.rstrip(_KEYCAP)))
        elif raw in _DIGIT_WORDS:
            tokens.append(_Token(match.start(), match.end(), "word", _DIGIT_WORDS[raw]))
        elif raw in _TENS:
            tokens.append(_Token(match.start(), match.end(), "tens", _TENS[raw]))
        elif raw in _MULTIPLIERS:
            tokens.append(_Token(match.start(), match.end(), "multiplier", raw))
        else:
            tokens.append(_Token(match.start(), match.end(), "filler", raw))
    return tokens


def _trim(tokens: list[_Token], text: str) -> list[_Token]:
    """Drop fillers and multipliers at the edges, and an edge "o"/"oh" that is an interjection.

    "Oh, 9175550123" starts with a word, not a zero; "O917 555 0123" and "oh nine one" do not.
    """

    def loose(i: int) -> bool:
        token = tokens[i]
        if token.kind in ("filler", "multiplier"):
            return not (token.kind == "multiplier" and i + 1 < len(tokens))
        if token.kind == "word" and text[token.start : token.end].lower() in _AMBIGUOUS_ZERO:
            j = i + 1 if i == 0 else i - 1
            if not 0 <= j < len(tokens) or tokens[j].kind == "plus":
                return True
            neighbour = tokens[j]
            gap = text[min(token.end, neighbour.end) : max(token.start, neighbour.start)]
            return neighbour.kind == "digits" and gap != ""
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
    """A run joined by "and", a comma or a slash may hold two numbers ("917... / 987...")."""
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


@dataclass(slots=True)
class _Budget:
    """Phone-shaped runs (or windows of a long run) one message may still have examined."""

    left: int

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class PhoneFinder:
    """Finds phone numbers, plain or disguised, under a list of region hints."""

    def __init__(self, regions: Sequence[str], max_runs: int = 24, max_tries: int = 16) -> None:
        unknown = [r for r in regions if r not in phonenumbers.SUPPORTED_REGIONS]
        if not regions or unknown:
            raise ValueError(f"regions must be ISO 3166 codes phonenumbers knows; bad: {unknown}")
        self.regions = tuple(regions)
        self.max_runs = max_runs
        self.max_tries = max_tries

    @staticmethod
    def may_hold_phone(text: str) -> bool:
        """Cheap pre-check: whether any digit run in `text` is long enough to be a phone."""
        lowered = text.lower()
        # Substring counts over-count ("one" in "phone"), which only lets more texts through.
        if sum(lowered.count(c) for c in _COUNTED) < MIN_RUN_DIGITS:
            return False
        for match in _RUN_RE.finditer(text):
            if match.end() - match.start() >= MIN_RUN_DIGITS:
                tokens = _tokenize(text, match.start(), match.end())
                if tokens and len(_Run(tokens).digits()) >= MIN_RUN_DIGITS:
                    return True
        return False

    def find(self, text: str) -> list[Detection]:
        """Phone detections in `text` (already folded to ASCII, non-phone figures blanked)."""
        detections: list[Detection] = []
        budget = _Budget(self.max_runs)
        for match in _RUN_RE.finditer(text):
            tokens = _trim(_tokenize(text, match.start(), match.end()), text)
            if not tokens:
                continue
            run = _Run(tokens)
            if len(run.digits()) < MIN_RUN_DIGITS:
                continue
            if not budget.take():
                detections.extend(_fail_closed(run))
            elif run.spelled:
                detections.extend(self._spelled(text, run))
            elif run.end - run.start > MAX_WINDOW_CHARS or len(run.digits()) > MAX_PHONE_DIGITS:
                detections.extend(self._long_numeric(text, run, budget))
            else:
                detections.extend(self._numeric(text, run))
        return detections

    def _numeric(self, text: str, run: _Run) -> list[Detection]:
        start, end = max(run.start - 1, 0), min(run.end + 1, len(text))
        found = self._match(text[start:end])
        if found:
            return [
                Detection(start + s, start + e, PHONE, phone_mask(number)) for s, e, number in found
            ]
        if self._looks_disguised(text, run):
            return self._validated_or_nothing(run)
        return []

    def _long_numeric(self, text: str, run: _Run, budget: _Budget) -> list[Detection]:
        """A run too long for one matcher call ("9175550123 9175550123 ..."): slide a window."""
        detections: list[Detection] = []
        tokens = run.tokens
        i = 0
        while i < len(tokens):
            j, digits = i + 1, len(tokens[i].value)
            while (
                j < len(tokens)
                and tokens[j].end - tokens[i].start <= MAX_WINDOW_CHARS
                and digits + len(tokens[j].value) <= MAX_PHONE_DIGITS
            ):
                digits += len(tokens[j].value)
                j += 1
            found = self._numeric(text, _Run(tokens[i:j]))
            if found:
                detections.extend(found)
                last_end = max(d.end for d in found)
                while i < len(tokens) and tokens[i].start < last_end:
                    i += 1
            else:
                i += 1
            if i < len(tokens) and not budget.take():
                detections.extend(_fail_closed(_Run(tokens[i:])))
                break
        return detections

    def _match(self, window: str) -> list[tuple[int, int, PhoneNumber]]:
        """Matches of `window` under the region hints.

        Several regions may accept the same digits ("07911 123456" is valid in GB and IN): the
        region whose national layout matches the written grouping wins, else the first hint.
        Stops early once one region reads every digit of the window in its own layout.
        """
        best: dict[tuple[int, int], tuple[PhoneNumber, bool]] = {}
        digit_count = sum(c.isdigit() for c in window)
        for region in self.regions:
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


def _fail_closed(run: _Run) -> list[Detection]:
    """Out of budget: a run long enough to be a phone is masked without validation."""
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

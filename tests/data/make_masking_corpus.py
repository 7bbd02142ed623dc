"""Generate tests/data/masking_corpus.jsonl: labeled recruitment-chat messages for the PII masker.

    python tests/data/make_masking_corpus.py            # rewrite the corpus next to this file
    python tests/data/make_masking_corpus.py --check    # exit 1 if the committed file is stale

Deterministic (fixed seed): templates written as candidates and recruiters write, filled with
varied values. Half the messages carry contact details (most of them disguised the ways people
dodge filters), half carry none but are full of figures that look like them (salaries, dates,
times, ids, versions, order numbers, counts, zip codes).

Each line: {"text", "entities", "obfuscated", "secrets", "keep"}
- entities: sorted entity types present (empty list = clean).
- secrets: [{"type", "value"}], what must not be readable after masking. PHONE, IBAN and
  CREDIT_CARD values are digit strings (a phone's national digits except the last four, which
  the mask keeps); EMAIL, URL and MESSENGER values are the identifying word of the address,
  link or handle, which occurs nowhere else in the message.
- keep: hard-negative figures that must come through unchanged.

Phone numbers are drawn at random and kept only when `phonenumbers` says the numbering plan
allows them, so they are real-looking numbers of each country.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers

SEED = 20240501
OUT = Path(__file__).with_name("masking_corpus.jsonl")
CONTACT_MESSAGES = 320
CLEAN_MESSAGES = 320

FIRST = [
    "maria", "juan", "angelica", "paolo", "kristine", "rhea", "jericho", "carmela", "priya",
    "rahul", "ananya", "vikram", "sneha", "arjun", "deepika", "karthik", "emily", "james",
    "olivia", "liam", "sophie", "daniel", "grace", "thomas", "aisha", "mohammed", "chloe",
    "ethan", "hannah", "noah", "fatima", "rajesh", "lakshmi", "joshua", "bea", "migs",
]  # fmt: skip
LAST = [
    "santos", "reyes", "cruz", "bautista", "delacruz", "garcia", "mendoza", "villanueva",
    "sharma", "patel", "iyer", "reddy", "nair", "gupta", "krishnan", "menon", "smith",
    "johnson", "brown", "taylor", "wilson", "evans", "walker", "wright", "khan", "hughes",
    "fernandez", "aquino", "tan", "lim", "rao", "mehta", "clarke", "turner",
]  # fmt: skip
RECRUITERS = ["Ms. Dela Rosa", "Ritu", "Mark", "Ate Joy", "Sarah", "Mr. Iyer", "Claire", "Ben"]
COMPANIES = [
    "Acme Outsourcing",
    "BrightPath BPO",
    "Nimbus Tech",
    "Kalinga Solutions",
    "Northwind Labs",
    "Helix Analytics",
    "Bluefin Health",
    "Orbit Logistics",
]
ROLES = [
    "Senior Java Developer",
    "Customer Support Associate",
    "Data Analyst",
    "QA Engineer",
    "Virtual Assistant",
    "React Developer",
    "Staff Nurse",
    "DevOps Engineer",
    "Payroll Specialist",
    "Technical Recruiter",
    "UI/UX Designer",
    "Team Lead - Voice",
]
MAIL_DOMAINS = [
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "yahoo.co.in",
    "rediffmail.com",
    "icloud.com",
    "hotmail.co.uk",
    "protonmail.com",
    "yahoo.com.ph",
    "outlook.ph",
]
WORK_DOMAINS = [
    "nimbustech.io",
    "brightpath-bpo.com",
    "helixanalytics.co.uk",
    "orbitlogistics.in",
    "kalinga-solutions.ph",
    "northwindlabs.com",
]
DIGIT_SECRETS = {"PHONE", "IBAN", "CREDIT_CARD"}
DIGIT_NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@dataclass
class Contact:
    """One contact detail as written in a message, with what must be hidden."""

    surface: str
    entity_type: str
    secret: str
    obfuscated: bool


@dataclass
class Message:
    text: str
    contacts: list[Contact] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "entities": sorted({c.entity_type for c in self.contacts}),
            "obfuscated": any(c.obfuscated for c in self.contacts),
            "secrets": [{"type": c.entity_type, "value": c.secret} for c in self.contacts],
            "keep": self.keep,
        }


# ---------------------------------------------------------------- values


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def valid_number(rng: random.Random, region: str, pattern: str) -> phonenumbers.PhoneNumber:
    """A number for `region` from a digit pattern ("9#########"), valid in its numbering plan."""
    while True:
        national = "".join(rng.choice(string.digits) if c == "#" else c for c in pattern)
        number = phonenumbers.parse(national, region)
        if phonenumbers.is_valid_number(number):
            return number


PHONE_PLANS = {  # region: national digit patterns (mobiles and landlines people give out)
    "US": ["212#######", "415#######", "646#######", "917#######", "312#######", "617#######",
           "206#######", "512#######", "713#######", "404#######", "305#######", "818#######"],
    "PH": ["0917#######", "0918#######", "0927#######", "0939#######", "0945#######",
           "0955#######", "0966#######", "0977#######", "0995#######", "0998#######", "028#######"],
    "IN": ["98########", "97########", "99########", "88########", "70########",
           "63########", "93########", "8#########", "080########", "022########"],
    "GB": ["07911######", "07700######", "07### ######", "0207#######", "0161#######", "0113#######"],
}  # fmt: skip


@dataclass
class Phone:
    number: phonenumbers.PhoneNumber
    region: str

    @property
    def national(self) -> str:
        return phonenumbers.national_significant_number(self.number)

    @property
    def cc(self) -> str:
        return str(self.number.country_code)

    def formatted(self, style: str) -> str:
        fmt = phonenumbers.PhoneNumberFormat
        if style == "national":
            return phonenumbers.format_number(self.number, fmt.NATIONAL)
        if style == "international":
            return phonenumbers.format_number(self.number, fmt.INTERNATIONAL)
        if style == "e164":
            return phonenumbers.format_number(self.number, fmt.E164)
        raise ValueError(style)

    def trunk_digits(self) -> str:
        """The digits as people say them at home: with the trunk 0 in PH and GB, without in IN."""
        if self.region == "IN":
            return self.national
        return re.sub(r"\D", "", self.formatted("national"))


def phone_value(rng: random.Random) -> Phone:
    region = rng.choice(["US", "PH", "PH", "IN", "IN", "GB"])
    pattern = rng.choice(PHONE_PLANS[region]).replace(" ", "")
    return Phone(valid_number(rng, region, pattern), region)


def plain_phone(rng: random.Random, phone: Phone) -> str:
    digits = phone.trunk_digits()
    n = phone.national
    styles: list[Callable[[], str]] = [
        lambda: phone.formatted("national"),
        lambda: phone.formatted("international"),
        lambda: phone.formatted("e164"),
        lambda: digits,
        lambda: phone.formatted("international").replace(" ", "-"),
    ]
    if phone.region == "US":
        styles += [
            lambda: f"{n[:3]}-{n[3:6]}-{n[6:]}",
            lambda: f"{n[:3]}.{n[3:6]}.{n[6:]}",
            lambda: f"1-{n[:3]}-{n[3:6]}-{n[6:]}",
            lambda: f"+1 ({n[:3]}) {n[3:6]}-{n[6:]}",
        ]
    if phone.region == "IN" and len(n) == 10 and n[0] in "6789":
        styles += [
            lambda: f"{n[:5]} {n[5:]}",
            lambda: f"+91 {n[:5]} {n[5:]}",
            lambda: f"+91-{n}",
            lambda: f"0{n[:5]} {n[5:]}",
            lambda: f"(+91) {n}",
        ]
    if phone.region == "PH" and n.startswith("9"):
        styles += [
            lambda: f"0{n[:3]}-{n[3:6]}-{n[6:]}",
            lambda: f"+63 {n[:3]} {n[3:6]} {n[6:]}",
            lambda: f"0{n[:3]} {n[3:]}",
            lambda: f"(+63) {n[:3]}-{n[3:6]}-{n[6:]}",
        ]
    if phone.region == "GB":
        styles += [
            lambda: "+44 (0)" + phone.formatted("national")[1:],
            lambda: phone.formatted("national").replace(" ", ""),
        ]
    return rng.choice(styles)()


def spell(
    rng: random.Random,
    digits: str,
    mix: float = 0.0,
    zero_as_oh: bool = False,
    upper: bool = False,
    joiner: str = " ",
) -> str:
    words = []
    for d in digits:
        if rng.random() < mix:
            words.append(d)
        elif d == "0" and zero_as_oh:
            words.append("oh")
        else:
            words.append(DIGIT_NAMES[int(d)])
    text = joiner.join(words)
    return text.upper() if upper else text


def with_doubles(digits: str) -> str:
    """Spoken form with "double"/"triple" for repeats: "nine eight double seven ..."."""
    out, i = [], 0
    while i < len(digits):
        j = i
        while j < len(digits) and digits[j] == digits[i]:
            j += 1
        run = j - i
        name = DIGIT_NAMES[int(digits[i])]
        if run == 2:
            out.append(f"double {name}")
        elif run == 3:
            out.append(f"triple {name}")
        else:
            out.extend([name] * run)
        i = j
    return " ".join(out)


def split_groups(digits: str, sizes: list[int]) -> list[str]:
    groups, i = [], 0
    for size in sizes:
        groups.append(digits[i : i + size])
        i += size
    if i < len(digits):
        groups.append(digits[i:])
    return [g for g in groups if g]


def obfuscated_phone(rng: random.Random, phone: Phone) -> str:
    digits = phone.trunk_digits()
    intl = phone.cc + phone.national
    styles: list[Callable[[], str]] = [
        lambda: spell(rng, digits),
        lambda: spell(rng, digits, zero_as_oh=True),
        lambda: spell(rng, digits, mix=0.5),
        lambda: spell(rng, digits, mix=0.3, upper=rng.random() < 0.5),
        lambda: spell(rng, digits, joiner="-"),
        lambda: "plus " + spell(rng, intl),
        lambda: "+" + phone.cc + " " + spell(rng, phone.national, mix=0.2),
        lambda: " ".join(digits),
        lambda: ".".join(digits),
        lambda: "-".join(split_groups(digits, [2, 2, 2, 2, 2])),
        lambda: " then ".join(split_groups(digits, [len(digits) // 2])),
        lambda: " dash ".join(split_groups(digits, [3, 3])),
        lambda: " - ".join(split_groups(digits, [2, 3, 2, 3])),
        lambda: "_".join(split_groups(digits, [len(digits) - 5])),
        lambda: (
            " / ".join(split_groups(digits, [4, 3])) if len(digits) < 11 else " . ".join(digits)
        ),
        lambda: with_doubles(digits),
        lambda: ", ".join(spell(rng, g) for g in split_groups(digits, [4, 3])),
        lambda: " ".join(split_groups(digits, [1, 1, 1, 2, 2, 1, 1, 1])),
        lambda: spell(rng, digits[: len(digits) // 2]) + " " + digits[len(digits) // 2 :],
        lambda: digits[:5] + " and then " + spell(rng, digits[5:]),
        lambda: spoken_pairs(digits),
        lambda: digits.replace("0", "O") if "0" in digits else spell(rng, digits, mix=0.4),
        lambda: "\n".join(split_groups(digits, [4, 3])),
        lambda: "".join(d + "\ufe0f\u20e3" for d in digits),
        lambda: (
            " ".join(split_groups(digits, [3, 3]))
            + " ("
            + rng.choice(["globe", "smart", "jio", "airtel"])
            + ")"
        ),
    ]
    return rng.choice(styles)()


TENS = ["", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
TEENS = [
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]


def spoken_pairs(digits: str) -> str:
    """Digits read two at a time, as some people say them: "ninety-eight seventy-six oh five"."""
    words = []
    for i in range(0, len(digits) - 1, 2):
        a, b = int(digits[i]), int(digits[i + 1])
        if a == 0:
            words.append(f"oh {DIGIT_NAMES[b]}")
        elif a == 1:
            words.append(TEENS[b])
        else:
            words.append(TENS[a] + ("" if b == 0 else "-" + DIGIT_NAMES[b]))
    if len(digits) % 2:
        words.append(DIGIT_NAMES[int(digits[-1])])
    return " ".join(words)


def email_value(rng: random.Random) -> tuple[str, str, str]:
    """(local part, domain, the identifying word of the local part)."""
    first, last = person(rng)
    year = rng.choice(["88", "92", "95", "2001", "07", "13", "1990", "", "", "x"])
    local, ident = rng.choice(
        [
            (f"{first}.{last}{year}", f"{last}{year}"),
            (f"{first}_{last}", last),
            (f"{first[0]}{last}{year}", f"{first[0]}{last}{year}"),
            (f"{first}{last}{year}", f"{first}{last}{year}"),
            (f"{last}.{first}{year}", f"{last}"),
            (f"{first}.{last}.work", last),
            (f"the{first}{last}", f"the{first}{last}"),
        ]
    )
    domain = rng.choice(MAIL_DOMAINS if rng.random() < 0.85 else WORK_DOMAINS)
    return local.rstrip("."), domain, ident


def plain_email(rng: random.Random, local: str, domain: str) -> str:
    return rng.choice(
        [
            f"{local}@{domain}",
            f"{local}@{domain}",
            f"{local.capitalize()}@{domain}",
            f"<{local}@{domain}>",
            f"mailto:{local}@{domain}",
        ]
    )


def obfuscated_email(rng: random.Random, local: str, domain: str) -> str:
    d_parts = domain.split(".")
    at, dot = rng.choice(
        [
            (" at ", " dot "),
            ("(at)", "(dot)"),
            (" [at] ", " [dot] "),
            (" AT ", " DOT "),
            ("[at]", "[dot]"),
            (" {at} ", " {dot} "),
            (" (at) ", " (dot) "),
            (" @ ", " . "),
            (" at the rate ", " dot "),
            (" <at> ", " <dot> "),
            ("@", " dot "),
            (" at ", "."),
            (" [@] ", " [.] "),
            (" at ", " dot "),
        ]
    )
    local_written = local
    if rng.random() < 0.25 and "." in local:
        local_written = local.replace(".", " dot ")
    if rng.random() < 0.15 and "_" in local:
        local_written = local.replace("_", " underscore ")
    if rng.random() < 0.12 and d_parts[0] in {"gmail", "yahoo", "outlook", "hotmail"}:
        return local_written + rng.choice([" at ", " @ ", "@"]) + d_parts[0]  # "jdoe92 at gmail"
    return local_written + at + dot.join(d_parts)


def account_style_email(rng: random.Random, local: str, provider: str) -> str:
    return rng.choice(
        [
            f"my {provider} is {local}",
            f"{provider} id: {local}",
            f"{provider}: {local}",
            f"my {provider} id is {local}",
        ]
    )


def url_value(rng: random.Random) -> tuple[str, str, bool]:
    """(link as written, identifying word, obfuscated)."""
    first, last = person(rng)
    who = rng.choice(
        [f"{first}{last}", f"{first}-{last}", f"{first[0]}{last}", f"{last}{first[0]}"]
    )
    ident = max(re.split(r"[^a-z0-9]", who), key=len)
    slug = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(7))
    forms = [
        (f"https://{who}.dev", ident, False),
        (f"https://www.{who}.com/portfolio", ident, False),
        (f"www.{who}.com", ident, False),
        (f"{who}.github.io", ident, False),
        (f"github.com/{who}", ident, False),
        (f"https://github.com/{who}/resume", ident, False),
        (f"behance.net/{who}", ident, False),
        (f"dribbble.com/{who}", ident, False),
        (f"https://bit.ly/{slug}", slug, False),
        (f"calendly.com/{who}/30min", ident, False),
        (f"https://drive.google.com/file/d/1{slug}Qx/view?usp=sharing", slug, False),
        (f"https://{who}.netlify.app", ident, False),
        (f"notion.so/{who}-cv", ident, False),
        (f"{who}.me", ident, False),
        (f"http://{who}.in/cv.pdf", ident, False),
        (f"{who} dot dev", ident, True),
        (f"www dot {who} dot com", ident, True),
        (f"{who}[.]dev", ident, True),
        (f"https://{who} (dot) com", ident, True),
        (f"{who} . github . io", ident, True),
    ]
    return rng.choice(forms)


def messenger_value(rng: random.Random, phone: Phone) -> tuple[str, str, bool]:
    """(handle or profile link as written, identifying word, obfuscated)."""
    first, last = person(rng)
    handle = rng.choice(
        [
            f"{first}_{last}",
            f"{first}.{last}",
            f"{first}{rng.randint(7, 99)}",
            f"{first[0]}{last}_{rng.randint(1, 9)}",
            f"the{first}{last}",
            f"{last}.{first}{rng.randint(10, 99)}",
            f"{first}{last}",
        ]
    )
    ident = max(re.split(r"[^a-z0-9]", handle), key=len)
    phone_digits = phone.cc + phone.national
    forms = [
        (f"wa.me/{phone_digits}", phone.national[:-4], False),
        (f"https://wa.me/{phone_digits}", phone.national[:-4], False),
        (f"https://api.whatsapp.com/send?phone={phone_digits}", phone.national[:-4], False),
        (f"t.me/{handle.replace('.', '_')}", ident, False),
        (f"https://t.me/{handle.replace('.', '_')}", ident, False),
        (f"linkedin.com/in/{first}-{last}-{rng.randint(100, 999)}a", last, False),
        (f"https://www.linkedin.com/in/{first}{last}/", f"{first}{last}", False),
        (f"instagram.com/{handle}", ident, False),
        (f"https://www.instagram.com/{handle}/", ident, False),
        (f"facebook.com/{first}.{last}.{rng.randint(10, 99)}", last, False),
        (f"fb.com/{handle}", ident, False),
        (f"m.me/{handle}", ident, False),
        (f"twitter.com/{handle.replace('.', '_')}", ident, False),
        (f"@{handle.replace('.', '_')} on telegram", ident, True),
        (f"@{handle} on IG", ident, True),
        (f"telegram: @{handle.replace('.', '_')}", ident, True),
        (f"tg @{handle.replace('.', '_')}", ident, True),
        (f"my insta is {handle}", ident, True),
        (f"IG: @{handle}", ident, True),
        (f"skype: live:{handle.replace('.', '_')}", ident, True),
        (f"skype id: {handle}", ident, True),
        (f"Skype - live:.cid.{slug(rng)}", "", True),
        (f"find me on telegram as {handle.replace('.', '_')}", ident, True),
        (f"DM me @{handle} on insta", ident, True),
        (f"discord: {handle.replace('.', '_')}#{rng.randint(1000, 9999)}", ident, True),
        (f"snap: {handle}", ident, True),
        (f"wechat id: {handle}", ident, True),
        (
            f"add me on telegram {'@' if rng.random() < 0.5 else ''}{handle.replace('.', '_')}",
            ident,
            True,
        ),
        (f"my telegram username is {handle.replace('.', '_')}", ident, True),
        (f"hit me up on insta @{handle}", ident, True),
        (f"viber: {handle}", ident, True),
        (f"fb: {first.capitalize()} {last.capitalize()}", last, True),
        (
            f"FB name is {first.capitalize()} {last.capitalize()}, {rng.choice(['same pic', 'Manila', 'blue pic'])}",
            last,
            True,
        ),
        (f"my tele is @{handle.replace('.', '_')}", ident, True),
        (f"hmu on ig {handle}", ident, True),
    ]
    surface, secret, obfuscated = rng.choice(forms)
    if not secret:  # the skype cid form: the id itself is the secret
        secret = surface.rsplit(".", 1)[-1]
    return surface, secret, obfuscated


def slug(rng: random.Random, n: int = 10) -> str:
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(n))


IBAN_LAYOUTS = {  # country: (BBAN length, bank code letters, digits in the rest)
    "GB": ("AAAA", 14),
    "DE": ("", 18),
    "FR": ("", 23),
    "NL": ("AAAA", 10),
    "ES": ("", 20),
    "IE": ("AAAA", 14),
    "IT": ("A", 22),
    "AE": ("", 19),
}


def iban_value(rng: random.Random) -> tuple[str, str]:
    """(IBAN as written, digits that must not stay readable)."""
    country = rng.choice(list(IBAN_LAYOUTS))
    letters, n_digits = IBAN_LAYOUTS[country]
    bank = "".join(rng.choice(string.ascii_uppercase) for _ in letters)
    bban = bank + "".join(rng.choice(string.digits) for _ in range(n_digits))
    rearranged = bban + country + "00"
    numeric = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(numeric) % 97
    iban = f"{country}{check:02d}{bban}"
    written = rng.choice([iban, " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))])
    digits = re.sub(r"\D", "", bban)
    return written, digits[2:10]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            n -= 9 if n > 9 else 0
        total += n
    return body + str((10 - total % 10) % 10)


def card_value(rng: random.Random) -> tuple[str, str]:
    """(card number as written, digits that must not stay readable)."""
    kind = rng.choice(["visa", "visa", "mc", "amex", "discover"])
    if kind == "visa":
        number = luhn_complete("4", 16, rng)
    elif kind == "mc":
        number = luhn_complete(rng.choice(["51", "52", "53", "54", "55"]), 16, rng)
    elif kind == "amex":
        number = luhn_complete(rng.choice(["34", "37"]), 15, rng)
    else:
        number = luhn_complete("6011", 16, rng)
    if len(number) == 15:
        groups = [number[:4], number[4:10], number[10:]]
    else:
        groups = [number[i : i + 4] for i in range(0, 16, 4)]
    written = rng.choice([" ".join(groups), "-".join(groups), number])
    return written, number[6:12]


# ---------------------------------------------------------------- hard negatives


def hard_negative(rng: random.Random) -> tuple[str, list[str]]:
    """A recruitment-chat sentence full of numbers that are not contact details, and those numbers."""
    salary = rng.choice(
        [
            "$120,000",
            "$95k",
            "₱45,000/month",
            "PHP 45,000 per month",
            "12 LPA",
            "₹18,00,000 per annum",
            "£55,000",
            "€65.000",
            "80000-90000 per month",
            "Rs. 75000",
            "$45/hr",
            "₱28,500",
            "CTC 14.5 LPA",
            "$110,000 - $130,000",
            "₹12-15 LPA",
            "£42k",
            "₱35k-40k",
            "INR 9,50,000",
            "USD 4,500 a month",
        ]
    )
    date = rng.choice(
        [
            "2024-05-01",
            "05/01/2024",
            "1 May 2024",
            "01.05.2024",
            "15/06/2024",
            "2024-06-15",
            "June 3",
            "12/11/2024",
            "2025-01-06",
        ]
    )
    time_ = rng.choice(
        [
            "10:30 am",
            "14:00",
            "3pm",
            "9:00-9:45 AM",
            "4:30 PM IST",
            "11 am PHT",
            "10.30am",
            "17:30 BST",
            "8:00 AM EST",
        ]
    )
    yoe = rng.choice(
        ["5 years", "3-5 yrs", "7+ years", "18 months", "2 yrs", "10+ years", "6 months"]
    )
    job_id = rng.choice(
        [
            "JOB-2024-00123",
            "REQ 88123",
            "requisition #40921",
            "JR-118273",
            "job ID 20240501-17",
            "Req ID 4471-22",
            "ref JO-77812",
            "REQ-2024-0918",
        ]
    )
    version = rng.choice(
        [
            "Python 3.11.4",
            "v2.14.3",
            "Node 18.19.0",
            "Java 17",
            "Angular 16.2",
            "Kubernetes 1.29",
            "Spring Boot 3.2.5",
            "React 18.3.1",
            "PHP 8.2",
            ".NET 8",
        ]
    )
    order = rng.choice(
        [
            "order #4471 2290 11",
            "order #5520 1187 34",
            "invoice 2024 0501 7788",
            "PO 4500012345",
            "ticket #88123456",
            "booking ref 6E-2291-774",
        ]
    )
    count = rng.choice(
        [
            "12 openings",
            "a team of 45",
            "1,200 employees",
            "3 rounds",
            "250 seats",
            "40 hours a week",
            "2 weeks",
            "top 10 candidates",
            "6 panelists",
        ]
    )
    percent = rng.choice(["15% hike", "30-40%", "2.5%", "20 percent", "100% remote", "10% bonus"])
    address = rng.choice(
        [
            "Bangalore 560103",
            "Quezon City 1100",
            "London SW1A 1AA",
            "New York, NY 10001",
            "Makati City 1226",
            "Whitefield, Bengaluru 560066",
            "Austin, TX 78701-1234",
            "Pasig City 1605",
            "Manchester M1 1AE",
            "Hyderabad 500081",
            "Chicago, IL 60601",
            "5th floor, 6750 Ayala Ave, Makati 1226",
            "221B Baker Street, London NW1 6XE",
        ]
    )
    tech = rng.choice(
        [
            "ASP.NET",
            "Node.js",
            "B.Tech",
            "M.Sc",
            "socket.io",
            "main.py",
            "README.md",
            "Vue.js",
            "VB.NET",
            "B.Com",
            "Next.js",
            "M.Tech",
        ]
    )
    site = rng.choice(
        [
            "LinkedIn",
            "LinkedIn.com",
            "Indeed.com",
            "Naukri",
            "JobStreet",
            "WhatsApp",
            "Telegram",
            "Skype",
            "Zoom",
            "MS Teams",
            "naukri.com",
            "Glassdoor",
        ]
    )
    gov_id = rng.choice(
        [
            "SSS 34-5678901-2",
            "TIN 123-456-789-000",
            "PhilHealth 12-345678901-2",
            "Pag-IBIG 1234-5678-9012",
            "Aadhaar 4521 8874 2230",
            "PAN ABCPK1234F",
            "UAN 100987654321",
            "NI number QQ 12 34 56 C",
        ]
    )
    figure = rng.choice(
        [
            "CGPA 8.75/10",
            "16GB RAM",
            "1920x1080",
            "IELTS 7.5",
            "typing speed 45 wpm",
            "2015-2019",
            "₱25,000 - ₱30,000",
            "budget 2500000",
            "INC0012345",
            "deadline 20240501",
            "2024-05-01 10:30:00",
            "10pm-7am",
            "98.5%",
            "batch 2019-2023",
            "room 1204, floor 12",
            "4 x 2h sessions",
        ]
    )
    templates: list[tuple[str, list[str]]] = [
        (f"For onboarding we still need your {gov_id}, thanks.", [gov_id]),
        (f"Noted, {gov_id} is on the form. {figure} as well.", [gov_id, figure]),
        (f"Quick note: {figure}, and the {rng.choice(ROLES)} panel is on {date}.", [figure, date]),
        (f"Requirements: {figure}, {yoe} of {tech}.", [figure, yoe, tech]),
        (
            f"The role pays {salary} plus HMO. Final interview is on {date} at {time_}.",
            [salary, date, time_],
        ),
        (f"We need {yoe} of experience with {version}.", [yoe, version]),
        (f"Please quote {job_id} when you fill in the form.", [job_id]),
        (f"Your laptop is {order}, it ships before {date}.", [order, date]),
        (f"Our office is at {address}, near the MRT.", [address]),
        (
            f"My expected salary is {salary}, notice period is {rng.choice(['30', '60', '90'])} days.",
            [salary],
        ),
        (f"I have {yoe} in {tech} and {version}.", [yoe, tech, version]),
        (f"The annual increment is {percent} and we have {count}.", [percent, count]),
        (f"I saw this posting on {site} on {date}.", [site, date]),
        (f"Can we move the call to {time_} on {date}?", [time_, date]),
        (f"Shift is {time_} to 6:30 pm, {count}, {percent}.", [time_, count, percent]),
        (f"Current CTC {salary}, {yoe} at {rng.choice(COMPANIES)}.", [salary, yoe]),
        (f"The {rng.choice(ROLES)} opening ({job_id}) closes on {date}.", [job_id, date]),
        (f"Is {site} ok for the interview on {date}?", [site, date]),
        (f"Upgraded the service to {version}, {order} is the hardware.", [version, order]),
        (f"Relocation to {address} is covered up to {salary}.", [address, salary]),
    ]
    return rng.choice(templates)


CLEAN_CHAT = [
    "Thanks {r}! Looking forward to it.",
    "Hi {r}, is the role still open?",
    "Can we do the technical round next week instead?",
    "I'll send the signed offer letter tonight.",
    "Sorry for the late reply, I was in a meeting.",
    "Noted po, thank you!",
    "Got it. What should I prepare for the panel?",
    "Hi, I applied for the {role} position yesterday.",
    "The hiring manager liked your portfolio, we'd like to move forward.",
    "Do you offer a WFH setup or is it onsite?",
    "Please upload your updated CV through the portal.",
    "Thanks for your time today, {c}.",
    "Hello! Just checking on the status of my application.",
    "Is the night differential included in the package?",
    "Yes I can start immediately after my clearance.",
    "We'll share the assessment link here in the chat.",
    "Can you tell me more about the team at {co}?",
    "Congratulations, you passed the initial screening!",
    "Thanks @{R} for setting this up.",
    "Let's meet @ 10am then.",
    "My LinkedIn is up to date, you can check it there.",
    "I don't use Instagram much, this chat is fine.",
    "Telegram is fine but let's keep it here for now.",
    "I'm at the office until 6, will reply after.",
    "Worked at {co} on their ASP.NET platform.",
    "He studied at the University of Santo Tomas.",
    "Our recruiter will call you through the app.",
    "I'm not on WhatsApp, sorry.",
    "Skype is ok for the interview.",
    "my linkedin is private but my CV has everything",
    "Sent you the details over email already, please check.",
    "Please contact HR via the careers page.",
    "OK, see you at the interview!",
    "Can you share your email in the application form? Not here please.",
    "One more thing: bring two valid IDs.",
    "I have a B.Tech in Computer Science and an M.Sc in Data Science.",
    "It's a dot net role, mostly C# and SQL Server.",
    "Tried installing it with pip but main.py fails on import.",
]


def clean_message(rng: random.Random) -> Message:
    r = rng.choice(RECRUITERS)
    fill = {
        "r": r,
        "R": r.split()[-1],
        "role": rng.choice(ROLES),
        "co": rng.choice(COMPANIES),
        "c": rng.choice(FIRST).capitalize(),
    }
    roll = rng.random()
    if roll < 0.25:
        return Message(rng.choice(CLEAN_CHAT).format(**fill))
    sentence, keep = hard_negative(rng)
    if roll < 0.55:
        text = sentence
    elif roll < 0.8:
        text = rng.choice(CLEAN_CHAT).format(**fill) + " " + sentence
    else:
        second, keep2 = hard_negative(rng)
        text, keep = sentence + " " + second, keep + keep2
    return Message(text, keep=[k for k in keep if k])


# ---------------------------------------------------------------- contact messages

PHONE_TEMPLATES = [
    "Hi {r}, you can reach me at {v} anytime after 6pm.",
    "My number is {v}, please call before the interview.",
    "Sure! Here's my mobile: {v}",
    "Call me on {v} tomorrow morning?",
    "pls text me {v} so we can talk outside this app",
    "whatsapp me on {v}",
    "My contact no. is {v}. Thanks!",
    "ito po number ko {v}, salamat po",
    "can u call me? {v}",
    "{v} is my cell, I'm free till 5",
    "I changed my number, new one is {v}",
    "Kindly call the HR desk at {v} for the final round.",
    "cp ko {v} ma'am",
    "Reach me here -> {v}",
    "ok just msg me at {v} instead, faster",
    "My phone: {v} (Viber also)",
    "Hello sir, this is {c}. {v} is my number for the callback.",
    "You may call {v} to confirm your slot.",
]
EMAIL_TEMPLATES = [
    "You can send the offer to {v}",
    "my email is {v}",
    "Email me at {v} and I'll reply tonight.",
    "Please forward the JD to {v} po",
    "Send the contract to {v}, thanks!",
    "Mail: {v}",
    "CV sent from {v}, please check.",
    "pls reach out on {v} not here",
    "Hi {r}, kindly use {v} for all updates.",
    "my personal mail {v}",
    "Drop me a line at {v} if anything changes.",
    "For the NDA, write to {v}.",
]
ACCOUNT_EMAIL_TEMPLATES = [
    "{v}, you can send it there",
    "ok {v} po",
    "Sure, {v}. I check it daily.",
]
URL_TEMPLATES = [
    "Here's my portfolio: {v}",
    "You can see my work at {v}",
    "My resume is at {v}",
    "check {v} for my projects",
    "Book a slot here: {v}",
    "Link to my CV {v}",
    "I put everything on {v} - let me know what you think.",
    "more samples at {v} po",
]
MESSENGER_TEMPLATES = [
    "let's continue on telegram, {v}",
    "Easier to talk there: {v}",
    "{v}, message me there",
    "can we chat outside the app? {v}",
    "Here's my profile {v}",
    "ping me: {v}",
    "{v} - faster reply there",
    "ok po, {v}",
    "For quick updates, {v}",
    "I'm more active on {v}",
]
IBAN_TEMPLATES = [
    "For the relocation allowance please use my IBAN {v}",
    "Bank details: IBAN {v}, BIC DEUTDEFF",
    "My account for the sign-on bonus is {v}",
    "IBAN: {v} (name: {c} {l})",
]
CARD_TEMPLATES = [
    "For the background check fee, my card is {v} exp 08/27",
    "You can charge the assessment fee to {v}",
    "card number {v}, cvv I'll tell you on call",
    "pay using {v} po",
]
MULTI_TEMPLATES = [
    "Call {v} or email {w}",
    "My number is {v} and my email is {w}.",
    "{v} / {w}",
    "Contact me: {v}, {w}",
    "You can reach me at {v} or on {w}",
]


def fill(rng: random.Random, template: str, **values: str) -> str:
    first, last = person(rng)
    return template.format(
        r=rng.choice(RECRUITERS), c=first.capitalize(), l=last.capitalize(), **values
    )


def phone_contact(rng: random.Random, obfuscated: bool) -> Contact:
    phone = phone_value(rng)
    surface = obfuscated_phone(rng, phone) if obfuscated else plain_phone(rng, phone)
    return Contact(surface, "PHONE", phone.national[:-4], obfuscated)


def email_contact(rng: random.Random, obfuscated: bool) -> tuple[Contact, bool]:
    local, domain, ident = email_value(rng)
    provider = domain.split(".")[0]
    if obfuscated and provider in {"gmail", "yahoo"} and rng.random() < 0.15:
        return Contact(account_style_email(rng, local, provider), "EMAIL", ident, True), True
    surface = (
        obfuscated_email(rng, local, domain) if obfuscated else plain_email(rng, local, domain)
    )
    return Contact(surface, "EMAIL", ident, obfuscated), False


def url_contact(rng: random.Random) -> Contact:
    surface, ident, obfuscated = url_value(rng)
    return Contact(surface, "URL", ident, obfuscated)


def messenger_contact(rng: random.Random) -> Contact:
    surface, ident, obfuscated = messenger_value(rng, phone_value(rng))
    return Contact(surface, "MESSENGER", ident, obfuscated)


def contact_message(rng: random.Random, kind: str) -> Message:
    if kind == "PHONE":
        contact = phone_contact(rng, obfuscated=rng.random() < 0.7)
        text = fill(rng, rng.choice(PHONE_TEMPLATES), v=contact.surface)
        contacts = [contact]
    elif kind == "EMAIL":
        contact, account_form = email_contact(rng, obfuscated=rng.random() < 0.7)
        templates = ACCOUNT_EMAIL_TEMPLATES if account_form else EMAIL_TEMPLATES
        text = fill(rng, rng.choice(templates), v=contact.surface)
        contacts = [contact]
    elif kind == "URL":
        contact = url_contact(rng)
        text = fill(rng, rng.choice(URL_TEMPLATES), v=contact.surface)
        contacts = [contact]
    elif kind == "MESSENGER":
        contact = messenger_contact(rng)
        text = fill(rng, rng.choice(MESSENGER_TEMPLATES), v=contact.surface)
        contacts = [contact]
    elif kind == "IBAN":
        surface, secret = iban_value(rng)
        contacts = [Contact(surface, "IBAN", secret, False)]
        text = fill(rng, rng.choice(IBAN_TEMPLATES), v=surface)
    elif kind == "CREDIT_CARD":
        surface, secret = card_value(rng)
        contacts = [Contact(surface, "CREDIT_CARD", secret, False)]
        text = fill(rng, rng.choice(CARD_TEMPLATES), v=surface)
    else:  # MULTI: a phone and an e-mail or handle in one message
        first = phone_contact(rng, obfuscated=rng.random() < 0.5)
        if rng.random() < 0.7:
            second, _ = email_contact(rng, obfuscated=rng.random() < 0.5)
        else:
            second = messenger_contact(rng)
        text = fill(rng, rng.choice(MULTI_TEMPLATES), v=first.surface, w=second.surface)
        contacts = [first, second]
    keep: list[str] = []
    if rng.random() < 0.3:  # contact details next to figures that must survive
        sentence, keep = hard_negative(rng)
        text = f"{sentence} {text}" if rng.random() < 0.5 else f"{text} {sentence}"
    return Message(text, contacts, keep)


def secrets_unique(message: Message) -> bool:
    """Each text secret occurs only inside its own contact, so a visible one means a leak."""
    lowered = message.text.lower()
    for contact in message.contacts:
        if contact.entity_type in DIGIT_SECRETS:
            continue  # digit secrets are checked on the digits shown, spelled or not
        secret = contact.secret.lower()
        if len(secret) < 4:
            return False
        inside = contact.surface.lower().count(secret)
        if inside == 0 or lowered.count(secret) != inside * sum(
            c.surface == contact.surface for c in message.contacts
        ):
            return False
    return True


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    kinds = (
        ["PHONE"] * 110
        + ["EMAIL"] * 80
        + ["MESSENGER"] * 60
        + ["URL"] * 30
        + ["IBAN"] * 12
        + ["CREDIT_CARD"] * 12
        + ["MULTI"] * 16
    )
    assert len(kinds) == CONTACT_MESSAGES, len(kinds)
    rng.shuffle(kinds)
    messages: list[Message] = []
    for kind in kinds:
        while True:
            message = contact_message(rng, kind)
            if secrets_unique(message):
                break
        messages.append(message)
    messages += [clean_message(rng) for _ in range(CLEAN_MESSAGES)]
    rng.shuffle(messages)
    return [m.to_json() for m in messages]


def render(rows: list[dict[str, object]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the committed file differs")
    args = parser.parse_args()
    content = render(build())
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != content:
            print(f"{OUT.name} is stale: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(content, encoding="utf-8")
    rows = [json.loads(line) for line in content.splitlines()]
    contact = sum(bool(r["entities"]) for r in rows)
    obfuscated = sum(bool(r["obfuscated"]) for r in rows)
    print(
        f"wrote {len(rows)} messages: {contact} with contact details ({obfuscated} obfuscated), "
        f"{len(rows) - contact} clean"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

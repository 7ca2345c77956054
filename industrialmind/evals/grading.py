"""Grading an answer's text against what it must state: numbers, names, dates and instants.

- numbers: a number of the answer (not a part of a date, a clock time or an id such as P-101) equals the expected
  one within a relative 1e-3, or is the expected one rounded to the precision the answer writes (`146` or `146.3`
  for 146.251, `0.0064` for 0.0064028) with at least 2 significant digits; thousands separators (`4,249`) are read.
- names: case-, space- and punctuation-insensitive, on whole words (`Chiller 1` is not found in `Chiller 14`);
  a small spelling slip is forgiven (a similarity of 0.88 over the same number of words) but never in a digit.
  A list of names is a set of alternatives: any one counts.
- dates: a calendar date written as 2023-10-06, 6 Oct 2023, October 6, 2023, 10/06/2023 (US order) or 2023/10/06.
- times: a date followed by a clock time (`2020-06-10T17:15:00-04:00`, `2020-06-10 21:15 UTC`, `June 10, 2020 at
  5:15 PM EDT`). With a zone or offset it must be the same instant (within a minute); a naive one may be the plant's
  wall clock (the expected time's own offset) or UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from difflib import SequenceMatcher
from typing import Any

# a number not glued to a word before it ('WO169992' holds none); a minus only where no word or digit precedes it
_NUMBER = re.compile(r"(?<![\w.])[-\u2212]?(?:\d{1,3}(?:[,\u202f\u2009]\d{3})+(?!\d)|\d+)(?:\.\d+)?"
                     r"(?:[eE][-+]?\d+(?![a-zA-Z]))?(?!\d)")
RELATIVE_TOLERANCE = 1e-3
NAME_SIMILARITY = 0.88
TIME_TOLERANCE = timedelta(seconds=60)
_MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                            "nov", "dec"])}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?" \
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DATES = [
    (re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"), ("y", "m", "d")),
    (re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"), ("y", "m", "d")),
    (re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)"), ("m", "d", "y")),
    (re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r",?\s+(\d{4})(?!\d)", re.IGNORECASE),
     ("d", "mon", "y")),
    (re.compile(r"\b" + _MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)", re.IGNORECASE), ("mon", "d", "y")),
]
_CLOCK = re.compile(r"\s*(?:,|at|@|T)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([ap]\.?m\.?)?\s*"
                    r"(Z\b|UTC|GMT|[+-]\d{2}:?\d{2}|EDT|EST|local)?", re.IGNORECASE)
_CLOCK_ANYWHERE = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?")
_ID = re.compile(r"(?<=[A-Za-z])-\d+")  # the number of an id: P-101, CHILLER-6, C-004
_ZONES = {"z": 0, "utc": 0, "gmt": 0, "edt": -4 * 60, "est": -5 * 60}


# --- numbers -------------------------------------------------------------------------------------------------------
def numbers_in(text: str) -> list[tuple[float, str]]:
    """The numbers of a text with their spelling ('4,249' -> 4249.0), leaving out those inside dates, clock times
    and ids ('2023-10-06', '03:53', 'CHILLER-6' state no count)."""
    chars = list(text)
    spans = [(start, end) for _, start, end in dates_in(text)]
    spans += [m.span() for pattern in (_CLOCK_ANYWHERE, _ID) for m in pattern.finditer(text)]
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    found = []
    for m in _NUMBER.finditer("".join(chars)):
        raw = m.group(0).replace("\u2212", "-")
        try:
            found.append((float(re.sub(r"[,\u202f\u2009]", "", raw)), raw))
        except ValueError:
            continue
    return found


def _significant(raw: str) -> int:
    digits = re.sub(r"[^\d.]", "", raw.split("e")[0].split("E")[0])
    return len(digits.replace(".", "").lstrip("0")) or 1


def number_matches(expected: float, value: float, raw: str) -> bool:
    """Equal within the relative tolerance, or the expected value rounded to the precision raw shows."""
    if expected == value or abs(value - expected) <= RELATIVE_TOLERANCE * abs(expected):
        return True
    mantissa = raw.split("e")[0].split("E")[0]
    if "e" in raw.lower() or _significant(mantissa) < 2:
        return False
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    return abs(value - expected) <= 0.5 * 10 ** -decimals + 1e-12


def has_number(text: str, expected: float) -> bool:
    """Whether the text states the expected number."""
    return any(number_matches(float(expected), v, raw) for v, raw in numbers_in(text))


# --- names ---------------------------------------------------------------------------------------------------------
def words(text: str) -> list[str]:
    """Lower-case words, punctuation dropped, letters and digits split apart ('CH-6', 'CH6' -> ['ch', '6'])."""
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text.lower())
    return re.findall(r"[a-z]+|\d+", text)


def has_name(text: str, expected: str | list[str], answer_words: list[str] | None = None) -> bool:
    """Whether the text names the expected thing (or any of the alternatives of a list)."""
    tokens = answer_words if answer_words is not None else words(text)
    options = expected if isinstance(expected, list) else [expected]
    return any(_name_in(words(str(o)), tokens) for o in options)


def _name_in(want: list[str], tokens: list[str]) -> bool:
    n = len(want)
    if not n:
        return True
    for i in range(len(tokens) - n + 1):
        if tokens[i:i + n] == want:
            return True
    target = " ".join(want)
    if len(target) < 5:
        return False
    digits = [w for w in want if w.isdigit()]
    for size in {max(1, n - 1), n, n + 1}:
        for i in range(len(tokens) - size + 1):
            window = tokens[i:i + size]
            if [w for w in window if w.isdigit()] != digits:
                continue
            if SequenceMatcher(None, target, " ".join(window), autojunk=False).ratio() >= NAME_SIMILARITY:
                return True
    return False


# --- dates and times -----------------------------------------------------------------------------------------------
def dates_in(text: str) -> list[tuple[date, int, int]]:
    """Every calendar date the text writes, with where it starts and ends."""
    found = []
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups()))
            try:
                month = _MONTHS[parts["mon"][:3].lower()] if "mon" in parts else int(parts["m"])
                found.append((date(int(parts["y"]), month, int(parts["d"])), m.start(), m.end()))
            except (ValueError, KeyError):
                continue
    return found


def has_date(text: str, expected: str | list[str]) -> bool:
    """Whether the text writes the expected date (or any of a list of alternatives)."""
    options = expected if isinstance(expected, list) else [expected]
    wanted = {date.fromisoformat(str(o)[:10]) for o in options}
    return any(d in wanted for d, _, _ in dates_in(text))


def times_in(text: str) -> list[tuple[datetime, bool]]:
    """Every date followed by a clock time: (datetime, aware) - aware when a zone or offset was written."""
    found = []
    for day, _, end in dates_in(text):
        m = _CLOCK.match(text, end)
        if not m or not m.group(0).strip():
            continue
        hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        ampm = (m.group(4) or "").lower().replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        try:
            at = datetime(day.year, day.month, day.day, hour, minute, second)
        except ValueError:
            continue
        zone = (m.group(5) or "").lower()
        if zone in _ZONES:
            found.append((at.replace(tzinfo=timezone(timedelta(minutes=_ZONES[zone]))), True))
        elif zone and zone[0] in "+-":
            sign = 1 if zone[0] == "+" else -1
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            found.append((at.replace(tzinfo=timezone(sign * offset)), True))
        else:
            found.append((at, False))
    return found


def has_time(text: str, expected: str) -> bool:
    """Whether the text writes the expected instant (naive: the expected offset's wall clock, or UTC)."""
    want = datetime.fromisoformat(str(expected).replace("Z", "+00:00"))
    if want.tzinfo is None:
        want = want.replace(tzinfo=UTC)
    walls = (want.replace(tzinfo=None), want.astimezone(UTC).replace(tzinfo=None))
    for at, aware in times_in(text):
        if aware and abs(at - want) <= TIME_TOLERANCE:
            return True
        if not aware and any(abs(at - w) <= TIME_TOLERANCE for w in walls):
            return True
    return False


# --- one answer ----------------------------------------------------------------------------------------------------
def grade(answer: str, expected: dict[str, Any]) -> dict[str, Any]:
    """{'ok': every expected item is in the answer, 'missing': the items that are not (as written in the suite)}."""
    tokens = words(answer)
    missing: list[str] = []
    missing += [f"number {n}" for n in expected.get("numbers") or [] if not has_number(answer, float(n))]
    missing += [f"name {n}" for n in expected.get("names") or [] if not has_name(answer, n, tokens)]
    missing += [f"date {d}" for d in expected.get("dates") or [] if not has_date(answer, d)]
    missing += [f"time {t}" for t in expected.get("times") or [] if not has_time(answer, t)]
    return {"ok": not missing, "missing": missing}

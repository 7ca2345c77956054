"""Time expressions an engineer types ("since midnight", "last 2 days", "between 3 and 5pm yesterday") -> UTC ranges.

Our own rules cover ranges, which dateparser does not; dateparser (with a fixed RELATIVE_BASE, so tests and evals
are reproducible) parses the single points inside them ("Nov 20", "2026-11-20 14:00", "last monday").
Every datetime returned is timezone-aware UTC. The words (counts, weekdays, months) are in lexicon/time.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from industrialmind.agent._planner.lexicon import table
from industrialmind.timeutil import UNIT_SECONDS

# the units of timeutil (the one table of spellings) plus the month (30 days) and the year (365 days), which an
# engineer may say ("the last 2 months", "the past 3 years") but a CLI duration never means ('m' there is minutes)
_MONTH_S = 30 * UNIT_SECONDS["day"]
_YEAR_S = 365 * UNIT_SECONDS["day"]
_UNITS = {**UNIT_SECONDS, "month": _MONTH_S, "months": _MONTH_S, "year": _YEAR_S, "years": _YEAR_S}
_WORDS = table("time")  # lexicon/time.yaml
_NUMBER_WORDS: dict[str, int] = dict(_WORDS["numbers"])
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(re.escape(w) for w in _NUMBER_WORDS) + ")"
_UNIT = "(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"  # longest first: 'mins' before 'm'
_CLOCK = r"(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?"
_DAY = r"(today|yesterday|tonight|this morning|this afternoon|last night|on \w+day|\w+day)"
_WEEKDAYS: list[str] = list(_WORDS["weekdays"])
_MONTHS = r"(?:" + "|".join(_WORDS["months"]) + r")[a-z]*"
_BARE_UNITS = "|".join(_WORDS["bare_units"])  # '2h', '3 days': a time only after 'last', 'over', 'for'...


@dataclass
class TimeRange:
    """A parsed time expression: start/end in UTC (end None means 'until now'), and the text it came from."""

    start: datetime
    end: datetime | None
    text: str

    def as_args(self, now: datetime) -> dict[str, str]:
        """The range as tool arguments: ISO 8601 strings, end defaulting to now."""
        return {"start": self.start.isoformat(), "end": (self.end or now).isoformat()}


def _count(word: str) -> float:
    word = word.strip().lower()
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
    return float(word)


def _delta(n: float, unit: str) -> timedelta:
    return timedelta(seconds=n * _UNITS[unit.lower()])


def _midnight(day: datetime) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=timezone.utc)


def _day_anchor(word: str | None, now: datetime) -> datetime:
    """Midnight of the day a word names (today, yesterday, a weekday in the past)."""
    word = (word or "today").lower().removeprefix("on ").strip()
    if word in ("today", "tonight", "this morning", "this afternoon"):
        return _midnight(now)
    if word in ("yesterday", "last night"):
        return _midnight(now - timedelta(days=1))
    if word in _WEEKDAYS:
        back = (now.weekday() - _WEEKDAYS.index(word)) % 7 or 7
        return _midnight(now - timedelta(days=back))
    return _midnight(now)


def _clock(hour: str, minute: str | None, meridian: str | None, default_meridian: str | None = None) -> time | None:
    h, m = int(hour), int(minute or 0)
    mer = (meridian or default_meridian or "").replace(".", "")
    if mer == "pm" and h < 12:
        h += 12
    elif mer == "am" and h == 12:
        h = 0
    if not (0 <= h < 24 and 0 <= m < 60):
        return None
    return time(h, m)


def _point(text: str, now: datetime) -> datetime | None:
    """One point in time via dateparser, relative to now, preferring the past."""
    import dateparser

    parsed = dateparser.parse(
        text,
        languages=["en"],
        settings={"RELATIVE_BASE": now.astimezone(timezone.utc).replace(tzinfo=None), "TIMEZONE": "UTC",
                  "TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DATES_FROM": "past"},
    )
    return parsed.astimezone(timezone.utc) if parsed else None


def parse_time_range(text: str, now: datetime) -> TimeRange | None:
    """Find the first time expression in text and return it as a UTC range relative to now, or None."""
    now = now.astimezone(timezone.utc)
    t = text.lower()
    for rule in _RULES:
        found = rule(t, now)
        if found is not None:
            return found
    return None


def _between_clock(t: str, now: datetime) -> TimeRange | None:
    # "between 3 and 5pm yesterday", "from 14:00 to 16:30 today", "3-5pm yesterday"
    m = re.search(rf"(?:between|from)\s+{_CLOCK}\s*(?:and|to|until|till|-)\s*{_CLOCK}(?:\s+{_DAY})?", t)
    if not m:
        m = re.search(rf"\b{_CLOCK}\s*-\s*{_CLOCK}\s+{_DAY}", t)
        if not m or not (m.group(3) or m.group(6)):
            return None
    h1, m1, mer1, h2, m2, mer2, day = m.groups()
    if not (mer1 or mer2 or m1 or m2 or day):
        return None  # "between 3 and 5" alone is a count, not a time
    end_t = _clock(h2, m2, mer2)
    start_t = _clock(h1, m1, mer1, default_meridian=mer2 if mer2 and int(h1) <= int(h2) else None)
    if start_t is None or end_t is None:
        return None
    anchor = _day_anchor(day, now)
    start = anchor.replace(hour=start_t.hour, minute=start_t.minute)
    end = anchor.replace(hour=end_t.hour, minute=end_t.minute)
    if end <= start:
        end += timedelta(days=1)
    if day is None and start > now:  # "between 3 and 5pm" said at 10:00 means yesterday afternoon
        start, end = start - timedelta(days=1), end - timedelta(days=1)
    return TimeRange(start, end, m.group(0))


def _between_dates(t: str, now: datetime) -> TimeRange | None:
    m = re.search(r"(?:between|from)\s+(.+?)\s+(?:and|to|until|till)\s+(.+?)(?:[?.!,]|$)", t)
    if not m:
        return None
    a, b = _point(m.group(1), now), _point(m.group(2), now)
    if a is None or b is None:
        return None
    if b <= a:
        a, b = b, a
    if b == _midnight(b) and m.group(2).strip() not in ("midnight", "today"):
        b = b + timedelta(days=1)  # "to Nov 22" includes Nov 22
    return TimeRange(a, b, m.group(0))


def _last_n(t: str, now: datetime) -> TimeRange | None:
    m = re.search(rf"\b(?:(?:over|in|for|within|during) the (?:last|past)|last|past|previous|prev)\s+{_NUM}\s*{_UNIT}\b", t)
    if not m:
        m = re.search(rf"\b{_NUM}\s*{_UNIT}\s+(?:ago|back)\b", t)
        if m:
            return TimeRange(now - _delta(_count(m.group(1)), m.group(2)), None, m.group(0))
        m = re.search(rf"\b(\d+)\s*({_BARE_UNITS})\b", t)
        if not m or not re.search(r"\b(last|past|over|for|in)\b", t[: m.start()][-20:]):
            return None
    return TimeRange(now - _delta(_count(m.group(1)), m.group(2)), None, m.group(0))


def _last_unit(t: str, now: datetime) -> TimeRange | None:
    m = re.search(r"\b(?:last|past|previous|over the last|in the last|over the past|in the past|within the last)\s+"
                  r"(hour|day|24 ?h(?:ours|rs)?|week|month|year|shift|fortnight)\b", t)
    if not m:
        return None
    unit = m.group(1)
    span = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7),
            "month": timedelta(days=30), "year": timedelta(days=365), "shift": timedelta(hours=8),
            "fortnight": timedelta(days=14)}.get(unit, timedelta(hours=24))
    calendar = not re.search(r"(past|over the last|in the last|within the last) (week|month|year)", t)
    if unit == "week" and re.search(r"\blast week\b", t) and calendar:
        # "last week" is the previous calendar week (Monday to Monday), "the past week" the last 7 days
        this_monday = _midnight(now - timedelta(days=now.weekday()))
        return TimeRange(this_monday - timedelta(days=7), this_monday, m.group(0))
    if unit == "month" and re.search(r"\blast month\b", t) and calendar:
        first = _midnight(now).replace(day=1)
        return TimeRange((first - timedelta(days=1)).replace(day=1), first, m.group(0))
    if unit == "year" and re.search(r"\blast year\b", t) and calendar:
        # "last year" is the previous calendar year, "the past year" the last 365 days
        first = _midnight(now).replace(month=1, day=1)
        return TimeRange(first.replace(year=first.year - 1), first, m.group(0))
    return TimeRange(now - span, None, m.group(0))


def _since(t: str, now: datetime) -> TimeRange | None:
    m = re.search(r"\b(?:since|from|after)\s+(midnight|this morning|yesterday|last night|the start of (?:the )?(?:shift|day|week)|"
                  r"\d{1,2}(?::\d{2})?\s*(?:am|pm)?|[a-z0-9 :\-/]+?)(?:[?.!,]|$| and | on | for | with )", t)
    if not m:
        return None
    what = m.group(1).strip()
    if what in ("midnight", "this morning", "the start of the day", "the start of day"):
        start = _midnight(now)
        if what == "this morning":
            start = start.replace(hour=6)
    elif what in ("yesterday",):
        start = _midnight(now - timedelta(days=1))
    elif what == "last night":
        start = _midnight(now - timedelta(days=1)).replace(hour=18)
    elif "week" in what:
        start = _midnight(now - timedelta(days=now.weekday()))
    elif "shift" in what:
        start = now - timedelta(hours=8)
    else:
        clock = re.fullmatch(_CLOCK, what)
        if clock and (clock.group(2) or clock.group(3)):
            tt = _clock(*clock.groups())
            if tt is None:
                return None
            start = _midnight(now).replace(hour=tt.hour, minute=tt.minute)
            if start > now:
                start -= timedelta(days=1)
        elif re.fullmatch(r"\d{1,2}", what) and int(what) <= 23:
            start = _latest_hour(int(what), now)  # 'since 6' said at 10:00 is since 06:00, at 20:00 since 18:00
        elif re.fullmatch(r"\d+", what):
            return None
        else:
            start = _point(what, now)
            if start is None or start > now:
                return None
    return TimeRange(start, None, m.group(0))


def _latest_hour(hour: int, now: datetime) -> datetime:
    """The latest past time the clock showed this hour, reading 1-11 as am or pm, whichever came last."""
    found = []
    for h in ([hour, hour + 12] if hour < 12 else [hour % 24]):
        at = _midnight(now).replace(hour=h)
        found.append(at - timedelta(days=1) if at > now else at)
    return max(found)


def _at_clock(t: str, now: datetime) -> TimeRange | None:
    # "at 4pm", "around 16:30 yesterday": the hour around that time (a bare 'at 4' may be a count: not a time)
    m = re.search(rf"\b(?:at|around|about|near|approx(?:imately)?)\s+{_CLOCK}(?:\s+{_DAY})?", t)
    if not m or not (m.group(2) or m.group(3)):
        return None
    at_t = _clock(m.group(1), m.group(2), m.group(3))
    if at_t is None:
        return None
    at = _day_anchor(m.group(4), now).replace(hour=at_t.hour, minute=at_t.minute)
    if m.group(4) is None and at > now:  # 'at 4pm' said in the morning is yesterday afternoon
        at -= timedelta(days=1)
    return TimeRange(at - timedelta(minutes=30), at + timedelta(minutes=30), m.group(0))


def _named_period(t: str, now: datetime) -> TimeRange | None:
    today = _midnight(now)
    patterns = [
        (r"\bthis week\b", lambda: (today - timedelta(days=now.weekday()), None)),
        (r"\bthis month\b", lambda: (today.replace(day=1), None)),
        (r"\bthis year\b", lambda: (today.replace(month=1, day=1), None)),
        (r"\blast month\b", lambda: ((today.replace(day=1) - timedelta(days=1)).replace(day=1), today.replace(day=1))),
        (r"\b(?:overnight|last night)\b", lambda: (today - timedelta(hours=6), today.replace(hour=6))),
        (r"\bthis morning\b", lambda: (today.replace(hour=6), None if now.hour < 12 else today.replace(hour=12))),
        (r"\bthis afternoon\b", lambda: (today.replace(hour=12), None if now.hour < 18 else today.replace(hour=18))),
        (r"\b(?:yesterday|yday|ystdy)\b", lambda: (today - timedelta(days=1), today)),
        (r"\btoday\b|\bso far today\b", lambda: (today, None)),
    ]
    for pattern, make in patterns:
        m = re.search(pattern, t)
        if m:
            start, end = make()
            return TimeRange(start, end, m.group(0))
    m = re.search(r"\b(?:on|for|last)\s+(" + "|".join(_WEEKDAYS) + r")\b", t)
    if m:
        start = _day_anchor(m.group(1), now)
        return TimeRange(start, start + timedelta(days=1), m.group(0))
    return None


def _date(t: str, now: datetime) -> TimeRange | None:
    # an absolute date: "on 2026-11-20", "on Nov 20", "20 november": that whole day
    m = re.search(rf"\b(\d{{4}}-\d{{2}}-\d{{2}}|{_MONTHS}\.? \d{{1,2}}(?:st|nd|rd|th)?(?:,? \d{{4}})?|"
                  rf"\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTHS}(?: \d{{4}})?)\b", t)
    if not m:
        return None
    day = _point(m.group(1), now)
    if day is None:
        return None
    start = _midnight(day)
    return TimeRange(start, start + timedelta(days=1), m.group(0))


# order matters: the most specific rule first
_RULES = [_between_clock, _last_n, _last_unit, _since, _at_clock, _between_dates, _named_period, _date]

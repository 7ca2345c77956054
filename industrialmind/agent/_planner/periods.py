"""Calendar periods said in a question: a day ('2 June 2020', '2020-06-08'), 'the first week of' a month, a month
('June 2020') or a bare year ('in 2017'), as the query layer's `period` (read in the site's time zone)."""

from __future__ import annotations

import re

from industrialmind.agent._planner.lexicon import table

_MONTHS = [m for m in table("time")["months"] if m != "sept"]
_MONTH_RE = r"(" + "|".join(table("time")["months"]) + r")[a-z]*\.?"
_ORDINALS: dict[str, int] = dict(table("requests")["ordinals"])  # 0-based; last is -1 (lexicon/requests.yaml)


def find_period(t: str) -> tuple[dict[str, str], tuple[int, int]] | None:
    """A calendar period said in the question: a day, 'the first week of' a month, a month, or a year."""
    mon = r"(?P<mon>" + _MONTH_RE + r")"
    day = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
    year = r"(?P<year>(?:19|20)\d\d)"
    patterns = [
        (r"\b(?P<iso>(?:19|20)\d\d-\d\d-\d\d)\b", "day"),
        (rf"\b{mon}\s+{day},?\s+{year}\b", "day"),
        (rf"\b{day}\s+(?:of\s+)?{mon},?\s+{year}\b", "day"),
        (rf"\b(?:the\s+)?(?P<ord>first|second|third|fourth|last)\s+week\s+of\s+{mon},?\s+{year}\b", "week"),
        (rf"\b{mon}\s+(?:of\s+)?{year}\b", "month"),
        (r"\b(?P<ym>(?:19|20)\d\d-\d\d)\b", "month"),
        (rf"(?<![\w-]){year}(?![\w-])", "year"),
    ]
    for pattern, kind in patterns:
        m = re.search(pattern, t)
        if not m:
            continue
        g = m.groupdict()
        if kind == "day":
            if g.get("iso"):
                return {"period": g["iso"]}, m.span()
            return {"period": f"{g['year']}-{_month(g['mon']):02d}-{int(g['day']):02d}"}, m.span()
        if kind == "week":
            import calendar

            y, mo = int(g["year"]), _month(g["mon"])
            last = calendar.monthrange(y, mo)[1]
            n = _ORDINALS[g["ord"]]
            first_day = 1 + 7 * n if n >= 0 else last - 6
            end_day = first_day + 7
            end = f"{y}-{mo:02d}-{end_day:02d}" if end_day <= last else (
                f"{y + (mo == 12)}-{mo % 12 + 1:02d}-01")
            return {"start": f"{y}-{mo:02d}-{first_day:02d}", "end": end}, m.span()
        if kind == "month":
            if g.get("ym"):
                return {"period": g["ym"]}, m.span()
            return {"period": f"{g['year']}-{_month(g['mon']):02d}"}, m.span()
        return {"period": g["year"]}, m.span()
    return None

def _month(word: str) -> int:
    w = word.lower()[:3]
    return [m[:3] for m in _MONTHS].index(w) + 1

"""When a sentence says something happened, as precisely as it says it.

"On the morning of December 7, 2014" -> ("2014-12-07", "day"); "in March 2015" -> ("2015-03", "month");
"in late 2014" -> ("2014", "year"). Relative dates ("last month") are left alone: resolving them
needs the document's own date, which is the reporting time, not the event's.
"""

from __future__ import annotations

import datetime as dt
import re

MONTHS = {
    m: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for m in names
}
MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
YEAR = r"(?P<year>(?:19|20)\d{2})"
PATTERNS = [
    re.compile(rf"\b{MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+{YEAR}\b", re.IGNORECASE),  # December 7, 2014
    # 7 December 2014
    re.compile(rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH},?\s+{YEAR}\b", re.IGNORECASE),
    re.compile(r"\b(?P<year>(?:19|20)\d{2})-(?P<nmonth>\d{2})-(?P<day>\d{2})\b"),  # 2014-12-07
    re.compile(rf"\b{MONTH},?\s+{YEAR}\b", re.IGNORECASE),  # March 2015
    re.compile(rf"\b(?:in|during|since|by|of|early|mid|late|end of|summer|spring|autumn|fall|winter)[\s\-]+{YEAR}\b",
               re.IGNORECASE),  # in late 2014
]


def find_date(sentence: str) -> tuple[str, str] | tuple[None, None]:
    """The first, most precise date the sentence gives, as (ISO prefix, precision)."""
    best: tuple[int, int, str, str] | None = None  # (precision rank, -position, iso, precision)
    for pattern in PATTERNS:
        for m in pattern.finditer(sentence):
            groups = m.groupdict()
            month = MONTHS.get((groups.get("month") or "").lower().rstrip(".")) or (
                int(groups["nmonth"]) if groups.get("nmonth") else None
            )
            day = int(groups["day"]) if groups.get("day") else None
            year = groups["year"]
            try:
                dt.date(int(year), month or 1, day or 1)
            except ValueError:  # "February 30": not a date
                continue
            if day and month:
                found = (3, f"{year}-{month:02d}-{day:02d}", "day")
            elif month:
                found = (2, f"{year}-{month:02d}", "month")
            else:
                found = (1, year, "year")
            candidate = (found[0], -m.start(), found[1], found[2])
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    return (best[2], best[3]) if best else (None, None)

"""Page boilerplate and reader comments: spans of a text that are never evidence and never mentions.

A curated sidecar names them exactly (`noise:` rules); every text also gets the common web-page
markers below, so an unannotated copy of an article does not turn its comment thread into facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schema.model import InvalidData

# Where a comment thread or a related-links block starts, everything after it is page furniture.
TRAILING = re.compile(
    r"^[ \t]*(?:\d+ Comments?|Comments are closed\.?|Related Posts|Leave a (?:Reply|Comment)"
    r"|What['’]s your reaction\?)[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)
# Single lines that are furniture wherever they stand.
LINES = re.compile(
    r"^[ \t]*(?:Source: [^\n]{1,60}|Go here to see the original\.?|Share this:?|Advertisement)[ \t]*$",
    re.MULTILINE,
)


@dataclass(frozen=True)
class NoiseRule:
    """`text`: every occurrence of an exact snippet; `start`..`stop`: from the first occurrence of
    `start` to the first `stop` after it (exclusive) or the end of the text."""

    text: str | None = None
    start: str | None = None
    stop: str | None = None
    where: str = "noise"


def default_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in LINES.finditer(text)]
    first_trailing = TRAILING.search(text)
    if first_trailing:
        spans.append((first_trailing.start(), len(text)))
    return spans


def noise_spans(text: str, rules: list[NoiseRule]) -> list[tuple[int, int]]:
    spans = default_spans(text)
    for rule in rules:
        if rule.text is not None:
            at = text.find(rule.text)
            if at < 0:
                raise InvalidData(f"{rule.where}: text {rule.text[:60]!r} is not in the document")
            while at >= 0:
                spans.append((at, at + len(rule.text)))
                at = text.find(rule.text, at + 1)
            continue
        at = text.find(rule.start)
        if at < 0:
            raise InvalidData(f"{rule.where}: from {rule.start[:60]!r} is not in the document")
        end = len(text)
        if rule.stop is not None:
            end = text.find(rule.stop, at + len(rule.start))
            if end < 0:
                raise InvalidData(f"{rule.where}: to {rule.stop[:60]!r} is not in the document after from")
        spans.append((at, end))
    return merge(spans)


def merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out

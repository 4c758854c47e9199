"""Statements about bounds and bands: one number never above another, a value that switches on a
comparison, how long things last, bands of a score, and bounds said in another unit.

'attended is never more than booked', 'loan amount (never more than 90% of the property value)',
'$4.99 unless the order total is above $50, then free', 'stays last between 15 minutes and 10 hours',
'grade (A if 70 or more, B if 60-69, otherwise F)', 'wait time in seconds (usually under 5 minutes)'.
The readers here return Rules; bounds.py places them on columns.
"""
from __future__ import annotations

import re

from phrases import CLAUSE_BREAK, Item, Rule, Text, clean_mention, days_of, singular


CAP_RX = re.compile(
    r"\b(?P<neg>never|not|no|can ?not|can't|cannot|does not|doesn't|do not|don't|must not|mustn't|should not|may not|"
    r"will not|won't|always|must|should)?\s*(?:be\s+|go\s+)?(?P<rel>more than|greater than|higher than|larger than|"
    r"bigger than|above|over|exceeds?|exceeding|less than or equal to|at most|up to|capped at|limited to|<=|≤|"
    r"below|less than|under|lower than|smaller than)\s+(?:(?P<p>\d+(?:\.\d+)?)\s*(?:%|percent)\s+of\s+)?"
    r"(?:the\s+|its\s+|their\s+|his\s+|her\s+)?(?=[a-z])", re.I)
CAP_ABOVE = ("more than", "greater than", "higher than", "larger than", "bigger than", "above", "over", "exceed",
             "exceeds", "exceeding")


def read_caps(t: Text, rules: list[Rule], own: bool) -> None:
    """'attended is never more than booked', 'loan amount (never more than 90% of the property value)',
    'refund cannot exceed the order total': one number bounded by another."""
    for m in list(CAP_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        neg, rel = (m.group("neg") or "").lower(), m.group("rel").lower()
        if rel in CAP_ABOVE and neg in ("", "always", "must", "should"):
            continue
        if rel in ("below", "less than", "under", "lower than", "smaller than") and \
                neg not in ("always", "must", "should"):
            continue
        if rel == "up to" and not m.group("p"):
            continue
        other, end = t.words_after(m.end(), 5, CLAUSE_BREAK | {"is", "are", "was", "were", "per", "in", "on"})
        other = clean_mention(other)
        if not other or re.match(r"^(?:\d|a |an |one |few |some |several |many )", other) or \
                re.search(r"\b(?:minutes?|hours?|days?|weeks?|months?|years?|seconds?|times?|percent)\b", other):
            continue
        p = float(m.group("p")) / 100 if m.group("p") else 1.0
        if not 0 < p <= 10:
            continue
        if own:
            target, start = "", m.start()
        else:
            left, start = t.words_before(m.start(), 6, CLAUSE_BREAK)
            target = clean_mention(re.sub(r"\b(?:is|are|was|were|will|be|must|should|always|never|can|also)\b", " ",
                                          left))
            if not target:
                continue
        rules.append(Rule("cap", target=target, other=other, args={"p": p}, text=t.text[start:end]))
        t.take(start, end)


COND_VALUE = r"(?:[$€£¥₹]\s*)?\d[\d,]*(?:\.\d+)?(?:\s*(?:[$€£¥₹]|usd|eur|gbp|dollars?|euros?|pounds?))?|free|zero|nothing|waived|no charge"
COND_OP = r"above|over|more than|greater than|exceeds|at least|below|under|less than|at most"
COND_RXS = [
    ("unless", re.compile(rf"(?P<a>{COND_VALUE})\s+(?:unless|except (?:when|if))\s+(?:the\s+)?(?P<m>[a-z][\w\s'-]*?)\s+"
                          rf"(?:is\s+|are\s+|goes\s+|comes to\s+)?(?P<op>{COND_OP})\s+(?P<n>{COND_VALUE})\s*,?\s*(?:then|in which "
                          rf"case|when it is|it is|it's)?\s*(?:it is\s+|it's\s+)?(?P<b>{COND_VALUE})\b", re.I)),
    ("if", re.compile(rf"(?P<b>{COND_VALUE})\s+(?:if|when|whenever)\s+(?:the\s+)?(?P<m>[a-z][\w\s'-]*?)\s+(?:is\s+|are\s+)?"
                      rf"(?P<op>{COND_OP})\s+(?P<n>{COND_VALUE})\s*,?\s*(?:and\s+)?(?:otherwise|else|or)\s+(?P<a>{COND_VALUE})\b",
                      re.I)),
    ("free", re.compile(rf"(?:(?P<a>{COND_VALUE})\s*,?\s*(?:but\s+|and\s+|or\s+)?)?(?P<b>free|waived)\s+(?:for\s+|on\s+)?"
                        rf"(?P<m>(?:orders?|baskets?|carts?|purchases?|bills?|totals?)\s+)?(?P<op>over|above|from)\s+"
                        rf"(?P<n>{COND_VALUE})", re.I)),
]


def cond_number(text: str) -> float:
    if re.match(r"free|zero|nothing|waived|no charge", text.strip(), re.I):
        return 0.0
    return float(re.sub(r"[^\d.]", "", text.replace(",", "")))


def read_conditional(t: Text, rules: list[Rule], own: bool) -> None:
    """'$4.99 unless the order total is above $50, then free', '2.50 if the distance is over 10, otherwise
    1.50', '$5.99, free over $40': a value that switches on a comparison."""
    for kind, rx_ in COND_RXS:
        for m in list(rx_.finditer(t.low)):
            if not t.free(m.start(), m.end()):
                continue
            if kind == "free" and not m.group("a") and not own:
                continue
            try:
                when, n = cond_number(m.group("b")), cond_number(m.group("n"))
                otherwise = cond_number(m.group("a")) if m.group("a") else None
            except ValueError:
                continue
            if otherwise is None:
                continue
            op = "at least" if m.group("op").lower() == "from" else m.group("op").lower()
            mention = clean_mention(m.group("m") or "") or "order total"
            if kind == "free" and not re.search(r"total|amount|value|subtotal", mention):
                mention = "order total"
            start, target = m.start(), ""
            if not own:
                left, start = t.words_before(m.start(), 5, CLAUSE_BREAK)
                target = clean_mention(re.sub(r"\b(?:is|are|costs?|charged|will be|at)\b", " ", left))
                if not target:
                    continue
            rules.append(Rule("conditional", target=target, other=mention,
                              args={"when": when, "otherwise": otherwise, "op": op, "n": n}, text=t.text[start:m.end()]))
            t.take(start, m.end())


SPAN_UNIT = r"(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|nights?|weeks?)"
SPAN_RX = re.compile(rf"\b(?P<verb>lasts?|takes?|runs?|spans?|are|is)\s+(?:for\s+|anywhere\s+)?(?:(?P<q>between|from|up to|"
                     rf"at most|at least|about|around|roughly|typically|usually|under|over|less than|more than)\s+)?"
                     rf"(?P<a>\d+(?:\.\d+)?)\s*(?P<ua>{SPAN_UNIT})?\s*(?:(?:-|–|to|and)\s*(?P<b>\d+(?:\.\d+)?)\s*)?"
                     rf"(?P<ub>{SPAN_UNIT})\b(?P<long>\s+long)?", re.I)


def read_spans(t: Text, rules: list[Rule]) -> None:
    """'Stays last between 15 minutes and 10 hours', 'trips take 5 to 60 minutes', 'sessions are 2-30
    minutes long': how long a thing lasts, from its start to its end."""
    for m in list(SPAN_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        verb = m.group("verb").lower()
        if verb in ("is", "are") and not m.group("long"):
            continue
        if re.search(r"\b(?:the|past|these|those|its|their|next|first)\s*$", t.low[max(0, m.start() - 8):m.start()]):
            continue  # "over the last 90 days": a window of time
        if re.match(r"\s*(?:after|before|later|earlier|of|from|since|following)\b", t.low[m.end():]):
            continue  # "takes place 3 days after": an order between dates
        ub = m.group("ub")
        hi = days_of(float(m.group("b") or m.group("a")), ub)
        lo = days_of(float(m.group("a")), m.group("ua") or ub) if m.group("b") else None
        q = (m.group("q") or "").lower()
        if lo is None:
            lo, hi = {"up to": (hi * 0.05, hi), "at most": (hi * 0.05, hi), "under": (hi * 0.05, hi),
                      "less than": (hi * 0.05, hi), "at least": (hi, hi * 4), "over": (hi, hi * 4),
                      "more than": (hi, hi * 4)}.get(q, (hi * 0.6, hi * 1.4))
        left, start = t.words_before(m.start(), 4, CLAUSE_BREAK)
        rules.append(Rule("span", target=clean_mention(left), args={"lo": lo, "hi": hi}, text=t.text[start:m.end()]))
        t.take(start, m.end())

BAND_NUM = r"(\d+(?:\.\d+)?)"


def read_bands(text: str) -> Rule | None:
    """'A if 70 or more, B if 60-69, C if 50-59, otherwise F': values by bands of a number."""
    parts = [p.strip() for p in re.split(r",|;|\bor else\b", text) if p.strip()]
    bands: list[tuple[str, float | None, float | None]] = []
    otherwise = None
    for part in parts:
        m = re.match(r"^(?:(?:otherwise|else)\s+(?P<v1>[\w+-]+)|(?P<v2>[\w+-]+)\s+otherwise)$", part, re.I)
        if m:
            otherwise = m.group("v1") or m.group("v2")
            continue
        m = re.match(r"^(?P<v>[\w+-]+)\s+(?:if|when|for)\s+(?:the\s+\w+\s+is\s+|(?![\d<>≥])\w+\s+(?:is\s+)?(?=[\d<>≥]|at|above|over|under|below|less|between|from))?"
                     r"(?P<c>.+)$", part, re.I)
        if not m:
            return None
        c, lo, hi = m.group("c").lower(), None, None
        if r := re.fullmatch(rf"{BAND_NUM}\s*(?:\+|or more|or higher|or above|and above|and over|and up|plus)", c):
            lo = float(r.group(1))
        elif r := re.fullmatch(rf"(?:at least|>=|≥|above|over|from)\s*{BAND_NUM}(?:\s*(?:or more|and up))?", c):
            lo = float(r.group(1)) + (1e-9 if c.startswith(("above", "over")) else 0)
        elif r := re.fullmatch(rf"(?:between\s+)?{BAND_NUM}\s*(?:-|–|to|and)\s*{BAND_NUM}", c):
            lo, hi = float(r.group(1)), float(r.group(2))
        elif r := re.fullmatch(rf"(?:under|below|less than|<)\s*{BAND_NUM}", c):
            hi = float(r.group(1)) - 1e-9
        else:
            return None
        bands.append((m.group("v"), lo, hi))
    if len(bands) < 2 or otherwise is None and len(bands) < 3:
        return None
    return Rule("bands", args={"bands": bands, "otherwise": otherwise or bands[-1][0]}, text=text)

def number_text_short(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


TIME_UNIT_SECONDS = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400}


def scale_bounds(source: str, item: Item) -> None:
    """'wait time in seconds (usually under 5 minutes)': bounds in one unit for a field in another."""
    field_unit = re.search(r"\b(?:in|\()\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b", item.text + " " + source, re.I)
    if not field_unit or (item.low is None and item.high is None):
        return
    to = TIME_UNIT_SECONDS.get(singular(field_unit.group(1).lower()).rstrip("s") or "", None)
    said = [m for m in re.finditer(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?|days?)\b", source, re.I)]
    if not to or not said:
        return
    for m in said:
        frm = TIME_UNIT_SECONDS.get(singular(m.group(2).lower()).rstrip("s"))
        if not frm or frm == to:
            continue
        value = float(m.group(1))
        factor = frm / to
        if item.high is not None and abs(item.high - value) < 1e-9:
            item.high = value * factor
            if item.low is not None and re.search(rf"\b{re.escape(number_text_short(item.low))}\s*(?:-|–|to|and)\s*"
                                                  rf"{re.escape(m.group(0))}", source, re.I):
                item.low *= factor  # "1 to 2 hours"
        if item.low is not None and abs(item.low - value) < 1e-9:
            item.low = value * factor

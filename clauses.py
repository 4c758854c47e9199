"""The clauses of the built-in designer's grammar: statements read from the words around their
anchors, and a field phrase read whole (read_item).

    "settlement date 10 to 120 days after the claim" -> field "settlement date",
                                                         Rule("after", other="claim", lo=10, hi=120)
    "about 15% of trips have a tip"                   -> Rule("share", target="tip", p=0.15)
    "Large pizzas cost more than medium"              -> Rule("more", target="cost", other="Large pizzas")

Each reader finds its anchors in a Text (a number with "%", "after", "per", "=", a comparative
such as "higher" ...), adds Rules and takes the words it used, so a constraint word never
reaches a column name or a value. phrases.py holds the words, the structures and the readers of a
single field's values (ranges, distributions, dates, formats); this module the statements.
"""

from __future__ import annotations

import re
from typing import Any

from limits import read_bands, read_caps, read_conditional, read_spans, scale_bounds
from phrases import (ADVERB_STEPS, BOOL_SETS, CLAUSE_BREAK, COMPARATIVES, DAYPARTS, EDGE_WORDS, Item, MONTHS,
                     MONTH_RX, NOT_LISTS, PARENS, Rule, SEASONS, STEP_CODES, SUPERLATIVES, TIME_UNIT, TREND_VERBS,
                     Text, VAGUE_SHARES, WEEKPARTS, WORD_NUMBERS, clean_mention, days_of, hour_of, read_condition, read_distribution, read_misc, read_range, read_window, singular)

# Each reader finds its anchors in a Text, adds Rules and takes the words it used.

ORDER_RX = re.compile(
    rf"(?:(?P<q>within|up to|at most|no more than|less than|under|at least|more than|over|about|around|roughly|"
    rf"approximately|between|from)\s+)?(?:(?P<lo>\d+(?:\.\d+)?)\s*(?:-|to|and)\s*)?(?P<hi>\d+(?:\.\d+)?)?\s*"
    rf"(?P<unit>{TIME_UNIT})?\s*(?P<rel>after|later than|following|past|since|before|earlier than|prior to|ahead of|"
    rf"of)\s+(?:the\s+)?", re.I)


LATER_RX = re.compile(r"\b(?:(?P<lo>\d+(?:\.\d+)?)\s*(?:-|–|to)\s*)?(?P<hi>\d+(?:\.\d+)?)\s*(?P<unit>minutes?|mins?|hours?|"
                      r"hrs?|days?|weeks?|months?)\s+later\b", re.I)


def read_order(t: Text, rules: list[Rule], own: bool) -> None:
    """'settlement date 10 to 120 days after the claim', 'offer date must come after the application
    date', 'within 30 days of purchase', 'A before B', 'a due date 21 days later'."""
    for m in list(LATER_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        hi = days_of(float(m.group("hi")), m.group("unit"))
        lo = days_of(float(m.group("lo")), m.group("unit")) if m.group("lo") else hi
        left, start = t.words_before(m.start(), 4, CLAUSE_BREAK)
        target = "" if own else clean_mention(left)
        if not own and not target:
            continue
        rules.append(Rule("after", target=target, other="", args={"lo": lo, "hi": hi, "unit": m.group("unit").lower()},
                          text=t.text[start:m.end()]))
        t.take(m.start() if own else start, m.end())
    for m in list(ORDER_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        rel = m.group("rel").lower()
        has_gap = bool(m.group("hi") and m.group("unit"))
        if rel == "of" and not (m.group("q") == "within" and has_gap):
            continue
        if rel in ("since", "past", "following") and not has_gap:
            continue
        if m.group("hi") and not m.group("unit"):
            continue
        other, end = t.words_after(m.end(), 4, CLAUSE_BREAK | {"is", "are", "was", "were", "must", "should"})
        other = clean_mention(other)
        if not other or re.match(r"^\d", other):
            continue
        left, start = t.words_before(m.start(), 6, CLAUSE_BREAK)
        left_mention = clean_mention(re.sub(r"\b(must|should|always|is|are|will|comes?|falls?|happens?|occurs?|"
                                            r"be|being|only|arrives?|ends?|starts?|takes place)\b", " ", left))
        if not has_gap and not own and not left_mention:
            continue
        if not has_gap and not re.search(r"\b(must|should|always|comes?|falls?|happens?|occurs?|is|are|be|"
                                         r"later|never|strictly|only)\b", left.lower() + " " + rel) and not own:
            if not (rel in ("after", "before") and left_mention):
                continue
        args: dict[str, Any] = {}
        if has_gap:
            unit = m.group("unit")
            hi = days_of(float(m.group("hi")), unit)
            lo = days_of(float(m.group("lo")), unit) if m.group("lo") else None
            q = (m.group("q") or "").lower()
            if lo is None:
                if q in ("within", "up to", "at most", "no more than", "less than", "under"):
                    lo = 0.0
                elif q in ("at least", "more than", "over"):
                    lo, hi = hi, hi * 4
                elif q in ("about", "around", "roughly", "approximately"):
                    lo, hi = hi * 0.7, hi * 1.3
                else:
                    lo = hi
            args.update(lo=lo, hi=hi, unit=unit.lower())
        before = rel in ("before", "earlier than", "prior to", "ahead of")
        target = "" if own and not (left_mention and not own) else left_mention
        if before:
            rules.append(Rule("after", target=other, other=target, args=args, text=t.text[start:end]))
        else:
            rules.append(Rule("after", target=target, other=other, args=args, text=t.text[start:end]))
        t.take(m.start() if own else start, end)


SHARE_RX = re.compile(r"(?:(?P<hedge>about|around|roughly|approximately|approx\.?|nearly|almost|some|only|just|"
                      r"~|under|over|at least|at most|up to|less than|more than)\s+)?(?P<p>\d+(?:\.\d+)?)\s*"
                      r"(?:%|percent\b|pct\b|per cent\b)", re.I)
ONE_IN_RX = re.compile(r"\b(?:about |roughly |around )?(?P<a>one|two|three|\d+)\s+(?:in|out of)\s+(?P<b>\d+|two|three|"
                       r"four|five|ten|twenty|hundred)\b", re.I)
SPLIT_RX = re.compile(r"\b(?:an?\s+)?(?P<a>\d+)\s*[:/]\s*(?P<b>\d+)(?:\s*[:/]\s*(?P<c>\d+))?\s*(?:split|ratio|"
                      r"allocation|randomi[sz]ation|mix)?(?:\s+(?:split\s+)?(?:between|of|across|for)\s+(?P<vals>"
                      r"[\w\s'-]+?(?:\s+and\s+[\w'-]+)(?:\s+(?:arms?|groups?|variants?))?))?(?=[,.;)]|$|\s+(?:and|with)\s)",
                      re.I)
EVEN_RX = re.compile(r"\b(?:split\s+)?(?:evenly|equally)\s+(?:split\s+)?(?:between|across|among)\s+(?P<vals>[\w\s'-]+?)"
                     r"(?=[,.;)]|$)", re.I)
PRED_VERBS = re.compile(r"^(?:(?:(?:are|is|were|was|get|gets|got|being|be|will be|end up|ends up)\s+)?(?:flagged|marked|"
                        r"labelled|labeled|tagged|classified|considered|recorded|reported|identified|coded)\s+(?:as\s+)?|"
                        r"(?:are|is|were|was|have|has|get|gets|got|end up being|end up|ends up|being|be|will be|"
                        r"should be|would be|become|becomes|turn out|turns out|come back|end with|ends with|come with|"
                        r"comes with|include|includes|involve|involves|result in|results in|lead to|leads to|require|"
                        r"requires|need|needs|receive|receives|use|uses|contain|contains)\s+(?:as\s+|an?\s+|the\s+)?)",
                        re.I)


def read_shares(t: Text, rules: list[Rule], own: bool) -> None:
    """'about 15% of trips have a tip', 'with about 10% denied', 'churn rate of 10%', 'Adverse events
    in about 8% of treated and 5% of placebo patients', 'a 1:1 split between placebo and treatment',
    'one in five', 'most', 'rarely'."""
    for m in list(SPLIT_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()) or (not m.group("vals") and not re.search(r"split|ratio|allocation|mix",
                                                                                     m.group(0))):
            continue
        weights = [float(m.group(k)) for k in ("a", "b", "c") if m.group(k)]
        if not all(0 < w <= 100 for w in weights):
            continue
        vals = [clean_mention(v) for v in re.split(r"\s+and\s+|,\s*", t.text[m.start("vals"):m.end("vals")])] \
            if m.group("vals") else []
        vals = [re.sub(r"\s+(arms?|groups?|variants?)$", "", v, flags=re.I) for v in vals if v]
        rules.append(Rule("split", args={"weights": weights, "values": vals}, text=t.text[m.start():m.end()]))
        t.take(m.start(), m.end())
    for m in list(EVEN_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            vals = [clean_mention(v) for v in re.split(r"\s+and\s+|,\s*", t.text[m.start("vals"):m.end("vals")]) if v]
            rules.append(Rule("split", args={"weights": [1] * max(len(vals), 2), "values": vals},
                              text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(SHARE_RX.finditer(t.low)):  # "clicks are about 2% of impressions": one number a share of another
        if not t.free(m.start(), m.end()):
            continue
        of = re.match(r"\s+of\s+(?:the\s+|all\s+)?(?P<y>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s*(?=$|,|;|\.|\band\b)", t.low[m.end():])
        before = re.search(r"(?:^|,|;|\band\b)\s*(?P<x>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)\s+(?:(?:is|are|equals?|make up|"
                           r"makes up|represents?|should be|will be)\s+)?$", t.low[:m.start()])
        if not of or not before or re.search(r"\b(?:of|the|who|that|which)$", before.group("x")):
            continue
        start, end = before.start("x"), m.end() + of.end()
        rules.append(Rule("ratio", target=clean_mention(before.group("x")), other=clean_mention(of.group("y")),
                          args={"p": float(m.group("p")) / 100, "hedge": (m.group("hedge") or "").lower()},
                          text=t.text[start:end]))
        t.take(start, end)
    found: list[tuple[int, int, float, str]] = []
    for m in SHARE_RX.finditer(t.low):
        if re.search(r"(?:between|from)\s+\S+\s+(?:and|to)\s*$|\d\s*%?\s*(?:-|to)\s*$", t.low[max(0, m.start() - 30):m.start()]):
            continue  # "between 0 and 30%": a range of percentages
        if re.match(r"\s*(?:-|–|to)\s*\d", t.low[m.end():]) or (
                re.search(r"(?:between|from)\s*$", t.low[max(0, m.start() - 12):m.start()]) and
                re.match(r"\s*and\s*\d", t.low[m.end():])):
            continue  # "between 3% and 8%", "5%-12%"
        if t.free(m.start(), m.end()):
            found.append((m.start(), m.end(), float(m.group("p")) / 100, (m.group("hedge") or "").lower()))
    for m in ONE_IN_RX.finditer(t.low):
        if t.free(m.start(), m.end()):
            a = WORD_NUMBERS.get(m.group("a").lower()) or float(m.group("a"))
            b = WORD_NUMBERS.get(m.group("b").lower()) or float(m.group("b"))
            if b and 0 < a < b:
                found.append((m.start(), m.end(), a / b, ""))
    found.sort()
    i = 0
    while i < len(found):
        start, end, p, hedge = found[i]
        if p <= 0 or p > 1:
            i += 1
            continue
        # "8% of treated and 5% of placebo patients": shares by group of one predicate
        group = []
        j = i
        while j < len(found):
            s2, e2, p2, _ = found[j]
            who_m = re.match(r"\s*of\s+(?:the\s+)?([\w\s'-]+?)(?=\s+(?:and|,|or)\s+\d|\s*$|[,.;)]|\s+(?:are|is|have|has|"
                             r"get|were|patients|users|customers)\b)", t.low[e2:])
            if not who_m:
                break
            group.append((s2, e2 + who_m.end(), p2, t.text[e2 + who_m.start(1):e2 + who_m.end(1)]))
            nxt = t.low[e2 + who_m.end():]
            if j + 1 < len(found) and re.match(r"^\s*(?:,|and|or|,\s*and)\s*(?:about\s+|around\s+)?$",
                                               t.low[e2 + who_m.end():found[j + 1][0]]):
                j += 1
                continue
            del nxt
            break
        if len(group) >= 2:
            left, lstart = t.words_before(start, 4, CLAUSE_BREAK - {"with"})
            left = re.sub(r"\s+(?:in|among|for|with|of)$", "", left.strip(), flags=re.I)
            tail, tend = t.words_after(group[-1][1], 2)
            rules.append(Rule("group_share", target=clean_mention(left),
                              args={"groups": [(clean_mention(g[3]) + (" " + tail if tail else "")).strip()
                                               for g in group], "shares": [g[2] for g in group]},
                              text=t.text[lstart:group[-1][1]]))
            t.take(lstart, max(group[-1][1], tend))
            i = j + 1
            continue
        rule, span = share_rule(t, start, end, p, hedge, own)
        if rule:
            rules.append(rule)
            t.take(*span)
        i += 1
    read_vague_shares(t, rules)


def share_rule(t: Text, start: int, end: int, p: float, hedge: str, own: bool) -> tuple[Rule | None, tuple[int, int]]:
    after = t.low[end:]
    text_after = t.text[end:]
    m = re.match(r"\s*of\s+(?:all\s+)?(?:the\s+|our\s+|their\s+)?(?P<who>[\w'-]+)\s+", after)
    if m and not PRED_VERBS.match(after[m.end():]):
        m2 = re.match(r"\s*of\s+(?:all\s+)?(?:the\s+|our\s+|their\s+)?(?P<who>[\w'-]+\s+[\w'-]+)\s+", after)
        if m2 and PRED_VERBS.match(after[m2.end():]):
            m = m2
    # "15% of trips have a tip": the predicate follows the subject and a verb
    if m:
        rest = after[m.end():]
        verb = PRED_VERBS.match(rest)
        if verb:
            pred, pend = t.words_after(end + m.end() + verb.end(), 4, CLAUSE_BREAK | {"as"})
            pred = re.sub(r"^(?:a|an|the|some)\s+", "", pred.strip(), flags=re.I)
            if pred:
                return (Rule("share", target=clean_mention(pred), args={"p": p, "who": text_after[m.start("who"):m.end("who")]},
                             text=t.text[start:pend]), (start, pend))
        single = re.match(r"(?P<pred>[a-z][\w-]*)\b", rest)
        if single and single.group("pred") not in EDGE_WORDS:  # "2% of bottles fail"
            pend = end + m.end() + single.end()
            return (Rule("share", target=single.group("pred"), args={"p": p, "who": m.group("who")},
                         text=t.text[start:pend]), (start, pend))
    left, lstart = t.words_before(start, 4, CLAUSE_BREAK - {"with"})
    left_clean = re.sub(r"\b(?:rate|share|percentage|ratio|proportion|of|around|about|at|is|are|=|roughly|approx)\b",
                        " ", left.lower())
    left_clean = clean_mention(left_clean)
    right, rend = t.words_after(end, 3, CLAUSE_BREAK | {"of"})
    right_clean = clean_mention(re.sub(r"\b(?:rate|share|of|the|are|is)\b", " ", right.lower()))
    with_before = re.search(r"\bwith\s*$", t.low[max(0, start - 8):start])
    if with_before and right_clean:  # "with about 10% denied"
        return Rule("share", target=right_clean, args={"p": p, "own": own}, text=t.text[start:rend]), (max(0, start - 5), rend)
    if left_clean and (not right_clean or re.search(r"\b(rate|share|percentage|of|at|is|around|about)\s*$", left.lower())):
        return Rule("share", target=left_clean, args={"p": p}, text=t.text[lstart:end]), (lstart, end)
    if right_clean:
        return Rule("share", target=right_clean, args={"p": p, "own": own}, text=t.text[start:rend]), (start, rend)
    if own:
        return Rule("share", target="", args={"p": p}, text=t.text[start:end]), (start, end)
    return None, (start, end)


VAGUE_RX = re.compile(r"\b(?P<q>" + "|".join(sorted((re.escape(k) for k in VAGUE_SHARES), key=len, reverse=True)) +
                      r")\s+(?:(?:of\s+(?:the\s+)?)?(?P<who>[\w'-]+)\s+(?=(?:are|is|were|have|has|get|end up|being)\b))?"
                      r"(?:(?:are|is|were|have|has|get|end up|being|go|come)\s+)?(?:(?:for|about|with)\s+(?:a|an|one|the)\s+)?"
                      r"(?P<pred>(?:\d+(?:\.\d+)?\s+)?[a-z][\w-]*(?:\s+[a-z][\w-]*)?)", re.I)


def read_vague_shares(t: Text, rules: list[Rule]) -> None:
    for m in list(VAGUE_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        pred = m.group("pred")
        if re.match(r"^(between|from|under|over|around|about|in|on|at|within|of|the|a|an|than)\b", pred) or \
                (re.match(r"^\d", pred) and not re.match(r"^\d+(?:\.\d+)?\s+[a-z]", pred)):
            continue
        q = m.group("q").lower()
        if q in ("some", "often", "more") and not m.group("who"):
            continue
        rules.append(Rule("share", target=clean_mention(pred), args={"p": VAGUE_SHARES[q], "vague": True,
                                                                     "who": m.group("who") or ""},
                          text=t.text[m.start():m.end()]))
        t.take(m.start(), m.end())


HOUR = r"\d{1,2}(?::\d\d)?\s*(?:am|pm|a\.m\.|p\.m\.)?"
HOURS_RX = re.compile(rf"\b(?:only\s+)?(?:during\s+|between\s+|from\s+|open(?:ing)?\s+hours?\s+|(?:opening|open|business|"
                      rf"office|working|operating|trading)\s+hours\s+(?:of\s+|are\s+|from\s+)?)+(?P<a>{HOUR})\s*"
                      rf"(?:-|to|until|till|and)\s*(?P<b>{HOUR})", re.I)
NAMED_HOURS_RX = re.compile(r"\b(?:only\s+)?(?:during|within|in)\s+(?:normal\s+|regular\s+)?(?P<w>business|office|working|"
                            r"opening|school|operating)\s+hours\b", re.I)
STEP_RX = re.compile(r"\b(?:(?:one|a|1)\s+(?:\w+\s+)?)?every\s+(?P<n>\d+|other|few)?\s*(?P<u>seconds?|secs?|minutes?|mins?|"
                     r"hours?|hrs?|days?|weeks?|months?)\b(?:\s+(?:per|for each|for every|from each|by)\s+"
                     r"(?P<per>[\w'-]+))?", re.I)
PER_TIME_RX = re.compile(r"\b(?:one\s+(?:row|record|reading|entry|line|sample|snapshot|observation)\s+)?per\s+"
                         r"(?P<per>[\w'-]+)\s+per\s+(?P<wd>(?:trading|business|working|market)\s+)?"
                         r"(?P<u>second|minute|hour|day|week|month|year)\b|\b(?:one\s+(?:row|record|"
                         r"reading|entry|line|observation)\s+)?per\s+(?P<wd2>(?:trading|business|working|market)\s+)?"
                         r"(?P<u2>day|hour|week|month)\s+per\s+(?P<per2>[\w'-]+)", re.I)
ADVERB_PER_RX = re.compile(r"\b(?P<a>hourly|daily|weekly|monthly)\s+(?P<what>(?:[a-z]+\s+){1,2}?)(?:per|for each|for every)\s+"
                           r"(?P<per>[a-z][\w'-]*)", re.I)
MONEY_AFTER_ADVERB = re.compile(r"\s+(?:salary|income|fee|fees|charge|charges|rate|price|cost|budget|pay|wage|rent|"
                                r"bill|payment|premium|allowance|limit|cap|quota|dose|average|mean)\b", re.I)
def read_adverb_per(text: str) -> Rule | None:
    """'Daily sales per store' as the subject of one table: one row per store a day."""
    m = ADVERB_PER_RX.search(text)
    if not m or MONEY_AFTER_ADVERB.match(text[m.end("a"):]):
        return None
    return Rule("step", target=clean_mention(m.group("what")), args={"step": ADVERB_STEPS[m.group("a").lower()]},
                other=m.group("per"), text=m.group(0))


# "on trading days", "weekdays only", "no weekends": dates fall Monday to Friday
WORKDAYS_RX = re.compile(r"\b(?:every|each|on|only on)\s+(?:trading|business|working|market)\s+days?\b|"
                         r"\b(?:only\s+on\s+weekdays|(?:on\s+)?weekdays\s+only|no\s+weekends?|(?:excluding|except)\s+"
                         r"weekends?|(?:monday|mon)\s*(?:-|to|through|thru)\s*(?:friday|fri))\b", re.I)
ADVERB_RX = re.compile(r"\b(?P<a>hourly|daily|weekly|monthly|quarterly|yearly|annually)\b", re.I)


SORTED_RX = re.compile(r"\b(?:in|by)\s+(?:time|chronological|date|temporal)\s+order\b|\bchronologically\b", re.I)


def read_time(t: Text, rules: list[Rule]) -> None:
    """Opening hours and time series: 'only during opening hours 11:00 to 23:00', 'one reading every
    15 minutes per meter', 'one row per campaign per day', 'invoices are monthly'."""
    for m in list(SORTED_RX.finditer(t.low)):
        rules.append(Rule("sorted", text=t.text[m.start():m.end()]))
        t.take(m.start(), m.end())
    for m in list(HOURS_RX.finditer(t.low)):
        a, b = hour_of(m.group("a")), hour_of(m.group("b"))
        text = m.group(0)
        if a is None or b is None or not t.free(m.start(), m.end()):
            continue
        if not re.search(r":|am|pm|hours", text):
            continue
        rules.append(Rule("hours", args={"from": a, "to": b}, text=t.text[m.start():m.end()]))
        t.take(m.start(), m.end())
    for m in list(NAMED_HOURS_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            window = {"school": (8, 16), "opening": (9, 21)}.get(m.group("w").lower(), (9, 17))
            rules.append(Rule("hours", args={"from": window[0], "to": window[1]}, text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(PER_TIME_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            unit = (m.group("u") or m.group("u2")).lower()
            args: dict[str, Any] = {"step": "1" + STEP_CODES[unit]}
            if (m.group("wd") or m.group("wd2")) and unit == "day":
                args["workdays"] = True  # "one row per ticker per trading day"
            rules.append(Rule("step", args=args, other=m.group("per") or m.group("per2"), text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(WORKDAYS_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            rules.append(Rule("workdays", text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(STEP_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        n = m.group("n")
        count = 2 if n == "other" else 3 if n == "few" else int(n or 1)
        unit = singular(m.group("u").lower())
        unit = {"sec": "second", "min": "minute", "hr": "hour"}.get(unit, unit)
        per = m.group("per") or ""
        rules.append(Rule("step", other=per, args={"step": f"{count}{STEP_CODES[unit]}"}, text=t.text[m.start():m.end()]))
        t.take(m.start(), m.end())
    for m in list(ADVERB_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        after = t.low[m.end():m.end() + 40]
        before = t.low[max(0, m.start() - 30):m.start()]
        if re.match(r"\s+(?:salary|income|fee|fees|charge|charges|rate|price|cost|budget|revenue|pay|spend|wage|rent|"
                    r"active|bill|payment|premium|subscription|plan|amount|total|sales|visitors|users)\b", after):
            continue  # "monthly fee" names a field
        if re.search(r"\b(?:are|is|billed|paid|issued|recorded|taken|measured|sent|logged|made|collected|reported|"
                     r"generated|run)\s*$", before) or re.match(r"\s+(?:[a-z]+\s+){0,2}?(?:readings?|snapshots?|records?|rows?|"
                                                                r"observations?|data|entries|measurements?|"
                                                                r"series|samples?|totals?|stats|statistics|summary|"
                                                                r"aggregates?|counts?|invoices?)\b", after):
            subject, _ = t.words_before(m.start(), 3, CLAUSE_BREAK)
            subject = re.sub(r"\b(?:are|is|billed|issued|paid|recorded|taken|measured|sent|logged|made|collected|"
                             r"reported|generated|run)\b", " ", subject)
            rules.append(Rule("step", target=clean_mention(subject), args={"step": ADVERB_STEPS[m.group("a").lower()],
                                                                           "adverb": True},
                              text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())


COUNT_RX = re.compile(r"(?<![\w.$€£¥₹%:/-])(?P<n>\d{1,6})(?P<hy>-|\s+)(?P<what>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)", re.I)
TEAM_RX = re.compile(r"\b(?:a|an|one)\s+(?:team|fleet|group|pool|panel|network|set|cohort|chain|portfolio|roster|"
                     r"staff|crew|list|catalog(?:ue)?|collection|panel)\s+of\s+(?:about\s+|around\s+|roughly\s+)?(?P<n>\d{1,6})\s+"
                     r"(?P<what>[a-z][\w'-]*(?:\s+[a-z][\w'-]*)?)", re.I)
PAREN_COUNT_RX = re.compile(r"(?P<what>[a-z][\w'-]*)\s*\(\s*(?P<n>\d{1,6})\s*(?P<what2>[a-z][\w'-]*)?\s*\)", re.I)
NOT_COUNTED = re.compile(rf"^(?:{TIME_UNIT}|%|percent|times?|x|km|kms|miles?|mi|m|kg|kgs|lbs?|g|mg|ml|l|liters?|litres?|"
                         r"stars?|points?|pts|digits?|characters?|chars|letters?|decimals?|mm|cm|in|inch|inches|ft|feet|"
                         r"sq|mph|kph|kwh|kw|w|v|volts?|amps?|c|f|degrees?|percentile|bedrooms?|bathrooms?|beds?|"
                         r"baths?|am|pm|or|and|to|of|per|mmhg|bpm|rpm|dollars?|euros?|pounds?|yen|rupees?|usd|eur|gbp|"
                         r"reais|lakh|crore|k|million|thousand|billion|hundred|st|nd|rd|th|year-old|years?-old|"
                         r"levels?|grades?|tiers?|categories|options?|values?|types?|choices?|steps?|stages?|"
                         r"people|persons?|adults?|children|kids|guests?|seats?|passengers?|items?|units?|pieces?|"
                         r"nights?|rooms? (?:per|each))\b", re.I)


def read_counts(t: Text, rules: list[Rule]) -> None:
    """How many of a thing there are: 'There are 150 drivers', '8 production lines fill bottles',
    'a team of 12 agents', 'clubs (8 locations)', 'a 120-room resort', '300 students, 25 courses'."""
    for m in list(TEAM_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            rules.append(Rule("count", target=clean_mention(m.group("what")), args={"n": int(m.group("n"))},
                              text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(PAREN_COUNT_RX.finditer(t.low)):
        if t.free(m.start(), m.end()) and (not m.group("what2") or not NOT_COUNTED.match(m.group("what2"))):
            n = int(m.group("n"))
            if n >= 2:
                rules.append(Rule("count", target=m.group("what"), args={"n": n, "alias": m.group("what2") or ""},
                                  text=t.text[m.start():m.end()]))
                t.take(m.start("what") + len(m.group("what")), m.end())
    for m in list(COUNT_RX.finditer(t.low)):
        what = m.group("what")
        if not t.free(m.start(), m.end()):
            one = m.start("what") + len(what.split()[0])
            if " " not in what or not t.free(m.start(), one):
                continue
            what = what.split()[0]  # "20 machines every 15 minutes": the rest belongs to another rule
        n = int(m.group("n"))
        if n < 2 or NOT_COUNTED.match(what) or re.match(r"^(?:or|and|to|of|per|in|on|at|with|from|-)\b", what):
            continue
        before = t.low[max(0, m.start() - 12):m.start()]
        if re.search(r"(?:\d\s*(?:-|to|and|or|/)\s*|[<>=]\s*|\b(?:top|dose|level|grade|version|v|week|day|year|"
                     r"room|table|gate|seat|line|page|step|stage|phase|round|season|episode|chapter|class|"
                     r"term)\s*)$", before):
            continue
        first = what.split()[0]
        if m.group("hy") == "-" and not re.match(r"^[a-z]+$", first):
            continue
        if m.group("hy") == "-":  # "a 120-room resort": 120 rooms
            what = first
        elif len(what.split()) == 2 and (not what.split()[1].endswith("s") or what.split()[1] in (
                "across", "across", "plus", "versus", "towards", "besides", "unless", "whereas", "thus", "always")):
            what = first  # "30 robots report ...": the robots; "8 production lines": both words
        args: dict[str, Any] = {"n": n, "hyphen": m.group("hy") == "-"}
        end = m.start() + len(m.group("n")) + len(m.group("hy")) + len(what)
        named = re.match(r"\s*\(([^()]*)\)", t.low[end:])
        if named:  # "3 subjects (maths, english, science)": the things by name
            names = [x.strip() for x in re.split(r",|/|\bor\b|\band\b", t.text[end:end + named.end()].strip(" ()"))
                     if x.strip()]
            if len(names) == n:
                args["values"] = names
                end += named.end()
        rules.append(Rule("count", target=what, args=args, text=t.text[m.start():end]))
        t.take(m.start(), end)


PER_RXS = [
    re.compile(r"\beach\s+(?P<p>[\w'-]+)\s+(?:[\w'-]+\s+){1,8}?(?:and\s+)?(?:has|have|gets?|receives?|contains?|includes?)\s+"
               r"(?:between\s+)?(?P<lo>\d+)\s*(?:-|to|and)\s*(?P<hi>\d+)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
    re.compile(r"\beach\s+(?P<p>[\w'-]+)\s+(?:has|have|gets?|makes?|places?|can have|contains?|includes?|holds?|owns?|"
               r"writes?|receives?|takes?|books?|is given|comes? with|with|[a-z]+s)\s+(?:between\s+)?(?P<lo>\d+)\s*(?:-|to|and)\s*"
               r"(?P<hi>\d+)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
    re.compile(r"\beach\s+(?P<p>[\w'-]+)\s+(?:has|have|gets?|makes?|places?|can have|contains?|includes?|holds?|owns?|"
               r"writes?|receives?|takes?|books?)\s+(?P<q>up to|at most|at least|about|around|exactly|roughly)?\s*"
               r"(?P<hi>\d+)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
    re.compile(r"(?P<lo>\d+)\s*(?:-|to)\s*(?P<hi>\d+)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)\s+(?:per|for each|for every|each|a)\s+"
               r"(?P<p>[\w'-]+)", re.I),
    re.compile(r"\b(?P<p>[a-z][\w'-]*s),?\s+each\s+(?:with|having|has|of|containing|holding|employing)\s+"
               r"(?:between\s+)?(?P<lo>\d+)\s*(?:-|to|and)\s*(?P<hi>\d+)\s+(?P<c>[\w'-]+)", re.I),  # "8 departments, each with 10-40 employees"
    re.compile(r"\b(?P<p>[a-z][\w'-]*s),?\s+(?P<hi>\d+)\s+(?P<c>[a-z][\w'-]*s)\s+each\b", re.I),  # "12 greenhouses, 5 sensors each"
    re.compile(r"\b(?P<q>up to|at most|about|around|exactly|roughly|on average)?\s*(?P<hi>\d+)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)"
               r"\s+(?:per|for each|for every)\s+(?P<p>[\w'-]+)", re.I),
    re.compile(r"\beach\s+(?P<p>[\w'-]+)\s+(?:has|have|gets?|makes?|places?|can have|contains?|includes?|holds?|owns?|"
               r"writes?|receives?|takes?|books?)\s+(?P<q>one or more|several|many|multiple|some|a few|zero or more|a list of)"
               r"\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
]
OWNS_RXS = [
    re.compile(r"\b(?:each|every|an?|the)\s+(?P<c>[\w'-]+)\s+(?:is|are|gets?|was)\s+(?:\w+ed|written|made|given|taken|run|"
               r"owned|held|led|taught|sent|built|sold|bought|paid)\s+by\s+(?:a|an|one|the|its|their)\s+(?P<p>[\w'-]+)", re.I),
    re.compile(r"\b(?:each|every|an?|the)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)\s+(?:belongs|belong|is tied|are tied|is linked|"
               r"are linked|is assigned|are assigned|refers|points)\s+to\s+(?:exactly\s+)?(?:one|a|an|the|their|its|"
               r"a single)\s+(?P<p>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
    re.compile(r"\b(?P<c>[\w'-]+)\s+(?:belonging|linked|tied|assigned)\s+to\s+(?:a|an|one|their|the|its)\s+"
               r"(?P<p>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
    re.compile(r"\b(?P<p>[\w'-]+)\s+(?:and|with)\s+(?:all\s+)?(?:their|its|his|her)\s+(?P<c>[\w'-]+(?:\s+[\w'-]+)?)", re.I),
    re.compile(r"\b(?:an?|each|every|the)\s+(?P<c>[\w'-]+)\s+(?:leaves|is shipped from|ships from|comes from|is sent from|"
               r"is made at|is made by|is taught by|is written by|is placed at|is placed with|is held at|is played at|"
               r"happens at|takes place at|is for|is at|is in|is with)\s+(?:a|an|one|the)\s+(?P<p>[\w'-]+)", re.I),
]


def read_per(t: Text, rules: list[Rule]) -> None:
    """Parents and children: 'each order has 1-5 items', '2-8 events per shipment', 'members
    belonging to a home club', 'customers and their orders', 'a shipment leaves a warehouse'."""
    for rx in OWNS_RXS[:1]:  # "each thread is started by a user": before the counts that follow it
        for m in list(rx.finditer(t.low)):
            if t.free(m.start(), m.end()):
                rules.append(Rule("owns", target=m.group("c"), other=m.group("p"), text=t.text[m.start():m.end()]))
                t.take(m.start() + len(m.group(0).split()[0]) + len(m.group("c")) + 1, m.end())
    for i, rx in enumerate(PER_RXS):
        for m in list(rx.finditer(t.low)):
            tail = m.start("lo") - 8 if i == 0 else m.start()  # the flexible form may pass words read already
            if not t.free(max(tail, m.start()), m.end()):
                continue
            g = m.groupdict()
            c = g["c"]
            if NOT_COUNTED.match(c.split()[0]) and c.split()[0] not in ("items", "item", "nights", "guests", "units",
                                                                      "passengers", "seats", "stages", "steps",
                                                                      "adults", "children", "rooms"):
                continue
            hi = int(g["hi"]) if g.get("hi") else None
            lo = int(g["lo"]) if g.get("lo") else None
            q = (g.get("q") or "").lower()
            if hi is None:
                lo, hi = {"one or more": (1, 6), "several": (2, 8), "many": (3, 30), "multiple": (2, 6), "some": (1, 6),
                          "a few": (1, 5), "zero or more": (0, 6), "a list of": (1, 8)}.get(q, (1, 5))
            elif lo is None:
                lo, hi = {"up to": (0, hi), "at most": (0, hi), "at least": (hi, hi * 4), "exactly": (hi, hi)}.get(
                    q, (max(1, round(hi * 0.5)), round(hi * 1.5 + 0.5)) if q in ("about", "around", "roughly", "on average")
                    else (hi, hi))
            rules.append(Rule("per", target=c, other=g["p"], args={"lo": lo, "hi": hi}, text=t.text[m.start():m.end()]))
            t.take(m.start() if i else max(tail, m.start()), m.end())
            counted = re.search(r"(?<![\w.])(\d{1,6})\s*$", t.low[:m.start()])
            if counted and i in (4, 5):  # "8 departments, each with 10-40 employees": 8 of them
                rules.append(Rule("count", target=g["p"], args={"n": int(counted.group(1))},
                                  text=t.text[counted.start():m.start("p") + len(g["p"])]))
                t.take(counted.start(), m.start())
    for rx in OWNS_RXS[1:]:
        for m in list(rx.finditer(t.low)):
            if t.free(m.start(), m.end()):
                rules.append(Rule("owns", target=m.group("c"), other=m.group("p"), text=t.text[m.start():m.end()]))
                t.take(m.start(), m.end())


FORMULA_RX = re.compile(r"\s*(?:=|==|equals|is equal to|is computed as|is calculated as|is defined as|is derived as|"
                        r"is derived from|computed as|calculated as|should equal|must equal|should be|must be|is always|"
                        r"is just|is simply|is)\s+", re.I)
EXPR_TOKEN = re.compile(r"\s*(?:(?P<num>[$€£¥₹]?\d+(?:\.\d+)?)\s*(?P<pct>%|percent\b)?|(?P<op>\+|-|\*|/|\^|\(|\)|x(?=\s)|"
                        r"plus\b|minus\b|times\b|multiplied by\b|divided by\b|over\b(?=\s+\d)|per\b|less\b|"
                        r"of\b|and\b)|(?P<word>[a-z][\w'-]*))", re.I)
OPS = {"+": "+", "plus": "+", "-": "-", "minus": "-", "less": "-", "*": "*", "x": "*", "times": "*",
       "multiplied by": "*", "/": "/", "divided by": "/", "over": "/", "^": "**", "(": "(", ")": ")"}
ROUND_RX = re.compile(r",?\s*(?:and\s+)?(?:rounded|round)\s+(?:(?:up|down|off)\s+)?(?:to\s+)?(?:the\s+)?(?:nearest\s+)?"
                      r"(?P<w>cents?|pennies|penny|whole\s+(?:numbers?|dollars?|euros?|units?)|dollars?|euros?|integers?|"
                      r"units?|(?P<n>\d+|one|two|three)\s+decimals?(?:\s+places?)?|tenths?|hundredths?|"
                      r"(?P<n2>\d+|one|two)\s+(?:dp|d\.p\.|places))", re.I)


def read_round(t: Text, rules: list[Rule]) -> None:
    for m in list(ROUND_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        w = m.group("w").lower()
        n = m.group("n") or m.group("n2")
        if n:
            decimals = WORD_NUMBERS.get(n, None) if not n.isdigit() else int(n)
        elif w.startswith(("cent", "penn", "hundredth")):
            decimals = 2
        elif w.startswith("tenth"):
            decimals = 1
        else:
            decimals = 0
        rules.append(Rule("round", args={"decimals": decimals or 0}, text=m.group(0)))
        t.take(m.start(), m.end())


NUMBER_NOUNS = {"a", "an", "the", "base", "flat", "fixed", "fee", "charge", "base fee", "flat fee", "fixed fee", "base fare",
                "base charge", "flat rate", "starting", "initial", "booking fee", "service fee", "minimum", "dollars", "euros",
                "pounds", "usd", "eur", "gbp", "a base", "a flat", "a fixed", "a base fee", "a flat fee", "a fixed fee"}


def parse_expr(text: str) -> list[tuple[str, str]] | None:
    """An arithmetic phrase as tokens: ('num', '3'), ('op', '+'), ('field', 'unit price'),
    ('pct', '10'); None when it is not arithmetic ('3 plus 1.80 per km' is)."""
    out: list[tuple[str, str]] = []
    pos, low = 0, text.lower()
    words: list[str] = []

    def flush() -> None:
        if words:
            out.append(("field", " ".join(words)))
            words.clear()

    while pos < len(low):
        m = EXPR_TOKEN.match(low, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
        if m.group("num"):
            flush()
            value = m.group("num").lstrip("$€£¥₹")
            out.append(("pct" if m.group("pct") else "num", value))
        elif m.group("op"):
            op = " ".join(m.group("op").lower().split())
            if op in ("of", "and"):
                if op == "of" and out and out[-1][0] == "pct":
                    flush()
                    out.append(("op", "*"))
                    continue
                if words:
                    words.append(op)
                    continue
                break
            flush()
            out.append(("op", "per" if op == "per" else OPS[op]))
        else:
            words.append(m.group("word"))
    flush()
    # "a $2.50 base plus $1.75 per mile": words that only say what a number is are no field
    out = [(k, v) for i, (k, v) in enumerate(out) if not (k == "field" and re.sub(r"\s+of$", "", v) in NUMBER_NOUNS and (
        (i + 1 < len(out) and out[i + 1][0] in ("num", "pct")) or (i > 0 and out[i - 1][0] in ("num", "pct"))))]
    for i in range(len(out) - 2):  # "0-40" is a range, not a subtraction
        if out[i][0] == "num" and out[i + 1] == ("op", "-") and out[i + 2][0] == "num" and re.search(
                rf"\b{re.escape(out[i][1])}-{re.escape(out[i + 2][1])}\b", low):
            return None
    if any(k == "field" and len(v.split()) > 4 for k, v in out):
        return None  # a clause, not a field
    ops = sum(1 for k, v in out if k == "op" and v not in ("(", ")"))
    if not ops and not any(k == "pct" for k, _ in out):
        if len(out) == 1 and out[0][0] in ("field", "num"):
            return out  # "the invoice amount equals the plan price": a copy
        return None
    return out


def read_formulas(t: Text, rules: list[Rule], own: bool) -> None:
    """'total = quantity * unit price', 'The fare is 3 plus 1.80 per km', 'monthly gross pay = salary
    / 12', 'check-out date = check-in + nights', 'tax is 10% of the subtotal', 'a 10% tax'."""
    for m in list(re.finditer(r"(?P<op>=|==|\bequals\b|\bis equal to\b|\bis computed as\b|\bis calculated as\b|"
                              r"\bis defined as\b|\bcomputed as\b|\bcalculated as\b|\bshould equal\b|\bmust equal\b|"
                              r"\bis\b|\bare\b|\bof\b(?=\s+[$€£¥₹]?\d+(?:\.\d+)?\s+(?:plus|\+)))", t.low)):
        if not t.free(m.start(), m.end()):
            continue
        end = len(t.low)
        stop = re.search(r"[;,)]|\s+(?:and\s+)?(?:about|roughly|around|approximately)\s+\d+\s*%|\s+(?:with|where|while|"
                         r"but|which|so|for each|and the|and a|and an|and about|that)\s", t.low[m.end():])
        if stop:
            end = m.end() + stop.start()
        expr_text = t.text[m.end():end].strip()
        tokens = parse_expr(expr_text)
        if not tokens:
            continue
        kinds = [k for k, _ in tokens]
        is_word = m.group("op").lower() in ("is", "are", "of")
        if is_word and not any(v in ("+", "-", "*", "/", "per") for k, v in tokens if k == "op") and "pct" not in kinds:
            continue  # "the fare is high" is not arithmetic
        if is_word and kinds and kinds[0] == "field" and len(tokens) == 1:
            continue
        if "field" not in kinds and "per" not in [v for k, v in tokens if k == "op"] and "pct" not in kinds:
            continue
        left, start = t.words_before(m.start(), 5, CLAUSE_BREAK)
        # in a list item the words before '=' name the item's own field: they stay its name
        target = "" if own else clean_mention(left)
        args: dict[str, Any] = {"tokens": tokens, "copy": len(tokens) == 1}
        for key, words in (("cap", r"capped at|up to a maximum of|to a maximum of|with a maximum of|(?:but\s+)?no more than|"
                                   r"not exceeding|maximum(?: of)?|max(?: of)?|at most"),
                           ("floor", r"with a minimum of|minimum(?: of)?|min(?: of)?|at least|(?:but\s+)?no less than")):
            bound = re.match(rf"\s*,?\s*(?:and\s+)?(?:{words})\s+(?:[$€£¥₹]\s*)?(?P<n>\d+(?:\.\d+)?)", t.low[end:])
            if bound:
                args[key] = float(bound.group("n"))
                end += bound.end()
        rules.append(Rule("formula", target=target, args=args, text=t.text[start:end]))
        t.take(m.start() if own else start, end)
    for m in list(re.finditer(r"\b(?P<what2>tax|vat|gst|sales tax|service charge|service fee|tip|gratuity|discount|"
                              r"commission|surcharge|markup|deposit)\s+(?:of|at|is|=|rate of)?\s*(?P<p2>\d+(?:\.\d+)?)\s*%(?!\s*(?:-|–|to|and)\s*\d)",
                              t.low)):  # "VAT 23%", "tax at 8%"
        if t.free(m.start(), m.end()):
            rules.append(Rule("percent_of", target=m.group("what2"), args={"p": float(m.group("p2")) / 100},
                              text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(re.finditer(r"\b(?:a|an|plus|with|incl\.?|including|includes?|add(?:ing)?|at)?\s*(?P<p>\d+(?:\.\d+)?)\s*%\s+"
                              r"(?P<what>tax|vat|gst|sales tax|service charge|service fee|tip|gratuity|discount|"
                              r"commission|fee|surcharge|markup|deposit|interest)\b", t.low)):
        if t.free(m.start(), m.end()):
            rules.append(Rule("percent_of", target=m.group("what"), args={"p": float(m.group("p")) / 100},
                              text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())


def read_superlatives(t: Text, rules: list[Rule], own: bool) -> None:
    """'suites most expensive, standard cheapest': a value at the top or the bottom of a field."""
    for m in list(SUPER_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        word = m.group("c").lower()
        right, end = t.words_after(m.end(), 2)
        if word in ("most", "least") and right and not re.match(r"^(?:expensive|popular|common|frequent|likely|"
                                                                r"valuable|profitable)\b", right.lower()):
            continue
        left, start = t.words_before(m.start(), 3)
        who = clean_mention(re.sub(r"\b(?:are|is|being|the)\b", " ", left))
        if not who:
            continue
        sign = SUPERLATIVES.get(word, 1)
        measure = clean_mention(right)
        if word in ("most", "least"):
            first = right.lower().split()[0] if right else ""
            measure = ""
            if first in ("common", "frequent", "popular", "likely"):
                rules.append(Rule("mode", other=who, args={"sign": sign}, text=t.text[start:end]))
                t.take(start, end)
                continue
        rules.append(Rule("rank", target=measure if not own else "", other=who, args={"sign": sign},
                          text=t.text[start:end]))
        t.take(start, end)


COMP_WORDS = sorted(COMPARATIVES, key=len, reverse=True)
COMP_RX = re.compile(r"\b(?:(?:much|far|slightly|significantly|considerably|somewhat|a bit|a lot|many|substantially|"
                     r"noticeably|way|typically|generally|usually|on average|about)\s+)?(?P<c>" +
                     "|".join(re.escape(c) for c in COMP_WORDS) + r")\b", re.I)
SUPER_RX = re.compile(r"\b(?:the\s+)?(?P<c>" + "|".join(re.escape(c) for c in sorted(SUPERLATIVES, key=len, reverse=True)) +
                      r")\b", re.I)
TREND_RX = re.compile(r"\b(?P<v>" + "|".join(re.escape(v) for v in sorted(TREND_VERBS, key=len, reverse=True)) +
                      r")\s+(?:(?:strongly|roughly|linearly|steadily|sharply|slightly|weakly|closely)\s+)?"
                      r"(?:with|as|alongside|in line with|to)\s+(?:the\s+)?", re.I)
MORE_MEANS_RX = re.compile(r"\b(?:the\s+)?(?P<c1>more|higher|bigger|larger|longer|greater|less|fewer|lower|smaller|shorter)\s+"
                           r"(?P<a>[\w'-]+(?:\s+[\w'-]+){0,2}?)\s*(?:,\s*|\s+)(?:means?|leads? to|gives?|brings?|results? in|"
                           r"causes?|the)\s+(?:a\s+|the\s+)?(?P<c2>more|higher|bigger|larger|longer|greater|less|fewer|"
                           r"lower|smaller|shorter)\s+(?P<b>[\w'-]+(?:\s+[\w'-]+){0,2})", re.I)
DEPENDS_RX = re.compile(r"\b(?P<v>depends? on|depending on|varies by|vary by|varying by|differs? by|varies with|vary with|"
                        r"according to|is driven by|are driven by|determined by|influenced by|based on|tied to|"
                        r"a function of|affected by)\s+(?:the\s+)?", re.I)
SHIFT_RX = re.compile(r"\b(?P<v>drops?|falls?|decreases?|declines?|goes down|go down|improves?|rises?|increases?|goes up|"
                      r"go up|gains?|loses?|reduces?|lowers?)\s+(?:by\s+)?(?:about\s+|around\s+|roughly\s+|approximately\s+|"
                      r"an extra\s+|a further\s+)?(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>[a-z%]+)?\s+(?P<more>more|less|further|extra)"
                      r"(?:\s+than\s+(?:the\s+)?(?P<h>[\w'-]+(?:\s+[\w'-]+)?))?", re.I)
POPULAR_RX = re.compile(r"\b(?:popular|top|best[- ]selling|bestselling|hit|famous|well-known)\s+(?P<a>[\w'-]+)\s+(?:get|gets|"
                        r"receive|receives|have|has|see|sees|attract|attracts)\s+(?:many\s+|far\s+|much\s+|a lot\s+)?"
                        r"more\s+(?P<b>[\w'-]+)", re.I)
TIME_GROUP_RX = re.compile(r"\b(?:in|on|at|during|over|for|around)\s+(?:the\s+)?(?P<g>" +
                           "|".join(re.escape(w) for w in sorted(list(SEASONS) + list(DAYPARTS) + list(WEEKPARTS),
                                                                key=len, reverse=True)) +
                           r")(?:\s+(?:months?|season|hours?|days?|time))?(?:\s*\((?P<p>[^)]*)\))?", re.I)
TIME_SUBJECT_RX = re.compile(r"^(?:the\s+)?(?P<g>" + "|".join(re.escape(w) for w in sorted(
    list(SEASONS) + list(DAYPARTS) + list(WEEKPARTS), key=len, reverse=True)) +
    r")(?:\s+(?:months?|season|hours?|days?|time|shifts?))?(?:\s*\((?P<p>[^)]*)\))?", re.I)


def time_group(name: str, paren: str | None) -> dict[str, Any] | None:
    """'evening (17:00-22:00)' -> hours 17..22; 'summer months (June-August)' -> months 6,7,8."""
    name = name.lower()
    if paren:
        m = re.match(rf"\s*(?P<a>{HOUR})\s*(?:-|to|until)\s*(?P<b>{HOUR})\s*$", paren.lower())
        if m and hour_of(m.group("a")) is not None and hour_of(m.group("b")) is not None:
            return {"of": "hour", "range": [hour_of(m.group("a")), hour_of(m.group("b"))]}
        m = re.match(rf"\s*(?P<a>{MONTH_RX})\s*(?:-|to|through|until)\s*(?P<b>{MONTH_RX})\s*$", paren.lower())
        if m:
            a, b = MONTHS[m.group("a")[:3]], MONTHS[m.group("b")[:3]]
            months = list(range(a, b + 1)) if a <= b else list(range(a, 13)) + list(range(1, b + 1))
            return {"of": "month", "in": months}
    if name in SEASONS:
        return {"of": "month", "in": SEASONS[name]}
    if name in DAYPARTS:
        return {"of": "hour", "range": list(DAYPARTS[name])}
    if name in WEEKPARTS:
        return {"of": "weekday", "in": WEEKPARTS[name]}
    return None


def read_dependence(t: Text, rules: list[Rule], own: bool) -> None:
    """What grows with what: comparatives ('the night shift has a higher failure rate than the
    others', 'Large pizzas cost more than medium, medium more than small'), superlatives ('suites
    most expensive'), 'more X means more Y', 'X grows with Y', 'depending on', time groups ('higher
    in the evening (17:00-22:00) than at night', 'in summer', 'on weekends'), shifts ('the treatment
    arm should drop about 10 mmHg more than placebo') and popularity ('popular movies get more ratings')."""
    for m in list(POPULAR_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            rules.append(Rule("popular", target=m.group("b"), other=m.group("a"), text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(MORE_MEANS_RX.finditer(t.low)):
        if t.free(m.start(), m.end()):
            sign = COMPARATIVES.get(m.group("c1").lower(), 1) * COMPARATIVES.get(m.group("c2").lower(), 1)
            rules.append(Rule("corr", target=clean_mention(m.group("b")), other=clean_mention(m.group("a")),
                              args={"sign": sign}, text=t.text[m.start():m.end()]))
            t.take(m.start(), m.end())
    for m in list(SHIFT_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        verb = m.group("v").lower()
        down = verb.startswith(("drop", "fall", "decreas", "declin", "goes down", "go down", "los", "reduc", "lower"))
        left, start = t.words_before(m.start(), 5)
        amount = float(m.group("n")) * (-1 if down else 1)
        if m.group("more").lower() == "less":
            amount = -amount
        rules.append(Rule("shift", target="", other=clean_mention(left),
                          args={"amount": amount, "than": clean_mention(m.group("h") or ""), "unit": m.group("unit") or "",
                                "verb": verb}, text=t.text[start:m.end()]))
        t.take(start, m.end())
    for m in list(TREND_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        left, start = t.words_before(m.start(), 4)
        right, end = t.words_after(m.end(), 4)
        if clean_mention(left) and clean_mention(right) or (own and clean_mention(right)):
            sign = TREND_VERBS[m.group("v").lower()]
            rules.append(Rule("corr", target=clean_mention(left), other=clean_mention(right), args={"sign": sign},
                              text=t.text[start:end]))
            t.take(start, end)
    for m in list(DEPENDS_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        left, start = t.words_before(m.start(), 4)
        right, end = t.words_after(m.end(), 4)
        if clean_mention(right):
            rules.append(Rule("depends", target=clean_mention(left), other=clean_mention(right), text=t.text[start:end]))
            t.take(start, end)
    read_comparisons(t, rules, own)


def read_comparisons(t: Text, rules: list[Rule], own: bool) -> None:
    found = [m for m in COMP_RX.finditer(t.low) if t.free(m.start(), m.end())]
    # "later than", "more than" after a number belong to other rules
    found = [m for m in found if not re.match(r"\s+than\s+\d", t.low[m.end():])]
    found = [m for m in found if not (m.group("c").lower() == "later" and re.match(r"\s+than\b", t.low[m.end():]) and
                                      re.search(r"(?:date|time|at)\b", t.low[m.end():m.end() + 40]))]
    found = [m for m in found if not (m.group("c").lower() in ("more", "less") and
                                      re.match(r"\s+(?:than\s+)?\d", t.low[m.end():]))]
    group: dict[str, Any] | None = None
    chain_measure = ""
    for idx, m in enumerate(found):
        if not t.free(m.start(), m.end()):
            continue
        comp = m.group("c").lower()
        sign = COMPARATIVES[comp]
        left, start = t.words_before(m.start(), 5)
        right, end = t.words_after(m.end(), 4, CLAUSE_BREAK | {"on"})
        who_verb = re.search(r"\b(?:who|that|which)\s+([a-z]+)\s*$", t.low[max(0, m.start() - 40):m.start()])
        if who_verb and group is None and idx + 1 < len(found) and comp in ("more", "less", "longer", "harder", "faster"):
            # "Students who study more get higher final scores": the group is how much they study
            group = {"text": who_verb.group(1), "sign": sign, "word": comp, "threshold": ""}
            t.take(m.start() - len(who_verb.group(0)), m.end())
            continue
        # the object of the comparison, and what it is compared with
        tail = t.low[end:]
        place = re.match(r"\s*(?:on average\s+)?(?:for|in|on|at|during|among|with|from)\s+(?:the\s+)?(?P<g>[^,;.()]*?)"
                         r"(?:\s*\((?P<p>[^)]*)\))?(?=\s+than\b|[,;.]|$)", tail)
        g_text, g_paren = "", None
        if place and not re.match(r"^(?:the\s+)?(?:funnel|average|general|total|whole)\b", place.group("g")):
            g_text, g_paren = place.group("g"), place.group("p")
            end += place.end()
            tail = t.low[end:]
        elif place:
            end += place.end()
            tail = t.low[end:]
        than = re.match(r"\s*(?:on average\s+)?than\s+(?:for\s+|in\s+|on\s+|at\s+|during\s+|with\s+|among\s+)?(?:the\s+)?"
                        r"(?P<h>[^,;.()]*?)(?:\s*\((?P<hp>[^)]*)\))?(?=[,;.]|\s+and\s|\s+but\s|$)", tail)
        h_text = ""
        if than:
            h_text = than.group("h")
            end += than.end()
        paren_left = re.search(r"\(([^()]*)\)\s*[\w\s]*$", t.text[max(0, start - 40):m.start()])
        # "Younger drivers (under 25) file bigger claims": the first comparative names the group
        next_comp = found[idx + 1] if idx + 1 < len(found) else None
        words_between = t.low[m.end():next_comp.start()] if next_comp else ""
        verbs = (r"\b(?:are|is|get|gets|have|has|file|files|pay|pays|spend|spends|see|sees|earn|earns|make|makes|take|"
                 r"takes|cost|costs|receive|receives|show|shows|buy|buys|use|uses|tend|tends|churn|churns|stay|stays|"
                 r"book|books|place|places|need|needs|default|defaults|drink|drinks|eat|eats|travel|travels|"
                 r"give|gives|leave|leaves|visit|visits|watch|watches|buy|work|works|sleep|sleeps|drive|drives|"
                 r"borrow|borrows|save|saves|generate|generates|produce|produces|consume|consumes|require|requires)\b")
        between_words = re.sub(r"\([^()]*\)", " ", words_between).split()
        if next_comp and group is None and 2 <= len(between_words) <= 7 and not than and not place:
            split = re.split(verbs, words_between)
            subject = split[0] if len(split) > 1 else " ".join(words_between.split()[:-1])
            paren = re.search(r"\(([^()]*)\)", subject)
            group = {"text": clean_mention(re.sub(r"\([^()]*\)", " ", subject)), "sign": sign, "word": comp,
                     "threshold": paren.group(1) if paren else ""}
            t.take(m.start(), m.end() + len(subject))
            continue
        measure = clean_mention(right) if comp not in ("more often", "less often", "more likely", "less likely",
                                                       "more frequently", "less frequently") else ""
        lead = clean_mention(re.sub(r"\([^()]*\)", " ", left))
        verb = re.search(r"\b(cost|costs|pay|pays|spend|spends|earn|earns|charge|charges|fail|fails|churn|churns|"
                         r"file|files|approved|accepted|hired|converted|cancel|cancels|return|returns|default|"
                         r"defaults|last|lasts|take|takes|wait|waits|stay|stays|sell|sells|rated|"
                         r"bought|buy|buys|click|clicks|open|opens|use|uses|get further|go further|weigh|weighs|"
                         r"tip|tips|drive|drives|travel|travels|book|books|visit|visits|sleep|sleeps|"
                         r"are late|is late|late)\b", left.lower())
        if comp in ("more often", "less often", "more likely", "less likely", "more frequently", "less frequently"):
            # "are approved more often": the verb before names what happens
            pred = clean_mention(re.sub(r"^.*\b(?:are|is|get|gets|be|being|to be|to)\s+", "", left.lower()))
            pred = clean_mention(re.sub(r"\([^()]*\)", " ", pred))
            measure, lead = pred.split()[-1] if pred else "", clean_mention(re.sub(r"\b(?:are|is|get|gets)\b.*$", "",
                                                                                   left.lower()))
            if right and re.match(r"^(?:to\s+)?\w+", right):  # "more likely to churn"
                measure = clean_mention(re.sub(r"^to\s+", "", right.lower()))
        elif not measure and verb:
            measure = verb.group(1)
            lead = clean_mention(re.sub(r"\([^()]*\)", " ", left[:verb.start()] if verb else left))
        elif not measure and chain_measure:
            measure = chain_measure
        if lead and re.search(r"\b(?:is|are|was|were)\s*$", left.lower()) and measure == "" and not verb and \
                not TIME_SUBJECT_RX.match(lead) and not TIME_GROUP_RX.search(left):
            measure, lead = lead, ""  # "consumption is higher in the evening"
        elif lead and measure and re.search(r"\b(?:is|are)\s*$", left.lower()) and not g_text and not verb and \
                not re.search(r"\b(?:has|have|get|gets)\b", left.lower()):
            pass
        if not lead and not g_text and not h_text and not (group and measure):
            if own and measure:
                lead = ""
            elif not measure:
                continue
        time_g = None
        if g_text:
            tm = TIME_SUBJECT_RX.match(g_text.strip())
            time_g = time_group(tm.group("g"), tm.group("p") or g_paren) if tm else None
        if lead and not time_g:
            tm = TIME_SUBJECT_RX.match(lead)
            lp = re.search(r"\(([^()]*)\)", left)
            if tm:
                time_g = time_group(tm.group("g"), tm.group("p") or (lp.group(1) if lp else None))
            inner = TIME_GROUP_RX.search(left)
            if not tm and inner:  # "trips at night (10pm-4am) are longer"
                time_g = time_group(inner.group("g"), inner.group("p"))
                if time_g:
                    lead = clean_mention(left[:inner.start()])
        h_time = None
        if h_text:
            tm = TIME_SUBJECT_RX.match(h_text.strip())
            h_time = time_group(tm.group("g"), tm.group("p") or (than.group("hp") if than else None)) if tm else None
        args: dict[str, Any] = {"sign": sign, "word": comp, "than": clean_mention(h_text), "verb": verb.group(1) if verb else ""}
        if time_g:
            args["time"] = time_g
            if h_time:
                args["than_time"] = h_time
        if group:
            args["by_number"] = group
        if paren_left and not group and not time_g:
            args["threshold"] = paren_left.group(1)
        who = g_text if g_text and not time_g else lead
        rules.append(Rule("more", target=measure, other=clean_mention(re.sub(r"\([^()]*\)", " ", who)), args=args,
                          text=t.text[start:end]))
        t.take(start, end)
        chain_measure = measure or chain_measure
        group = None if not group else group
    for m in list(TIME_GROUP_RX.finditer(t.low)):
        if not t.free(m.start(), m.end()):
            continue
        before = t.low[max(0, m.start() - 60):m.start()]
        comp = re.search(r"\b(higher|more|busier|bigger|larger|lower|less|fewer|cheaper|pricier|peak|spike|spikes|"
                         r"surge|surges|jump|jumps|dip|dips|drop|drops)\b[^,;.]*$", before)
        if not comp:
            continue
        sign = -1 if comp.group(1) in ("lower", "less", "fewer", "cheaper", "dip", "dips", "drop", "drops") else 1
        left, start = t.words_before(m.start() - len(before) + comp.start(), 4)
        g = time_group(m.group("g"), m.group("p"))
        rules.append(Rule("more", target=clean_mention(left + " " + t.text[m.start() - len(before) + comp.end():m.start()]),
                          args={"sign": sign, "time": g, "word": comp.group(1)}, text=t.text[start:m.end()]))
        t.take(start, m.end())


def read_rules(text: str, own: bool = False) -> tuple[list[Rule], str]:
    """Every rule in a clause, and the words no rule used."""
    t = Text(text)
    rules = read_clause(t, own)
    return rules, t.rest()


def read_clause(t: Text, own: bool) -> list[Rule]:
    rules: list[Rule] = []
    read_round(t, rules)
    read_per(t, rules)
    read_time(t, rules)
    read_order(t, rules, own)
    read_spans(t, rules)
    read_conditional(t, rules, own)
    read_caps(t, rules, own)
    read_formulas(t, rules, own)
    read_superlatives(t, rules, own)
    read_shares(t, rules, own)
    read_window(t, rules)
    read_dependence(t, rules, own)
    read_counts(t, rules)
    mode = next((r for r in rules if r.kind == "mode" and r.other and int(r.args.get("sign", 1)) > 0), None)
    amount = re.search(r"(?:^|[,;(]|\band\b)\s*(?:about|around|roughly|nearly|almost|approximately)?\s*(?P<q>half|a third|a "
                       r"quarter|two thirds|(?P<n>\d+(?:\.\d+)?)\s*%)\s*\)?\s*$", t.low)
    if mode and amount and t.free(amount.start("q"), amount.end("q")):  # "outbound are the most common, about half"
        q = amount.group("q")
        p = float(amount.group("n")) / 100 if amount.group("n") else {"half": 0.5, "a third": 0.33, "a quarter": 0.25,
                                                                       "two thirds": 0.67}[q]
        rules.append(Rule("share", target=mode.other, args={"p": p}, text=t.text[amount.start():amount.end()]))
        t.take(amount.start(), amount.end())
    rare = re.match(r"^\s*(?P<x>[a-z][\w'-]*(?:\s+[a-z][\w'-]*){0,2}?)\s+(?:are|is)\s+(?:(?P<very>very|quite|extremely)\s+)?"
                    r"(?P<q>rare|uncommon|unusual|infrequent|common|frequent)\s*$", t.low)
    if rare and t.free(0, len(t.low)):  # "adjustments are rare"
        p = {"rare": 0.04, "uncommon": 0.08, "unusual": 0.06, "infrequent": 0.06, "common": 0.4, "frequent": 0.4}[rare.group("q")]
        if rare.group("very"):
            p = p / 2 if p < 0.2 else min(0.6, p * 1.4)
        rules.append(Rule("share", target=clean_mention(rare.group("x")), args={"p": p, "vague": True}, text=t.text))
        t.take(0, len(t.low))
    rounding = next((r for r in rules if r.kind == "round"), None)
    formula = next((r for r in rules if r.kind == "formula"), None)
    if rounding and formula:  # "The fare is 3 plus 1.80 per km, rounded to cents"
        formula.args["decimals"] = rounding.args["decimals"]
        rules.remove(rounding)
    return rules


CLAUSE_HINT = re.compile(r"\b(?:is|are|was|were|has|have|get|gets|should|must|will|more|less|higher|lower|after|before|"
                         r"than|per|each|every|%|=|depends?|depending|grows?|increases?|decreases?|most|cheapest|"
                         r"between|within|later|earlier|equals|plus|times|rounded|normally|target|around|usually|"
                         r"mostly|only|during|about|sd|blank|empty|like|format|letter|split|average|mean|median)\b|%|=", re.I)
VALUE_SEP = re.compile(r",|/|\bor\b|\x00|;", re.I)


def read_item(source: str) -> Item:
    """One field phrase: its name, its range and values, and the rules its words carry."""
    text = source.strip(" .")
    item = Item(text, source.strip())
    # parentheses: a list of values, or a clause about this field ("dropoff is 5 to 90 minutes after pickup")
    for inner in PARENS.findall(text):
        like_new = re.match(r"^\s*like\s+new\b", inner, re.I)  # "(like new, good, fair)": a value, not "e.g."
        if re.match(r"^\s*(?:e\.g\.?|eg|such as|like|for example|for instance|incl\.?|including)\b", inner, re.I) and \
                not like_new:
            item.rules.append(Rule("examples", args={}))
        body = re.sub(r"^(?:e\.g\.?|eg|i\.e\.|such as|like(?!\s+new\b)|for example|for instance|one of|values?|options?|"
                      r"either|incl\.?|including)\s*:?\s*", "", inner.strip(), flags=re.I)
        bands = read_bands(inner)
        if bands is not None:  # "grade (A if 70 or more, B if 60-69, otherwise F)"
            item.rules.append(bands)
            item.values = [b[0] for b in bands.args["bands"]] + [bands.args["otherwise"]]
            text = text.replace(f"({inner})", " ")
            continue
        letters = re.fullmatch(r"\s*([A-Z])\s*(?:-|–|to|through)\s*([A-Z])\s*", body)
        if letters and 0 < ord(letters.group(2)) - ord(letters.group(1)) <= 12:  # "EPC rating (A-G)"
            item.values = [chr(c) for c in range(ord(letters.group(1)), ord(letters.group(2)) + 1)]
            text = text.replace(f"({inner})", " ")
            continue
        parts = [i.strip(" .") for i in VALUE_SEP.split(body) if i.strip(" .")]
        looks_like_values = len(parts) >= 2 and all(len(p.split()) <= 4 for p in parts) and not any(
            re.search(r"\d+\s*(?:-|to)\s*\d+|%|\bthan\b|\bafter\b|\bbefore\b|\bmost\b|\bcheapest\b|\bsd\b|=|\bper\b|"
                      r"\btarget\b|\bnormally\b|\bbetween\b|\baround\b|\babout\b", p, re.I) for p in parts)
        if looks_like_values and not (len(parts) == 2 and all(re.fullmatch(r"\d+(?:\.\d+)?", p) for p in parts)
                                      and False):
            values = parts
            if item.values is None:
                item.values = values
            text = text.replace(f"({inner})", " ")
            continue
        condition = read_condition(inner)
        if condition:
            item.rules.append(condition)
            text = text.replace(f"({inner})", " ")
            continue
        sub = Text(inner)
        sub_item = Item(inner, inner)
        read_misc(sub, sub_item)
        rules = read_clause(sub, own=True)
        read_distribution(sub, sub_item)
        read_range(sub, sub_item)
        rest = sub.rest()
        item.rules += sub_item.rules + rules
        if sub_item.low is not None or sub_item.high is not None:
            item.low, item.high = sub_item.low, sub_item.high
        item.currency = item.currency or sub_item.currency
        leftover = [w for w in re.findall(r"[A-Za-z][\w'-]*", rest) if w.lower() not in EDGE_WORDS]
        if not leftover or rules or sub_item.rules or sub_item.low is not None or sub_item.high is not None:
            text = text.replace(f"({inner})", " ")
        elif len(parts) == 1 and len(parts[0].split()) <= 5 and item.values is None:
            text = text.replace(f"({inner})", " ")  # "(tracking scans)": another name for it
            item.rules.append(Rule("alias", args={"text": parts[0]}))
    t = Text(text)
    rules, _ = [], None
    read_round(t, item.rules)
    read_per(t, item.rules)
    read_time(t, item.rules)
    read_order(t, item.rules, own=True)
    read_conditional(t, item.rules, own=True)
    read_caps(t, item.rules, own=True)
    read_formulas(t, item.rules, own=True)
    read_superlatives(t, item.rules, own=True)
    read_shares(t, item.rules, own=True)
    read_window(t, item.rules)
    read_misc(t, item)
    read_distribution(t, item)
    read_range(t, item)
    read_dependence(t, item.rules, own=True)
    read_counts(t, item.rules)
    text = t.rest()
    if item.values is None:
        m = re.search(r"(?P<a>\d+(?:\.\d+)?)\s+or\s+(?P<b>\d+(?:\.\d+)?)(?:\s+(?P<u>[a-z]+))?\s*$", text, re.I)
        if m:
            item.values = [m.group("a"), m.group("b")]
            text = text[:m.start()] + " " + (m.group("u") or "")
    if item.values is None:
        m = re.search(r"(?:^|\s)(?P<a>[A-Z][\w'+-]*)\s+or\s+(?P<b>[A-Z][\w'+-]*)\s*$", text)
        if m and len(text[:m.start()].split()) >= 1:
            item.values = [m.group("a"), m.group("b")]
            text = text[:m.start()]
    if item.values is None:
        m = re.search(r"(?:^|\s)(?:(?:whether|if)\s+(?:it'?s|it is|they are|they're|the \w+ is|there is|there was)?\s*)?"
                      r"(?P<a>[\w'+-]+(?:\s+[\w'+-]+)?)\s+or\s+(?P<b>[\w'+-]+(?:\s+[\w'+-]+)?)\s*$", text, re.I)
        whether = re.match(r"^\s*(?:whether|if)\b", text, re.I)
        if m and (whether or len(text.split()) <= 4 or re.fullmatch(r"\d+", m.group("a"))):
            a, b = m.group("a"), m.group("b")
            head = text[:m.start()].strip()
            unit = re.match(r"^(\d+)\s+([a-z]+)$", b)
            if re.fullmatch(r"\d+", a) and unit:  # "loan term 36 or 60 months"
                item.values = [a, unit.group(1)]
                text = head + " " + unit.group(2)
            elif whether:
                item.values = [a, b]
                text = head or ""
                item.rules.append(Rule("whether", args={}))
            elif not head and len(a.split()) == 1 and len(b.split()) == 1 and a.lower() not in ("yes",):
                item.values, text = [a, b], ""
                item.rules.append(Rule("whether", args={}))
    if item.values is None:
        for group in re.findall(r"(?<![\w/])([A-Za-z0-9][\w+.'-]*(?:\s*/\s*[A-Za-z0-9][\w+.'-]*)+)(?![\w/])", text):
            items = [i.strip() for i in group.split("/")]
            if group.lower().replace(" ", "") in NOT_LISTS or not all(len(i) >= 2 or i.lower() in "yntfabc01" for i in items):
                continue
            if all(re.fullmatch(r"\d+", i) for i in items):
                continue
            item.values = items
            text = text.replace(group, " ")
            break
    if item.values is None:
        m = re.search(r"\(?\b([A-Z0-9])\s+or\s+([A-Z0-9])\b\)?", text)
        if m and m.group(1) != m.group(2):
            item.values = [m.group(1), m.group(2)]
            text = text.replace(m.group(0), " ")
    if item.values:
        priced = [re.search(r"(?:[$€£¥₹]|r\$)\s?(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)\s*(?:usd|eur|gbp|dollars?|euros?)\b", v, re.I)
                  for v in item.values]
        if sum(1 for x in priced if x) * 2 >= len(item.values) and len(item.values) >= 2:
            item.rules.append(Rule("prices", args={"prices": [float(x.group(1) or x.group(2)) if x else 0.0 for x in priced]}))
            item.values = [re.sub(r"\s*(?:[$€£¥₹]|r\$)?\s?\d+(?:\.\d+)?\s*(?:usd|eur|gbp|dollars?|euros?|/\s*mo(?:nth)?|"
                                  r"per month|a month)?\s*", " ", v, flags=re.I).strip(" -:") or v for v in item.values]
    if item.values and {v.lower() for v in item.values} in BOOL_SETS:
        item.values, item.boolean = None, True
    text = re.sub(r"\bwhether\s+(?:it'?s|it is|the|they|there is|there was|or not)?\b", " ", text, flags=re.I)
    text = re.sub(r"\bor not\b", " ", text, flags=re.I)
    count = re.match(r"^(?:the\s+)?(?:number|no\.|num|count|amount|total number|how many) (?:of\s+)?(.+)$", text.strip(), re.I)
    if count and not re.match(r"^(?:amount)\b", text.strip(), re.I) or (count and re.match(r"^amount of\s+\w+s\b", text.strip(), re.I)):
        item.count_of, text = True, count.group(1)
    item.text = re.sub(r"\s+", " ", text).strip(" .:-,")
    item.text = re.sub(r"^(?:(?:the|a|an|its|their|and|with|of|in|each|every)\s+)+", "", item.text, flags=re.I)
    item.text = re.sub(r"\s+(?:(?:in|of|for|with|the|a|an|and|to|from|is|are|per)\s*)+$", "", item.text, flags=re.I)
    item.text = re.sub(r"\s+(?:that|which|who)$", "", item.text, flags=re.I)  # "a fare that (is ...)"
    # "the agent who took it": the relative clause says which agent, the noun names the field
    item.text = re.sub(r"^(\w[\w\s'-]*?)\s+(?:who|that|which)\s+\w+\s+(?:it|them|this|these|the\s+\w+)$", r"\1",
                       item.text, flags=re.I)
    scale_bounds(source, item)
    return item

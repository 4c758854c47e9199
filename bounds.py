"""Numbers bounded by other columns and values that hold under a condition.

"attended is never more than booked" and "loan amount (never more than 90% of the property value)"
make the bounded number a share of its bound, drawn per row; "shipping ($4.99 unless the order total
is above $50, then free)" makes a value that switches on a comparison.
"""
from __future__ import annotations

import re
from typing import Any

from phrases import Rule
from relations import derive, given, number_text

NUMBERS = ("int", "float")
MONEY_NAMES = r"price|cost|amount|fee|value|income|salary|revenue|charge|fare|total|balance|loan|deposit|shipping"
OPS = {"above": ">", "over": ">", "more than": ">", "greater than": ">", "exceeds": ">", "at least": ">=",
       "below": "<", "under": "<", "less than": "<", "at most": "<=", "up to": "<="}


def place_cap(placer: Any, rule: Rule, own: dict[str, Any] | None) -> bool:
    """'attended is never more than booked': a share of the bound, drawn per row."""
    hit = placer.find(rule.target, NUMBERS, values=False) if rule.target else None
    target = own if not rule.target else (hit.col if hit and hit.score >= 0.5 and hit.table is placer.table else None)
    found = placer.find(rule.other, NUMBERS + ("formula",), values=False)
    if target is None or found is None or found.score < 0.5:
        return False
    bound = found.col if found.table is placer.table else placer.through(found)
    if bound is None or bound is target or target["type"] not in NUMBERS + ("formula",) or \
            placer.reads_into([bound], target):
        return False
    p = float(rule.args["p"])
    whole = target["type"] == "int" or (bound["type"] == "int" and not (target.get("_money") or
                                                                       re.search(MONEY_NAMES, target["name"])))
    share = f"{bound['name']} * uniform({number_text(round(p * 0.5, 4))}, {number_text(p)})"
    expr = f"floor({share})" if whole else f"floor({share} * 100) / 100"  # never above the bound
    if given(target, "range") and target.get("max") is not None:
        expr = f"min({number_text(target['max'])}, {expr})"
    derive(target, expr, 0 if whole else 2)
    target["_cap"] = bound["name"]
    target.setdefault("_given", set()).add("formula")
    return True


def condition_operand(placer: Any, mention: str) -> str | None:
    """The expression a condition compares: a column, or an order's total from its quantity and price."""
    found = placer.find(mention, NUMBERS + ("formula",), values=False)
    totals = r"total|subtotal|amount|value|basket|cart|bill|spend|price|sum"
    if found is not None and re.search(rf"\b({totals})\b", mention, re.I) and \
            not re.search(rf"(^|_)({totals})", found.col["name"]):
        found = None  # "the order total" is no quantity
    if found is not None and found.score >= 0.5:
        col = found.col if found.table is placer.table else placer.through(found)
        if col is not None:
            return col["name"]
    if re.search(r"\b(total|subtotal|amount|value|basket|cart)\b", mention, re.I):
        cols = placer.columns
        qty = next((c for c in cols if re.search(r"(^|_)(quantity|qty|units|items)($|_)", c["name"])
                    and c["type"] in NUMBERS), None)
        price = next((c for c in cols if re.search(r"(^|_)(unit_)?price|price_per|(^|_)cost_per", c["name"])
                      and c["type"] in NUMBERS + ("formula",)), None)
        if qty and price:
            return f"{qty['name']} * {price['name']}"
        if price:
            return price["name"]
    return None


def place_conditional(placer: Any, rule: Rule, own: dict[str, Any] | None) -> bool:
    """'$4.99 unless the order total is above $50, then free': one value or the other, by a comparison."""
    target = own
    if rule.target:
        hit = placer.find(rule.target, NUMBERS + ("formula",), values=False)
        target = hit.col if hit and hit.score >= 0.5 and hit.table is placer.table else None
        if target is None and condition_operand(placer, rule.other):
            target = placer.new_column(rule.target)
    if target is None or target["type"] not in NUMBERS + ("formula",):
        return False
    operand = condition_operand(placer, rule.other)
    if operand is None or operand == target["name"] or operand.split(" * ")[0] == target["name"]:
        return False
    args = rule.args
    when, otherwise = number_text(args["when"]), number_text(args["otherwise"])
    derive(target, f"if({operand} {OPS[args['op']]} {number_text(args['n'])}, {when}, {otherwise})", 2)
    target.setdefault("_given", set()).add("formula")
    return True


def single_share(placer: Any, target: str, p: float) -> bool:
    """'most orders are for a single book', 'most ratings are 5 stars': the share of one whole
    number in a small count or scale; the other numbers share the rest, fewer the farther away."""
    single = re.match(r"^(?:a\s+)?(?:single|one|just one|only one)\s+\w", target, re.I)
    number = re.match(r"^(?P<n>\d+)\s+(?P<w>[a-z][\w-]*)", target, re.I)
    if not single and not number:
        return False
    col = None
    if number:
        hit = placer.find(number.group("w"), ("int",), values=False)
        col = hit.col if hit and hit.score >= 0.5 and hit.table is placer.table else None
    if col is None:
        col = next((c for c in placer.columns if c["type"] == "int" and re.search(
            r"(^|_)(quantity|qty|items?|units|count|num|number|tickets|guests|seats|copies|books)($|_)", c["name"])), None)
    if col is None:
        return False
    lo, hi = int(col.get("min", 1)), int(col.get("max", 10))
    n = int(number.group("n")) if number else (max(lo, 1) if lo <= 1 <= hi else lo)
    if hi - lo > 30 or hi <= lo or not lo <= n <= hi:
        return False
    values = list(range(lo, hi + 1))
    decay = {v: 0.5 ** abs(v - n) for v in values if v != n}
    weights = [p if v == n else (1 - p) * decay[v] / sum(decay.values()) for v in values]
    keep = {k: col[k] for k in ("name", "description", "null_rate", "_given", "_words", "_concept") if k in col}
    col.clear()
    col.update(keep, type="choice", values=values, weights=[round(w * 100, 3) for w in weights])
    col.setdefault("_given", set()).add("share")
    return True


TIME_UNITS_PER_DAY = {"second": 86400, "minute": 1440, "hour": 24, "day": 1, "night": 1, "week": 1 / 7}
STARTS = r"(^|_)(start|begin|started|entry|enter|entered|check_?in|in_time|time_in|arrival|pickup|pick_up|departure|" \
         r"opened|departed|boarded|parked)"
ENDS = r"(^|_)(end|ended|finish|finished|exit|exited|check_?out|out_time|time_out|dropoff|drop_off|arrived|" \
       r"closed|returned|return|left)"


def start_end(placer: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The table's start and end times: entry and exit, pickup and dropoff, check-in and check-out."""
    times = [c for c in placer.columns if c["type"] in ("date", "datetime") or
             (c["type"] == "formula" and re.search(r"(_time|_at|_date)$", c["name"]))]
    start = next((c for c in times if re.search(STARTS, c["name"])), None)
    end = next((c for c in times if re.search(ENDS, c["name"]) and c is not start), None)
    return (start, end) if start and end else None


def elapsed(placer: Any, words: str) -> dict[str, Any] | None:
    """'per hour', 'per started hour', 'per night' with no such column: the time from the start
    to the end in that unit, whole units when each one started counts."""
    m = re.fullmatch(r"(?:(?P<started>started|begun|commenced|part|partial)\s+|(?:full|whole|each|every|extra|"
                     r"additional)\s+)?(?P<u>seconds?|minutes?|hours?|days?|nights?|weeks?)", words.strip().lower())
    pair = start_end(placer) if m else None
    if pair is None:
        return None
    start, end = pair
    unit = m.group("u").rstrip("s")
    expr = f"({end['name']} - {start['name']}) * {number_text(TIME_UNITS_PER_DAY[unit])}"
    if m.group("started"):
        expr = f"ceil({expr})"
    elif unit in ("day", "night"):
        expr = f"{end['name']} - {start['name']}"
    return {"name": f"({expr})", "type": "formula", "_virtual": True}


DURATION_NAMES = r"(^|_)(duration|length|minutes|mins|hours|hrs|seconds|secs|days|nights|time_spent|dwell)"


def place_span(placer: Any, rule: Rule, own: dict[str, Any] | None) -> bool:
    """'stays last between 15 minutes and 10 hours': the end follows the start by that much, or
    the duration column takes that range in its own unit."""
    lo, hi = float(rule.args["lo"]), float(rule.args["hi"])
    duration = next((c for c in placer.columns if c["type"] in NUMBERS and re.search(DURATION_NAMES, c["name"])
                     and not given(c, "range")), None)
    pair = start_end(placer)
    if pair is not None and pair[1]["type"] in ("date", "datetime") and not given(pair[1], "formula"):
        start, end = pair
        if hi < 1 and end["type"] == "date":
            end["type"] = "datetime"
        for key in ("start", "end", "step", "per", "hours"):
            end.pop(key, None)
        end.update(after=start["name"], min_days=round(lo, 6), max_days=round(hi, 6))
        end.setdefault("_given", set()).add("after")
        return True
    if duration is not None:
        name = duration["name"]
        per_day = next((v for k, v in (("sec", 86400), ("min", 1440), ("hour", 24), ("hr", 24), ("day", 1),
                                       ("night", 1)) if k in name), 1440)
        a, b = lo * per_day, hi * per_day
        duration.update(min=round(a, 2), max=round(b, 2), distribution="lognormal", mean=round((a * b) ** 0.5, 2),
                        std=round((b - a) / 4, 2))
        if duration["type"] == "int":
            duration.update(min=int(a), max=max(int(round(b)), int(a) + 1))
        duration.setdefault("_given", set()).add("range")
        return True
    return False


def place_ratio(placer: Any, rule: Rule, own: dict[str, Any] | None) -> bool:
    """'clicks are about 2% of impressions': the one a share of the other in every row."""
    found = placer.find(rule.other, NUMBERS + ("formula",), values=False)
    if found is None or found.score < 0.5:  # "churn is about 10% of customers": a share of the rows
        return placer.place_share(Rule("share", target=rule.target, args={"p": rule.args["p"]}, text=rule.text), own)
    base = found.col if found.table is placer.table else placer.through(found)
    hit = placer.find(rule.target, NUMBERS + ("formula",), values=False)
    target = hit.col if hit and hit.score >= 0.5 and hit.table is placer.table else placer.new_column(rule.target)
    if target is None or target is base or target["type"] not in NUMBERS + ("formula",) or \
            placer.reads_into([base], target):
        return False
    p = float(rule.args["p"])
    spread = 0.25 if rule.args.get("hedge") in ("about", "around", "roughly", "approximately", "~", "nearly", "almost") \
        else 0.1
    share = f"{base['name']} * uniform({number_text(p * (1 - spread))}, {number_text(p * (1 + spread))})"
    whole = target["type"] == "int" or base["type"] == "int" or (target["type"] == "formula" and target.get("decimals") == 0)
    derive(target, f"round({share})" if whole else f"round({share}, 2)", 0 if whole else 2)
    target.setdefault("_given", set()).add("formula")
    return True


def place_bands(placer: Any, rule: Rule, own: dict[str, Any] | None) -> bool:
    """'grade (A if 70 or more, B if 60-69, otherwise F)': the value of the band the number is in."""
    if own is None:
        return False
    scores = [c for c in placer.columns if c is not own and c["type"] in NUMBERS + ("formula",)]
    by = next((c for c in scores if re.search(r"(^|_)(score|mark|marks|points|percent|percentage|pct|total|result)", c["name"])),
              scores[0] if len(scores) == 1 else None)
    if by is None or placer.reads_into([by], own):
        return False
    expr = f"'{rule.args['otherwise']}'"
    for value, lo, hi in reversed(rule.args["bands"]):
        tests = []
        if lo is not None:
            tests.append(f"{by['name']} >= {number_text(lo)}")
        if hi is not None:
            tests.append(f"{by['name']} < {number_text(hi + 1 if float(hi).is_integer() else hi)}")
        expr = f"if({' and '.join(tests)}, '{value}', {expr})"
    derive(own, expr)
    own.setdefault("_given", set()).add("formula")
    return True


PLACEMENTS = {"bands": place_bands, "ratio": place_ratio, "cap": place_cap, "conditional": place_conditional, "span": place_span}

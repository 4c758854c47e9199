"""Dependence between columns, placed after every other statement: comparisons about one measure
are gathered ('Large cost more than medium, medium more than small' ranks three values), and
each is written in the schema language: cases of a choice or a flag by a group's value, a factor
on a number (a hidden base times each factor when there are several), a correlation or a chance
that follows a number, a bucket of the hour, month or weekday of the table's main date.
"""

from __future__ import annotations

import re
from typing import Any

from constraints import NUMBERS, Placer, share_weights
from phrases import Rule
from relations import chance_from_number, condition_value, correlate, derive, number_text
from schema import snake

# --- dependence: who is higher, and by what ---

PRICE_WORDS = re.compile(r"^(?:cost|costs|pay|pays|charge|charges|expensive|pricier|cheaper|costlier|spend|spends)$")


def finish_dependences(placer: Placer) -> None:
    """Comparisons about one measure are placed together: 'Large cost more than medium, medium more
    than small' ranks three values of one column."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for rule, own in placer.deps:
        measure = dependence_measure(placer, rule, own)
        if measure is None:
            if not time_volume(placer, rule):
                placer.note(rule)
            continue
        if not place_dependence(placer, rule, measure, groups):
            placer.note(rule)
    for (measure_name, by_name), g in groups.items():
        rank_values(placer, g)


def dependence_measure(placer: Placer, rule: Rule, own: dict[str, Any] | None) -> tuple[dict[str, Any], Any] | None:
    """The column (and value) a comparison measures: 'failure rate' -> pass_fail = fail."""
    words = rule.target
    verb = rule.args.get("verb", "")
    if rule.kind in ("rank", "mode") and own is not None and not words:
        return own, None
    if PRICE_WORDS.match(words or "") or (not words and PRICE_WORDS.match(verb or "")):
        verb, words = words or verb, ""
    if not words and verb:
        if PRICE_WORDS.match(verb):
            col = next((c for c in placer.columns if re.search(r"(^|_)(unit_)?price|(^|_)rate$|fee|cost|fare", c["name"])
                        and c["type"] in NUMBERS + ("formula",)), None)
            if col is not None:
                return col, None
        else:
            words = verb
    if rule.args.get("word") in ("further", "farther") and not words:
        col = next((c for c in placer.columns if re.search(r"stage|status|step|funnel|level", c["name"])
                    and c["type"] == "choice"), None)
        return (col, "__later__") if col else None
    if words:
        if PRICE_WORDS.match(words):
            words = "price"
        hit = placer.find(words, NUMBERS + ("bool", "choice", "formula"))
        if hit and (hit.score >= 0.5 or hit.value is not None) and not (hit.col["type"] == "choice" and hit.value is None):
            number = placer.find(words, NUMBERS + ("formula",), values=False) if hit.value is not None else None
            if number is not None and number.score >= 0.5 and not rule.other:
                return number.col, None  # "maths scores are lower": the scores, for the maths rows
            return hit.col, hit.value
        stem_word = re.sub(r"(ure|ures|ed|s)$", "", words.split()[0].lower())
        for col in placer.columns:
            if col["type"] == "choice":
                value = next((v for v in col.get("values") or [] if str(v).lower().startswith(stem_word) and len(stem_word) >= 3), None)
                if value is not None:
                    return col, value
            if col["type"] == "bool" and len(stem_word) >= 3 and stem_word in col["name"]:
                return col, None
    if own is None:  # "evening classes are busier", "claim calls take longer": what the word is known to measure
        fields = placer.designer.vocab.data.get("comparative_fields") or {}
        last = (rule.other or "").lower().split()[-1:] or [""]  # "items in like-new condition ask (more)"
        known = "|".join(filter(None, (fields.get(rule.args.get("word", ""), ""), fields.get(verb or words or "", ""),
                                       fields.get(last[0], ""))))
        for word in filter(None, known.split("|")):
            col = next((c for c in placer.columns if c["type"] in NUMBERS + ("formula",) and not c.get("_helper")
                        and re.search(rf"(^|_){word}", c["name"])), None)
            if col is not None:
                return col, None
    if own is not None:
        return own, None
    return None


def group_of(placer: Placer, rule: Rule, measure: dict[str, Any]) -> dict[str, Any] | None:
    """What the comparison's rows have in common: a value of a choice column, a number beyond a
    threshold, a number itself (younger, higher scores), or a time of day, month or weekday."""
    args = rule.args
    if rule.other and rule.kind in ("more", "rank", "mode"):
        hit = placer.find(rule.other, ("choice", "bool"))
        if hit is None or hit.value is None:  # "large pizzas": the value 'L' of the size, not the pizza type
            for word in rule.other.split():
                one = placer.find(word, ("choice", "bool"))
                if one is not None and one.value is not None and one.col is not measure:
                    hit = one
                    break
        if hit and hit.value is not None and hit.col is not measure:
            than = placer.find(args.get("than") or "", ("choice",)) if args.get("than") else None
            return {"kind": "value", "col": hit.col, "value": hit.value,
                    "than": than.value if than and than.col is hit.col else None}
    if args.get("by_number"):
        g = args["by_number"]
        word = g.get("word", "")
        known = (placer.designer.vocab.data.get("comparative_fields") or {}).get(word)
        hit = placer.find(g.get("text") or "", NUMBERS) if g.get("text") else None
        for alt in filter(None, (known or "").split("|")):
            if hit and hit.score >= 0.5:
                break
            hit = placer.find(alt, NUMBERS)
        if hit:
            return {"kind": "number", "col": hit.col, "sign": g.get("sign", 1), "threshold": g.get("threshold", "")}
    if args.get("time"):
        times = placer.resolver.main_dates(placer.table)
        if times:
            return {"kind": "time", "col": times[0], "bucket": args["time"], "than": args.get("than_time")}
    if rule.other:
        hit = placer.find(rule.other, NUMBERS)
        if hit and hit.col is not measure:
            return {"kind": "number", "col": hit.col, "sign": 1, "threshold": args.get("threshold", "")}
    if not rule.other and rule.target and rule.kind == "more":  # "maths scores are lower (than the others)"
        hit = placer.find(rule.target, ("choice", "bool"))
        if hit and hit.value is not None and hit.col is not measure:
            return {"kind": "value", "col": hit.col, "value": hit.value, "than": None}
    return None


def place_dependence(placer: Placer, rule: Rule, measure: tuple[dict[str, Any], Any], groups: dict) -> bool:
    col, value = measure
    sign = int(rule.args.get("sign", 1))
    group = group_of(placer, rule, col)
    if group is None:
        return False
    if group["kind"] == "value":
        key = (col["name"], group["col"]["name"])
        g = groups.setdefault(key, {"measure": col, "value": value, "by": group["col"], "score": {}})
        score = g["score"]
        v = group["value"]
        weight = 2 if rule.kind == "rank" else 1
        if rule.kind == "mode":
            bump_mode(col, v, sign)
            groups.pop(key, None)
            return True
        score[v] = score.get(v, 0) + sign * weight
        if group.get("than") is not None:
            score[group["than"]] = score.get(group["than"], 0) - sign * weight
        elif rule.kind == "more":
            for other in group["col"].get("values") or []:
                if other != v:
                    score[other] = score.get(other, 0) - sign * 0.5
        return True
    if group["kind"] == "number":
        return number_effect(placer, col, value, group, sign)
    if group["kind"] == "time":
        return time_effect(placer, col, value, group, sign)
    return False


def bump_mode(col: dict[str, Any], value: Any, sign: int) -> None:
    values = col.get("values") or []
    if value in (col.get("_fixed") or {}):
        return  # "the most common, about half": the share said is the share
    if value in values:
        weights = list(col.get("weights") or [1.0] * len(values))
        top = max(weights)
        weights[values.index(value)] = top * 2 if sign > 0 else min(weights) / 2
        col["weights"] = weights


def rank_values(placer: Placer, g: dict[str, Any]) -> None:
    measure, by, score = g["measure"], g["by"], g["score"]
    values = list(by.get("values") or [])
    if not values or not score:
        return
    order = sorted(values, key=lambda v: (score.get(v, 0), values.index(v)))
    ranks = {v: i for i, v in enumerate(order)}
    # values the statements did not rank sit in the middle
    distinct = sorted(set(score.get(v, 0) for v in values))
    level = {s: i for i, s in enumerate(distinct)}
    levels = {v: level[score.get(v, 0)] for v in values}
    top = max(levels.values()) or 1
    if measure["type"] in NUMBERS + ("formula",):
        step = 0.45 if top <= 2 else 0.3
        factors = {v: round((1 + step) ** (levels[v] - top / 2), 4) for v in values}
        add_factor(measure, by["name"], factors)
    elif measure["type"] == "bool":
        p = float(measure.get("p", 0.3))
        shares = level_shares(p, levels, by)
        measure.update(depends_on=by["name"], cases=[{"when": v, "p": round(s, 4)} for v, s in shares.items()])
    elif measure["type"] == "choice":
        target = g["value"]
        outcome = list(measure.get("values") or [])
        base = list(measure.get("weights") or [1.0] * len(outcome))
        cases = []
        if target in outcome:  # the value's share rises with the level, its overall share kept
            i = outcome.index(target)
            shares = level_shares(base[i] / (sum(base) or 1), levels, by)
            for v in values:
                w = list(base)
                share_weights(w, i, shares[v])
                cases.append({"when": v, "weights": w})
        else:  # "further in the funnel": later values more likely
            for v in values:
                tilt = 1.5 ** (levels[v] - top / 2)
                cases.append({"when": v, "weights": [round(x * tilt ** k, 4) for k, x in enumerate(base)]})
        measure.update(depends_on=by["name"], cases=cases)
    measure.setdefault("_given", set()).add("depends")
    del ranks


def level_shares(p: float, levels: dict[Any, int], by: dict[str, Any]) -> dict[Any, float]:
    """Shares per group that rise with the level and keep the overall share p."""
    values = list(levels)
    weights = by.get("weights") or [1.0] * len(values)
    total = sum(weights) or 1
    top = max(levels.values()) or 1
    raw = {v: 2.0 ** (levels[v] - top / 2) for v in values}
    mean = sum(raw[v] * w / total for v, w in zip(values, weights))
    return {v: min(0.98, p * raw[v] / mean) for v in values}


def add_factor(col: dict[str, Any], by: str, factors: dict[Any, float]) -> None:
    """A multiplier of a number column by the value of another column."""
    expr = "1"
    for value, f in factors.items():
        if abs(f - 1) > 1e-9:
            expr = f"if({by} == {condition_value(value)}, {number_text(f)}, {expr})"
    col.setdefault("_factors", []).append({"expr": expr, "by": by, "factors": factors})


def number_effect(placer: Placer, col: dict[str, Any], value: Any, group: dict[str, Any], sign: int) -> bool:
    by = group["col"]
    direction = sign * int(group.get("sign", 1))
    threshold = group.get("threshold") or ""
    m = re.search(r"(under|below|less than|over|above|more than|at least|older than|younger than|<|>)\s*(\d+(?:\.\d+)?)",
                  threshold.lower())
    if m:
        below = m.group(1) in ("under", "below", "less than", "younger than", "<")
        cut = float(m.group(2))
        flag_name = snake(f"{by['name']} {'under' if below else 'over'} {number_text(cut)}", 40)
        if not placer.table.col(flag_name):
            placer.table.columns.append({"name": flag_name, "type": "formula", "hidden": True, "_helper": True,
                                         "expr": f"{by['name']} {'<' if below else '>='} {number_text(cut)}"})
        if col["type"] in NUMBERS + ("formula",):
            add_factor(col, flag_name, {True: 1.7 if sign > 0 else 0.6})
        elif col["type"] == "bool":
            p = float(col.get("p", 0.3))
            col.update(depends_on=flag_name, cases=[{"when": True, "p": round(min(p * (2 if sign > 0 else 0.5), 0.98), 4)}])
        col.setdefault("_given", set()).add("depends")
        return True
    if col["type"] == "bool":
        chance_from_number(col, by, direction)
        return True
    if col["type"] == "choice" and value is not None and len(col.get("values") or []) == 2:
        other = next(v for v in col["values"] if v != value)
        p = share_of(col, value)
        slope = 2 * min(p, 1 - p) * 0.95 / max(float(by.get("max", 1)) - float(by.get("min", 0)), 1e-9) * direction
        mid = (float(by.get("max", 1)) + float(by.get("min", 0))) / 2
        derive(col, f"if(uniform(0, 1) < {number_text(p)} + {number_text(slope)} * ({by['name']} - {number_text(mid)}), "
                    f"{condition_value(value)}, {condition_value(other)})")
        return True
    if col["type"] in NUMBERS:
        if correlate(col, by, 0.75 * direction):
            col.setdefault("_given", set()).add("depends")
            return True
    return False


def share_of(col: dict[str, Any], value: Any) -> float:
    values = col.get("values") or []
    weights = col.get("weights") or [1.0] * len(values)
    return weights[values.index(value)] / (sum(weights) or 1)


def bucket_expr(date_col: str, bucket: dict[str, Any]) -> str:
    if bucket["of"] == "hour":
        a, b = bucket["range"]
        if a <= b:
            return f"hour({date_col}) >= {number_text(a)} and hour({date_col}) < {number_text(b)}"
        return f"hour({date_col}) >= {number_text(a)} or hour({date_col}) < {number_text(b)}"
    fn = "month" if bucket["of"] == "month" else "weekday"
    return f"{fn}({date_col}) in ({', '.join(str(x) for x in bucket['in'])}{',' if len(bucket['in']) == 1 else ''})"


def time_effect(placer: Placer, col: dict[str, Any], value: Any, group: dict[str, Any], sign: int) -> bool:
    date_col = group["col"]
    bucket = group["bucket"]
    if bucket["of"] == "hour" and date_col["type"] == "date":
        date_col["type"] = "datetime"
    expr = bucket_expr(date_col["name"], bucket)
    name = snake(f"{date_col['name']} {'_'.join(str(x) for x in bucket.get('in') or bucket.get('range'))}", 40)
    if col["type"] in NUMBERS + ("formula",):
        factor = 1.6 if sign > 0 else 0.6
        col.setdefault("_factors", []).append({"expr": f"if({expr}, {factor}, 1)", "time": True})
        col.setdefault("_given", set()).add("depends")
        return True
    flag = placer.table.col(name)
    if flag is None:
        flag = {"name": name, "type": "formula", "expr": expr, "hidden": True, "_helper": True}
        placer.table.columns.append(flag)
    if col["type"] == "bool":
        p = float(col.get("p", 0.3))
        col.update(depends_on=name, cases=[{"when": True, "p": round(min(p * (2 if sign > 0 else 0.5), 0.98), 4)}])
        return True
    if col["type"] == "choice" and value is not None:
        weights = list(col.get("weights") or [1.0] * len(col["values"]))
        i = col["values"].index(value)
        weights[i] *= 2 if sign > 0 else 0.5
        col.update(depends_on=name, cases=[{"when": True, "weights": [round(w, 4) for w in weights]}])
        return True
    return False


def time_volume(placer: Placer, rule: Rule) -> bool:
    """'Busier in the evening', 'more orders on weekends': more rows at those times."""
    bucket = rule.args.get("time")
    if not bucket:
        return False
    times = placer.resolver.main_dates(placer.table)
    if not times:
        return False
    col = times[0]
    sign = int(rule.args.get("sign", 1))
    if bucket["of"] == "hour":
        if col["type"] == "date":
            col["type"] = "datetime"
        a, b = bucket["range"]
        weights = [1.0] * 24
        for h in range(24):
            inside = a <= h < b if a <= b else (h >= a or h < b)
            if inside:
                weights[h] = 2.5 if sign > 0 else 0.4
        col["hours"] = weights
    elif bucket["of"] == "weekday":
        weights = [1.0] * 7
        for d in bucket["in"]:
            weights[d] = 2.0 if sign > 0 else 0.5
        col["weekdays"] = weights
    else:
        return False
    return True

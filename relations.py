"""Relations between drafted columns: the rules a reader takes for granted (RELATIONS, one small
function each), driven by the knowledge in vocab.json where they can be ("links": which concepts
relate in the world and how), and the helpers that turn a relation into the schema language
(formulas, `after`, `depends_on` + `cases`, correlations, `null_if`).

A rule looks at one table's drafted columns (dicts as the schema has them, plus private keys that
start with "_": `_given` lists what the user said about a column, which no rule overrides;
`_corr` holds correlations to other columns until the table is assembled).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

VOCAB_PATH = Path(__file__).resolve().parent / "vocab.json"
RECORDS_PATH = Path(__file__).resolve().parent / "records.json"
MAX_RECORD_CASES = 100          # a choice follows another through at most this many cases

Columns = list[dict[str, Any]]
AMOUNTS = ("float", "int")
DATES = ("date", "datetime")
COMPUTED = ("formula",)
DRAWN_NUMBERS = ("int", "float")


@functools.cache
def knowledge() -> dict[str, Any]:
    """The relation knowledge of vocab.json: links between concepts and ordinal scales."""
    try:
        data = json.loads(VOCAB_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    try:
        records = json.loads(RECORDS_PATH.read_text(encoding="utf-8")).get("tables", {})
    except (OSError, ValueError):
        records = {}
    return {"links": data.get("links") or [], "scales": data.get("scales") or [], "records": records,
            "scale_weak": data.get("scale_weak") or []}


def links(kind: str) -> list[dict[str, Any]]:
    return [link for link in knowledge().get("links", []) if link.get("kind") == kind]


# --- helpers ---

@functools.lru_cache(maxsize=None)
def rx(pattern: str) -> re.Pattern[str]:
    """A compiled pattern, kept: knowledge patterns are searched for every design."""
    return re.compile(pattern)


def find_col(columns: Columns, pattern: str, types: tuple[str, ...] = ()) -> dict[str, Any] | None:
    rx_ = rx(pattern)
    return next((c for c in columns if rx_.search(c["name"]) and (not types or c["type"] in types)
                 and not c.get("_helper")), None)


DERIVED_KEEPS = ("name", "description", "hidden", "null_rate", "decimals", "_given", "_concept", "_words", "_item",
                 "null_if", "_money")


def derive(col: dict[str, Any], expr: str, decimals: int | None = None) -> None:
    """Turn a designed column into a formula, dropping what only its old type used."""
    keep = {k: col[k] for k in DERIVED_KEEPS if k in col}
    if col.get("type") in ("int", "float"):  # how the number was drawn, for numbers that follow it
        spread = col.get("std") or (float(col.get("max", 1)) - float(col.get("min", 0))) / 4
        keep["_drawn"] = {"mean": mean_of(col), "std": float(spread) or 1.0}
    col.clear()
    col.update(keep, type="formula", expr=expr)
    if decimals is not None:
        col["decimals"] = decimals


def given(col: dict[str, Any], *what: str) -> bool:
    """Whether the user said this about the column (a rule leaves it alone then)."""
    said = col.get("_given") or set()
    return bool(said & set(what)) if what else bool(said)


def free(col: dict[str, Any]) -> bool:
    """A column no rule and no user has tied to others yet: drawn on its own."""
    return col["type"] not in COMPUTED and not col.get("after") and not col.get("depends_on") \
        and not col.get("step") and not given(col, "formula", "after", "depends", "values")


def drawn_number(col: dict[str, Any]) -> bool:
    return col["type"] in DRAWN_NUMBERS and not col.get("unique") and not col.get("depends_on")


def mean_of(col: dict[str, Any]) -> float:
    if col.get("mean") is not None:
        return float(col["mean"])
    lo, hi = float(col.get("min", 0)), float(col.get("max", float(col.get("min", 0)) + 100))
    return (lo + hi) / 2


def correlate(a: dict[str, Any], b: dict[str, Any], r: float) -> bool:
    """Mark two drawn numbers (or dates) to be drawn together with correlation r."""
    ok = ("int", "float", "date", "datetime")
    if a is b or a["type"] not in ok or b["type"] not in ok:
        return False
    for col in (a, b):
        if col.get("unique") or col.get("after") or col.get("step") or col.get("depends_on"):
            return False
    if any(name == b["name"] for name, _ in a.get("_corr", [])) or any(name == a["name"] for name, _ in b.get("_corr", [])):
        return False
    a.setdefault("_corr", []).append((b["name"], max(-0.95, min(0.95, r))))
    return True


def number_text(x: float) -> str:
    return f"{x:.6g}" if abs(x) < 1e15 else f"{x:.0f}"


def scaled_case(col: dict[str, Any], factor: float) -> dict[str, Any]:
    """A case of a number column whose values are `factor` times the column's own."""
    mean = mean_of(col)
    lo, hi = float(col.get("min", 0)), float(col.get("max", mean * 2 or 1))
    new_mean = mean * factor
    case: dict[str, Any] = {"mean": round_like(col, new_mean)}
    if new_mean > hi * 0.95:
        case["max"] = round_like(col, max(hi, new_mean * 1.6))
    if new_mean < lo * 1.05 and lo > 0:
        case["min"] = round_like(col, max(0.0, min(lo, new_mean * 0.5)))
    if col.get("std") is not None:
        case["std"] = round_like(col, float(col["std"]) * factor, 4)
    case_lo = case.get("min", lo)
    case_hi = case.get("max", hi)
    case["mean"] = min(max(case["mean"], case_lo), case_hi)
    if col.get("distribution") in (None, "uniform"):
        case["distribution"] = "normal"
        case.setdefault("std", round_like(col, (case_hi - case_lo) / 6, 4))
    return case


def round_like(col: dict[str, Any], x: float, digits: int | None = None) -> float | int:
    if col["type"] == "int" and digits is None:
        return int(round(x))
    return round(x, digits if digits is not None else max(int(col.get("decimals", 2)), 2))


def condition_value(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return number_text(value)
    return "'" + str(value).replace("\\", "").replace("'", "") + "'"


# --- the rules a reader takes for granted ---

def dates_in_order(columns: Columns, domain_id: str | None) -> None:
    """An end date falls after its start (check-out after check-in, delivery after order): the
    pairs and their usual gaps are knowledge ("order" links)."""
    for link in links("order"):
        if link.get("domains") and domain_id not in link["domains"]:
            continue
        start = find_col(columns, rf"(^|_)({link['a']})", DATES + COMPUTED)
        end = find_col(columns, rf"(^|_)({link['b']})", DATES)
        if start and end and start is not end and start["type"] in DATES + COMPUTED and not end.get("after") \
                and not given(end, "after", "formula", "window") and not end.get("step") \
                and not (start.get("after") == end["name"]):
            lo, hi = link["days"]
            for key in ("start", "end"):
                end.pop(key, None)
            end.update(after=start["name"], min_days=lo, max_days=hi)
            if hi < 1 and end["type"] == "date":
                end["type"] = "datetime"


def hotel_stay(columns: Columns, domain_id: str | None) -> None:
    """Nights are check-out minus check-in; a stay's total is its nights times the nightly rate."""
    check_in = find_col(columns, r"check_?in|arrival|entrada|llegada|arrivee|anreise|arrivo|aankomst|chegada|przyjazd", DATES)
    check_out = find_col(columns, r"check_?out|departure_date|salida|partida|depart|abreise|partenza|vertrek|saida|wyjazd",
                         DATES)
    nights = find_col(columns, r"(^|_)(nights|length_of_stay|stay_length|num_nights|noches|nuits|nachte|naechte|notti|"
                               r"nachten|noites|noce)", AMOUNTS)
    if check_in and check_out and nights and not given(nights, "formula", "range") and not given(check_out, "formula"):
        derive(nights, f"{check_out['name']} - {check_in['name']}")
    elif check_in and check_out and nights and not given(check_out, "formula") and not check_out.get("step"):
        derive(check_out, f"{check_in['name']} + {nights['name']}")  # the nights were asked for: the dates follow them
    elif check_in and check_out and not nights and check_out.get("after") == check_in["name"] and \
            check_out["type"] == "date" and not given(check_out, "after", "formula", "window"):
        hi = int(check_out.get("max_days") or 14)  # most stays are short: one to three nights
        stay = {"name": "nights", "type": "int", "min": max(int(check_out.get("min_days") or 1), 1), "max": max(hi, 2),
                "distribution": "lognormal", "mean": min(2.8, hi / 2), "std": min(2.2, hi / 3), "hidden": True,
                "description": "nights of the stay"}
        columns.insert(columns.index(check_out), stay)
        derive(check_out, f"{check_in['name']} + nights")
    total_price = find_col(columns, r"(^|_)(total|total_price|total_cost|total_amount|amount)$", AMOUNTS)
    nightly = find_col(columns, r"(nightly|per_night|room_rate|por_noche|par_nuit|pro_nacht|per_notte|per_nacht|por_noite)",
                       AMOUNTS)
    if check_in and check_out and not nights and nightly and total_price and not given(total_price, "formula"):
        derive(total_price, f"round(({check_out['name']} - {check_in['name']}) * {nightly['name']}, 2)")
    rate = find_col([c for c in columns if c is not total_price],
                    r"(nightly|per_night|room_rate|(^|_)rate$|price|precio|prix|preis|prezzo|prijs|preco)", AMOUNTS)
    if nights and total_price and rate is None and not given(total_price, "formula"):
        columns.append({"name": "nightly_rate", "type": "float", "min": 45, "max": 900, "distribution": "lognormal",
                        "mean": 170, "std": 110, "decimals": 2, "hidden": True, "description": "rate behind the total"})


def line_total(columns: Columns, domain_id: str | None) -> None:
    """A total is quantity times unit price."""
    qty = find_col(columns, r"(^|_)(quantity|qty|units|nights|num_items|items|num_nights|noches|nuits|nachte|notti|"
                            r"nachten|noites|cantidad|quantite|menge|quantita|aantal|quantidade|ilosc)($|_)", AMOUNTS + COMPUTED)
    total = find_col(columns, r"(^|_)(total|line_total|subtotal|amount|total_price|total_cost|total_amount|"
                              r"order_total)($|_)", AMOUNTS)
    price = find_col([c for c in columns if c is not total],
                     r"(unit_price|price_per|nightly_rate|rate_per|(^|_)price$|(^|_)rate$|unit_cost|precio_por|prix_par|"
                     r"preis_pro|prezzo_per|preco_por)", AMOUNTS + COMPUTED)
    if qty and price and total and total is not price and not given(total, "formula", "range"):
        derive(total, f"round({qty['name']} * {price['name']}, 2)")


def birth_date_from_age(columns: Columns, domain_id: str | None) -> None:
    """A birth date agrees with the age beside it."""
    age, dob = find_col(columns, r"(^|_)age$", ("int",)), find_col(columns, r"(birth|dob)", ("date",))
    if age and dob and not given(dob, "formula", "window"):
        derive(dob, f"today() - ({age['name']} * 365 + randint(0, 364))")


def graduation_year_from_age(columns: Columns, domain_id: str | None) -> None:
    """Students graduate after they turn about 22; graduates did so years ago."""
    age, grad = find_col(columns, r"(^|_)age$", ("int",)), find_col(columns, r"grad.*year|year.*grad", ("int",))
    if age and grad and not given(grad, "range"):
        expr = (f"year(today()) + max(22 - {age['name']}, 0) + randint(0, 1)" if domain_id == "education"
                else f"year(today()) - max({age['name']} - 22, 0) + randint(0, 2)")
        derive(grad, expr)


def experience_from_age(columns: Columns, domain_id: str | None) -> None:
    """Nobody has more years of experience than years since twenty."""
    age = find_col(columns, r"(^|_)age$", ("int",))
    experience = find_col(columns, r"experience|years_of_service|tenure_years", ("int", "float"))
    if age and experience and not given(experience, "range", "formula"):
        derive(experience, f"min(randint(0, max({age['name']} - 20, 0)), 45)")


def salary_from_experience(columns: Columns, domain_id: str | None) -> None:
    """Pay grows with experience, within the salary's own range."""
    experience = find_col(columns, r"experience|years_of_service|tenure_years", ("int", "float") + COMPUTED)
    salary = find_col(columns, r"salary|income|pay$|compensation", ("float", "int"))
    if experience and salary and not given(salary, "formula", "depends") and not salary.get("depends_on"):
        lo, hi = salary.get("min", 30000), salary.get("max", 200000)
        span = max(float(experience.get("max", 25)) if experience["type"] != "formula" else 25.0, 1.0)
        derive(salary, (f"round(min(max({lo} + {experience['name']} * {(hi - lo) / max(span, 1) * 0.6:.0f} "
                        f"+ normal(0, {(hi - lo) / 12:.0f}), {lo}), {hi}), 2)"))


def stock_day(columns: Columns, domain_id: str | None) -> None:
    """Close moves a little from open; high and low bracket them both."""
    opening = find_col(columns, r"(^|_)open(_price)?$", AMOUNTS)
    closing = find_col(columns, r"(^|_)close(_price)?$", AMOUNTS)
    high, low = find_col(columns, r"(^|_)high(_price)?$", AMOUNTS), find_col(columns, r"(^|_)low(_price)?$", AMOUNTS)
    if opening and closing:
        derive(closing, f"round({opening['name']} * (1 + normal(0, 0.02)), 2)")
        if high:
            derive(high, f"round(max({opening['name']}, {closing['name']}) * (1 + uniform(0, 0.015)), 2)")
        if low:
            derive(low, f"round(min({opening['name']}, {closing['name']}) * (1 - uniform(0, 0.015)), 2)")


def trip_speed(columns: Columns, domain_id: str | None) -> None:
    """A ride takes its distance at city speeds: the duration is the distance over a speed drawn
    per trip, the drop-off that long after the pick-up ("speed" links: names and speeds)."""
    own = [link for link in links("speed") if domain_id in link.get("domains", [])]  # a bike's speed, a cab's
    for link in own or [link for link in links("speed") if not link.get("only")]:
        start, end = find_col(columns, link["start"], ("datetime",)), find_col(columns, link["end"], ("datetime",))
        if not (start and end) and domain_id not in link.get("domains", []):
            continue
        distance = find_col(columns, link["distance"], AMOUNTS)
        if distance is None or distance is start or given(distance, "formula"):
            continue
        metric = bool(re.search(r"km|kilomet", distance["name"]))
        lo, hi = (x * 1.609 for x in link["mph"]) if metric else link["mph"]
        hours = f"{distance['name']} / uniform({number_text(lo)}, {number_text(hi)})"
        duration = find_col([c for c in columns if c is not distance and c is not start and c is not end],
                            link["duration"], AMOUNTS)
        if duration is not None and not given(duration, "formula", "range"):
            per_hour = 3600 if re.search(r"sec", duration["name"]) else 1 if re.search(r"hour|hrs?$", duration["name"]) else 60
            derive(duration, f"round({hours} * {per_hour}, {0 if duration['type'] == 'int' else 1})")
            if duration["type"] == "int" or duration.get("_was_int"):
                duration["decimals"] = 0
            hours = f"{duration['name']} / {per_hour}"
        if start and end and not given(end, "formula", "after", "window") and not end.get("step"):
            keep = {k: end[k] for k in DERIVED_KEEPS if k in end}
            end.clear()
            end.update(keep, type="formula", expr=f"{start['name']} + {hours} / 24")
        break


def tip_share(columns: Columns, domain_id: str | None) -> None:
    """A tip is a share of the bill: mostly 10-25% of it by card, mostly nothing in cash ("tip" links)."""
    for link in links("tip"):
        tip = find_col(columns, link["tip"], AMOUNTS)
        base = find_col([c for c in columns if c is not tip], link["base"], AMOUNTS + COMPUTED)
        if tip is None or base is None or given(tip, "formula", "range", "depends") or reads(columns, base, tip["name"]):
            continue
        mean, sd = link["share"]
        share = f"max(normal({number_text(mean)}, {number_text(sd)}), 0)"
        if link.get("none"):
            share = f"if(uniform(0, 1) < {number_text(link['none'])}, 0, {share})"
        pay = find_col(columns, link["payment"], ("choice",))
        cash = next((v for v in (pay or {}).get("values") or [] if re.search(r"cash", str(v), re.I)), None)
        if pay is not None and cash is not None:
            low, high = link.get("cash_share", [0.05, 0.15])
            share = (f"if({pay['name']} == {condition_value(cash)}, if(uniform(0, 1) < {number_text(link['cash_zero'])}, 0, "
                     f"uniform({number_text(low)}, {number_text(high)})), {share})")
        derive(tip, f"round({base['name']} * {share}, 2)")
        break


def min_max_pairs(columns: Columns, domain_id: str | None) -> None:
    """A maximum lies above its minimum (min_price and max_price)."""
    for low_col in columns:
        m = re.match(r"^(min|minimum)_(.+)$|^(.+)_(min|minimum)$", low_col["name"])
        stem = m and (m.group(2) or m.group(3))
        high_col = stem and find_col(columns, rf"^(max|maximum)_{re.escape(stem)}$|^{re.escape(stem)}_(max|maximum)$",
                                     AMOUNTS)
        if high_col and low_col["type"] in AMOUNTS:
            digits = 2 if low_col["type"] == "float" else 0
            span = float(low_col.get("max", 100)) - float(low_col.get("min", 0))
            derive(high_col, f"round({low_col['name']} + uniform({span * 0.05:.4g}, {span * 0.25:.4g}), {digits})")


def country_of_place(columns: Columns, domain_id: str | None) -> None:
    """A country beside a city, state and zip is where they are, not a country of its own."""
    city = find_col(columns, r"(^|_)city$", ("faker",))
    country = find_col(columns, r"(^|_)country$", ("choice",))
    if city and country and find_col(columns, r"(^|_)(state|zip|zip_code|zipcode|postcode|postal_code)", ("faker",)) \
            and not given(country, "values"):
        keep = {k: country[k] for k in ("name", "description") if k in country}
        country.clear()
        country.update(keep, type="faker", method="country")


def ad_funnel(columns: Columns, domain_id: str | None) -> None:
    """A funnel narrows: clicks from impressions, conversions from clicks, CTR from both."""
    impressions = find_col(columns, r"impression", ("int",))
    clicks = find_col(columns, r"(^|_)clicks?($|_)", ("int",))
    conversions = find_col(columns, r"conversion", ("int",))
    if impressions and clicks:
        derive(clicks, f"round({impressions['name']} * uniform(0.005, 0.06))")
        if conversions:
            derive(conversions, f"round({clicks['name']} * uniform(0.01, 0.15))")
        ctr = find_col(columns, r"ctr|click_through", AMOUNTS)
        if ctr:
            derive(ctr, f"if({impressions['name']} > 0, {clicks['name']} / {impressions['name']} * 100, 0)",
                   decimals=2)


def total_charges(columns: Columns, domain_id: str | None) -> None:
    """Total charges are about the monthly charge times the months of tenure."""
    monthly = find_col(columns, r"monthly", AMOUNTS)
    tenure = find_col(columns, r"tenure|months", ("int",))
    total = find_col(columns, r"total", AMOUNTS)
    if monthly and tenure and total and total is not monthly and not given(total, "formula"):
        derive(total, f"round(max({monthly['name']} * max({tenure['name']}, 1) * uniform(0.97, 1.03), {monthly['name']}), 2)")


def roles_of(columns: Columns, roles: dict[str, str], types: dict[str, list[str]]) -> dict[str, dict[str, Any]] | None:
    found: dict[str, dict[str, Any]] = {}
    for role, pattern in roles.items():
        want = tuple(types.get(role) or ("int", "float", "formula"))
        col = next((c for c in columns if rx(pattern).search(c["name"]) and c["type"] in want
                    and c not in found.values() and not c.get("_helper")), None)
        if col is None:
            return None
        found[role] = col
    return found


def formula_links(columns: Columns, domain_id: str | None) -> None:
    """Quantities that are arithmetic of others in the world (net pay is gross minus tax, a fare is
    a base plus a rate per km, a delay is actual minus scheduled): "formula" links, each naming its
    roles by the words of column names and the expression that ties them."""
    for link in links("formula"):
        if link.get("domains") and domain_id not in link["domains"]:
            continue
        roles = roles_of(columns, link["roles"], link.get("types") or {})
        if not roles:
            continue
        target = roles[link["target"]]
        if given(target, "formula", "range", "after") or target.get("after") or target.get("step"):
            continue
        first, then = link.get("order") or (None, None)  # a flight's departure comes before its arrival
        if first and roles.get(first) and roles.get(then) and roles[first].get("after") == roles[then]["name"]:
            continue
        if target["type"] == "formula" and not link.get("replace_formula"):
            continue
        expr = link["expr"].format(**{role: col["name"] for role, col in roles.items()})
        keep_type = link.get("type")
        derive(target, expr, link.get("decimals"))
        if keep_type:
            target["_kind"] = keep_type
        for role, fields in (link.get("adjust") or {}).items():
            col = roles.get(role)
            if col and col["type"] in ("int", "float") and not given(col, "range"):
                col.update(fields)


def reads(columns: Columns, col: dict[str, Any], name: str, depth: int = 0) -> bool:
    """Whether a column's formula reads a name, directly or through other formulas."""
    expr = str(col.get("expr", ""))
    if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", expr) or col.get("after") == name or col.get("depends_on") == name:
        return True
    if depth > 6:
        return False
    return any(reads(columns, other, name, depth + 1) for other in columns
               if other is not col and other.get("expr") and re.search(rf"(?<![\w.]){re.escape(other['name'])}(?![\w])", expr))


def correlated_pairs(columns: Columns, domain_id: str | None) -> None:
    """Numbers that move together in the world (a home's size and price, experience and salary,
    a credit score and the interest rate): "corr" links, drawn together when both are present."""
    for link in links("corr"):
        if link.get("domains") and domain_id not in link["domains"]:
            continue
        def usable(c: dict[str, Any]) -> bool:  # drawn, or derived from what was drawn (it is followed then)
            return c["type"] in DRAWN_NUMBERS + DATES or (c["type"] == "formula" and bool(c.get("_drawn")))
        a = next((c for c in columns if rx(link["a"]).search(c["name"]) and usable(c)), None)
        b = next((c for c in columns if rx(link["b"]).search(c["name"]) and usable(c) and c is not a), None)
        if a and b and not (given(b, "depends") or given(a, "depends")) and \
                (a["type"] != "formula" or b["type"] != "formula"):
            if "formula" in (a["type"], b["type"]):
                drawn, derived = (a, b) if b["type"] == "formula" else (b, a)
                if drawn.get("depends_on") or drawn.get("unique") or reads(columns, derived, drawn["name"]):
                    continue  # a fare computed from the distance already follows it
                drawn.setdefault("_corr", []).append((derived["name"], float(link.get("r", 0.7))))
            else:
                correlate(a, b, float(link.get("r", 0.7)))


def chance_links(columns: Columns, domain_id: str | None) -> None:
    """A yes/no that grows more likely with a number (approval with the credit score, churn with
    support calls): "chance" links make the flag's probability follow the number."""
    for link in links("chance"):
        a = next((c for c in columns if rx(link["a"]).search(c["name"]) and c["type"] in DRAWN_NUMBERS), None)
        b = next((c for c in columns if rx(link["b"]).search(c["name"]) and c["type"] == "bool"), None)
        if a and b and not given(b, "depends", "formula"):
            chance_from_number(b, a, int(link.get("sign", 1)))


def chance_from_number(flag: dict[str, Any], by: dict[str, Any], sign: int) -> None:
    """A flag true with a probability that rises (sign 1) or falls with a number, keeping its share."""
    p = float(flag.get("p", 0.5))
    lo, hi = float(by.get("min", 0)), float(by.get("max", 1))
    if hi <= lo:
        return
    mid = mean_of(by)  # the flag's share holds on average, whatever the number's shape
    a = min(p, 1 - p) * 0.95
    spread = float(by["std"]) * 4 if by.get("std") else (hi - lo)
    slope = 2 * a / max(min(spread, hi - lo), 1e-9) * sign
    derive(flag, f"uniform(0, 1) < {number_text(p)} + {number_text(slope)} * ({by['name']} - {number_text(mid)})")
    flag.setdefault("_given", set()).add("depends")


def ordinal_prices(columns: Columns, domain_id: str | None) -> None:
    """A price follows the rank of a choice whose values form a known scale (standard < deluxe <
    suite, S < M < L, economy < business < first): "ordinal" links name the pairs, "scales" the ranks."""
    for link in links("ordinal"):
        by = next((c for c in columns if rx(link["by"]).search(c["name"]) and c["type"] == "choice"), None)
        value = next((c for c in columns if rx(link["value"]).search(c["name"]) and c["type"] in DRAWN_NUMBERS), None)
        if not by or not value or value.get("depends_on") or given(value, "depends"):
            continue
        ranks = scale_ranks(by.get("values") or [])
        if not ranks or len(set(ranks.values())) < 2:
            continue
        order = sorted(ranks, key=lambda v: ranks[v])
        step = float(link.get("step", 0.35))
        depend_on_rank(value, by, order, step, ranks)


def scale_ranks(values: list[Any]) -> dict[Any, float] | None:
    """The rank of each value on a known ordinal scale, if they all lie on one."""
    low = [re.sub(r"[^a-z0-9+ ]", " ", str(v).lower()).strip() for v in values]
    weak = set(knowledge().get("scale_weak") or [])
    for scale in knowledge().get("scales", []):
        ranks: dict[Any, float] = {}
        for value, text in zip(values, low):
            rank = next((i for i, names in enumerate(scale) if text in names), None)
            if rank is None:  # "Executive Suite" is a suite, "Deluxe King" deluxe: the highest word that ranks,
                found = [(n in weak, i) for i, names in enumerate(scale) for n in names if len(n) > 2
                         and re.search(rf"\b{re.escape(n)}\b", text)]  # a bed size only when nothing else does
                strong = [i for w, i in found if not w]
                rank = max(strong) if strong else max((i for _, i in found), default=None)
            if rank is None:
                break
            ranks[value] = rank
        else:
            if len(ranks) >= 2:
                return ranks
    return None


def depend_on_rank(value: dict[str, Any], by: dict[str, Any], order: list[Any], step: float,
                   ranks: dict[Any, float] | None = None) -> None:
    """Cases of a number column that rise with the rank of the values of `by`, around its own mean;
    values of one rank (two kinds of suite) alike."""
    n = len(order)
    places = [float(ranks[v]) for v in order] if ranks else [float(i) for i in range(n)]
    middle = (min(places) + max(places)) / 2
    factors = [(1 + step) ** (p - middle) for p in places]
    value["depends_on"] = by["name"]
    value["cases"] = [dict(when=v, **scaled_case(value, f)) for v, f in zip(order, factors)]


def grade_from_score(columns: Columns, domain_id: str | None) -> None:
    """A letter grade agrees with the score beside it (A from 90, B from 80 ...)."""
    score = find_col(columns, r"(^|_)(score|mark|marks|percentage|percent|points|exam_score|test_score)$",
                     AMOUNTS + COMPUTED)
    grade = find_col(columns, r"(^|_)(letter_grade|grade)$", ("choice",))
    if not score or not grade or given(grade, "formula") or score is grade:
        return
    values = [str(v) for v in grade.get("values") or []]
    letters = [v for v in values if re.fullmatch(r"[A-F][+-]?", v)]
    if len(letters) < 3:
        return
    top = float(score.get("max", 100)) if score["type"] != "formula" else 100.0
    cut = {"A": 0.9, "B": 0.8, "C": 0.7, "D": 0.6, "E": 0.5}
    expr = "'F'" if "F" in letters else f"'{letters[-1]}'"
    for letter in reversed([x for x in "ABCDE" if x in {v[0] for v in letters}]):
        expr = f"if({score['name']} >= {number_text(cut[letter] * top)}, '{letter}', {expr})"
    derive(grade, expr)


def follow_up_measure(columns: Columns, domain_id: str | None) -> None:
    """A measurement taken again later stays near its baseline (blood pressure at week 12, weight
    after the programme): "follow_up" links name the pairs."""
    for link in links("follow_up"):
        base = next((c for c in columns if rx(link["a"]).search(c["name"]) and c["type"] in AMOUNTS), None)
        later = next((c for c in columns if rx(link["b"]).search(c["name"]) and c["type"] in AMOUNTS and c is not base
                      and not rx(link["a"]).search(c["name"])), None)
        if base and later and not given(later, "formula") and later["type"] != "formula":
            spread = (float(base.get("max", 100)) - float(base.get("min", 0))) / 10 or 1
            change = float(link.get("change", 0)) * spread
            derive(later, f"round({base['name']} + normal({number_text(change)}, {number_text(spread)}), 1)")
            break


def records_agree(columns: Columns, domain_id: str | None) -> None:
    """Fields of one real thing agree in a row (a coin's price level, a ticker's company, a car
    model's make and price band, an airport's city): the key column takes real values from
    records.json and the others follow it by cases."""
    for table in knowledge().get("records", {}).values():
        fields = table["fields"]
        key_field = next(iter(fields))
        for key_col in [c for c in columns if (c["type"] in ("choice", "faker", "pattern") or c.get("_values"))
                        and matches_field(c, fields[key_field])]:
            prefix = name_prefix(key_col["name"], fields[key_field])
            others = [(f, c) for f in list(fields)[1:] for c in columns
                      if c is not key_col and matches_field(c, fields[f]) and name_prefix(c["name"], fields[f]) == prefix
                      and not given(c, "values", "range", "formula", "depends") and c["type"] != "formula"]
            if not others:
                continue  # nothing to agree with: a title alone is not a book
            rows = table["rows"][:MAX_RECORD_CASES]
            if key_col.get("_values"):  # a label read through a ref from its hidden table: its values
                mapping = record_values({"type": "choice", "values": key_col["_values"], "_given": {"values"}}, rows,
                                        key_field)
            else:
                mapping = record_values(key_col, rows, key_field)
            if mapping is None:
                continue
            spread = float(table.get("spread", 0.15))
            for field, col in others:
                follow_record(col, key_col["name"], mapping, field, spread)


def matches_field(col: dict[str, Any], pattern: str) -> bool:
    return bool(re.fullmatch(pattern, col["name"]))


def name_prefix(name: str, pattern: str) -> str:
    """'origin_airport' and 'origin_city' belong together; 'destination_city' to another airport."""
    m = re.match(r"^(origin|destination|departure|arrival|from|to|home|away|source|target|pickup|dropoff)_", name)
    return m.group(1) if m else ""


def record_values(key_col: dict[str, Any], rows: list[dict[str, Any]], key_field: str) -> dict[Any, dict[str, Any]] | None:
    """The key column's values, each with its record: its own values when they name records
    ('BTC/USDT' is Bitcoin's), else the records' keys."""
    keys = [str(row[key_field]) for row in rows]
    if key_col["type"] == "choice" and key_col.get("values"):
        mapping = {}
        for value in key_col["values"]:
            text = str(value).upper()
            row = next((row for k, row in zip(keys, rows) if k.upper() == text or re.match(rf"^{re.escape(k.upper())}\b", text)),
                       None)
            if row is not None:
                mapping[value] = row
        if len(mapping) * 2 >= len(key_col["values"]) and len(mapping) >= 2:
            if len(mapping) < len(key_col["values"]) and not given(key_col, "values"):
                key_col["values"] = list(mapping)
                key_col.pop("weights", None)
            return mapping
        return None  # values of another kind (tickers are not coins)
    keep = {k: key_col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in key_col}
    key_col.clear()
    key_col.update(keep, type="choice", values=keys)
    return {k: row for k, row in zip(keys, rows)}


def follow_record(col: dict[str, Any], key: str, mapping: dict[Any, dict[str, Any]], field: str, spread: float) -> None:
    values = {k: row.get(field) for k, row in mapping.items() if row.get(field) is not None}
    if not values:
        return
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values())
    money = re.search(r"price|cost|value|msrp|fare|fee|salary|rent", f"{field} {col['name']}")
    if numeric and col["type"] in ("int", "float") and all(isinstance(v, int) for v in values.values()) and not money:
        lo, hi = min(values.values()), max(values.values())  # a year, a count: exactly the record's
        col.update(type="int", min=lo, max=hi, distribution="uniform")
        for key_name in ("mean", "std", "decimals"):
            col.pop(key_name, None)
        col["depends_on"] = key
        col["cases"] = [{"when": k, "min": v, "max": v} for k, v in values.items()]
    elif numeric and col["type"] in ("int", "float"):
        lo, hi = min(values.values()), max(values.values())

        def digits(x: float) -> int:  # enough decimals for a coin worth 0.00002
            return 2 if abs(x) >= 1 or x == 0 else min(10, 3 - math.floor(math.log10(abs(x))))
        low_edge, high_edge = 1 - min(2.5 * spread, 0.9), 1 + 2.5 * spread
        col.update(type="float", min=round(lo * low_edge, digits(lo)), max=round(hi * high_edge, 2),
                   decimals=max(int(col.get("decimals") or 2), digits(lo)), distribution="normal",
                   mean=round((lo + hi) / 2, 2), std=round((hi - lo) / 4 or 1, 2))
        col["depends_on"] = key
        col["cases"] = [{"when": k, "mean": v, "std": round(abs(v) * spread, digits(v) + 1),
                         "min": round(v * low_edge, digits(v) + 1), "max": round(v * high_edge, digits(v) + 1)}
                        for k, v in values.items()]
    else:
        options = list(dict.fromkeys(str(v) for v in values.values()))
        keep = {k: col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in col}
        col.clear()
        col.update(keep, type="choice", values=options, depends_on=key,
                   cases=[{"when": k, "weights": [1.0 if o == str(v) else 0.0 for o in options]} for k, v in values.items()])
    col.setdefault("_given", set()).add("depends")


def differ_pairs(columns: Columns, domain_id: str | None) -> None:
    """A trip does not end where it starts, a team does not play itself: "differ" links make the
    second of such a pair draw any value but the first's."""
    for link in links("differ"):
        a = next((c for c in columns if rx(link["a"]).search(c["name"]) and c["type"] == "choice"), None)
        b = next((c for c in columns if rx(link["b"]).search(c["name"]) and c["type"] == "choice" and c is not a), None)
        if not a or not b or b.get("depends_on") or given(b, "depends") or not 2 <= len(b.get("values") or []) <= 100:
            continue
        shared = [v for v in a.get("values") or [] if v in b["values"]]
        if len(shared) < 2 or len(shared) > 100:
            continue
        base = list(b.get("weights") or [1.0] * len(b["values"]))
        b["depends_on"] = a["name"]
        b["cases"] = [{"when": v, "weights": [0.0 if x == v else w for x, w in zip(b["values"], base)]} for v in shared]


def only_when(columns: Columns, domain_id: str | None) -> None:
    """Revenue comes from converted users, a refund from returned orders: "only_if" links leave
    the amount empty where the flag is false."""
    for link in links("only_if"):
        flag = next((c for c in columns if rx(link["a"]).search(c["name"]) and c["type"] in ("bool", "formula")), None)
        value = next((c for c in columns if rx(link["b"]).search(c["name"]) and c["type"] in ("int", "float", "formula")), None)
        if not flag or not value or value.get("null_if") or flag is value:
            continue
        if value["type"] in ("int", "float", "formula") and not re.search(r"date|_at$|time", value["name"]):
            value.setdefault("_factors", []).append({"expr": f"if({flag['name']}, 1, 0)", "time": True})  # none: 0
        else:
            value["null_if"] = f"not {flag['name']}"


def value_factors(columns: Columns, domain_id: str | None) -> None:
    """A value that wears with age and use (a used car's price with its year and mileage): "factor"
    links multiply it by each factor whose column is present, so it moves with them in every row."""
    for link in links("factor"):
        if link.get("domains") and domain_id not in link["domains"]:
            continue
        target = find_col(columns, link["target"], ("int", "float"))
        if target is None or given(target, "formula", "range"):
            continue
        for factor in link["factors"]:
            by = find_col(columns, factor["col"], tuple(factor.get("types") or ("int", "float")))
            if by is not None and by is not target and not any(by["name"] in f["expr"] for f in target.get("_factors", [])):
                target.setdefault("_factors", []).append({"expr": factor["expr"].format(c=by["name"])})


RELATIONS: list[Callable[[Columns, str | None], None]] = [
    dates_in_order, hotel_stay, line_total, trip_speed, tip_share, birth_date_from_age, graduation_year_from_age,
    experience_from_age, salary_from_experience, stock_day, min_max_pairs, country_of_place,
    ad_funnel, total_charges, records_agree, formula_links, correlated_pairs, chance_links, ordinal_prices,
    grade_from_score, follow_up_measure, differ_pairs, only_when, value_factors,
]


def add_relations(columns: Columns, domain_id: str | None) -> None:
    """The relations a reader takes for granted, each rule in turn: a later rule sees what an
    earlier one derived (a line total from the nights a stay rule computed)."""
    for rule in RELATIONS:
        rule(columns, domain_id)


# --- correlations into a matrix ---

def correlation_matrix(columns: Columns) -> dict[str, Any] | None:
    """The table's `correlations` from the pairs marked on its columns, made positive semi-definite."""
    names = {c["name"] for c in columns}
    pairs = [(c["name"], other, r) for c in columns for other, r in c.get("_corr", []) if other in names]
    usable = {c["name"] for c in columns if c["type"] in ("int", "float", "date", "datetime") and not c.get("after")
              and not c.get("step") and not c.get("unique") and not c.get("depends_on")}
    pairs = [(a, b, r) for a, b, r in pairs if a in usable and b in usable]
    if not pairs:
        return None
    order: list[str] = []
    for a, b, _ in pairs:
        for n in (a, b):
            if n not in order:
                order.append(n)
    k = len(order)
    m = [[1.0 if i == j else 0.0 for j in range(k)] for i in range(k)]
    for a, b, r in pairs:
        i, j = order.index(a), order.index(b)
        m[i][j] = m[j][i] = r
    m = nearest_correlation(m)
    return {"columns": order, "matrix": m}


def nearest_correlation(m: list[list[float]]) -> list[list[float]]:
    """A correlation matrix close to m that is positive semi-definite (clipped eigenvalues)."""
    import numpy as np

    a = np.array(m, dtype=float)
    for _ in range(20):
        w, v = np.linalg.eigh(a)
        if w.min() >= 1e-4:
            break
        w = np.clip(w, 1e-3, None)
        a = v @ np.diag(w) @ v.T
        d = np.sqrt(np.diag(a))
        a = a / np.outer(d, d)
    a = (a + a.T) / 2
    np.fill_diagonal(a, 1.0)
    return [[round(float(x), 4) for x in row] for row in a]


__all__ = ["RELATIONS", "add_relations", "derive", "find_col", "correlate", "correlation_matrix", "scaled_case",
           "depend_on_rank", "chance_from_number", "condition_value", "mean_of", "number_text", "knowledge", "given"]

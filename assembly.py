"""The designed tables as a schema: money on the country's scale, places that agree, a number
that depends on several things as a hidden base times its factors, correlations as a matrix, the
designer's private keys dropped, one table as `columns` and several as `tables`.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from constraints import NUMBERS, Table
from relations import correlation_matrix, given, mean_of, number_text, reads, scaled_case
from schema import snake

# --- money on the country's scale ---

MARKET_DOMAINS = {"finance", "banking", "stocks", "crypto", "airlines", "travel"}


def money_scale(designer: Any, columns: list[dict[str, Any]], ctx: Any) -> None:
    places_agree(columns, ctx)
    """Money the vocabulary drafted in dollars, on the scale of the country's currency (yen,
    rupees ...); amounts the user gave keep their numbers."""
    currencies = designer.vocab.currencies
    wages = re.compile(designer.vocab.data.get("wage_pattern") or r"salary|wage|income|pay")
    for col in columns:
        code = col.get("_currency") or ctx.currency
        info = currencies.get(code)
        if not info or col["type"] not in NUMBERS or given(col, "range") or not designer.vocab.money.search(col["name"]):
            continue
        market = ctx.domain_id in MARKET_DOMAINS  # market prices are the same money everywhere
        rate = float(info.get("wage") if wages.search(col["name"]) else
                     info.get("per_usd", 1) if market else info.get("ppp", info.get("per_usd", 1)))
        if rate != 1:
            for key in ("min", "max", "mean", "std"):
                if col.get(key) is not None:
                    col[key] = round(float(col[key]) * rate, 2)
        if info.get("decimals", 2) == 0:
            col["type"] = "int" if col["type"] == "float" else col["type"]
            for key in ("min", "max"):
                if col.get(key) is not None:
                    col[key] = int(round(col[key]))
            col.pop("decimals", None)
            if col["type"] == "int" and col.get("std") is not None and col["std"] < 1:
                col["std"] = 1


# --- places that agree ---

PLACES_PATH = Path(__file__).resolve().parent / "places.json"
REGION_NAME = re.compile(r"(^|_)(state|region|province|prefecture|bundesland|county|estado|provincia|land|voivodeship|"
                         r"departement|regione|provincie)$")


@functools.cache
def countries_with_places() -> frozenset[str]:
    """Locales whose cities, regions and postcodes the row makers draw together (places.json)."""
    try:
        return frozenset((json.loads(PLACES_PATH.read_text(encoding="utf-8")).get("countries") or {}).keys())
    except (OSError, ValueError):
        return frozenset()


def places_agree(columns: list[dict[str, Any]], ctx: Any) -> None:
    """Beside a city, a region named in the locale's own words is the city's region: a place
    column the row makers draw with the city from one real place."""
    if ctx.locale not in countries_with_places():
        return
    if not any(c["type"] == "faker" and c.get("method") == "city" for c in columns):
        return
    for col in columns:
        if col["type"] == "choice" and REGION_NAME.search(col["name"]) and not given(col, "values") and \
                not all(len(str(v)) <= 3 for v in col.get("values") or []):
            keep = {k: col[k] for k in ("name", "description", "_given", "_words", "_concept") if k in col}
            col.clear()
            col.update(keep, type="faker", method="administrative_unit")


# --- assembling tables into a schema ---

def finish_factors(table: Table) -> None:
    """A number that depends on one thing draws by cases; on several, it is a hidden base times
    each factor."""
    for col in list(table.columns):
        factors = col.pop("_factors", None)
        if not factors:
            continue
        if len(factors) == 1 and "by" in factors[0] and col["type"] in NUMBERS and drawn_alone(col):
            f = factors[0]
            col["depends_on"] = f["by"]
            col["cases"] = [dict(when=v, **scaled_case(col, x)) for v, x in f["factors"].items() if abs(x - 1) > 1e-9]
            continue
        product = " * ".join(f["expr"] for f in factors)
        digits = 0 if col["type"] == "int" else int(col.get("decimals", 2))
        if col["type"] == "formula" and col.get("_cap"):  # a bounded share stays under its bound
            top = 1.0
            for f in factors:
                top *= max([1.0] + [float(x) for x in re.findall(r",\s*(\d+(?:\.\d+)?)", f["expr"])])
            col["expr"] = f"min({col['_cap']}, round(({col['expr']}) * {product} / {number_text(top)}, {digits}))"
            continue
        if col["type"] == "formula":
            col["expr"] = f"round(({col['expr']}) * {product}, {digits})"
            continue
        if col["type"] not in NUMBERS:
            continue
        base = {k: v for k, v in col.items() if not k.startswith("_") or k == "_corr"}
        base.update(name=snake(col["name"] + "_base", 60), hidden=True, description=f"{col['name']} before its factors")
        base.pop("null_rate", None)
        base.pop("null_if", None)
        for other in table.columns:  # correlations follow the drawn base
            other["_corr"] = [(base["name"] if n == col["name"] else n, r) for n, r in other.get("_corr", [])]
        table.columns.insert(table.columns.index(col), base)
        keep = {k: col[k] for k in ("name", "description", "null_rate", "null_if", "_given") if k in col}
        col.clear()
        expr = f"round({base['name']} * {product}, {digits})"
        if "range" in (keep.get("_given") or set()) and base.get("max") is not None:  # the asked range holds after the factors
            expr = f"min({number_text(float(base['max']))}, {expr})"
        col.update(keep, type="formula", expr=expr)


def follow_derived(table: Table) -> None:
    """A drawn number correlated with one that became a formula follows it instead: its mean moves
    with the formula's value by the asked correlation, with noise for the rest."""
    cols = {c["name"]: c for c in table.columns}
    for col in list(table.columns):
        pairs = col.get("_corr") or []
        for other_name, r in list(pairs):
            other = cols.get(other_name)
            if other is None:
                continue
            drawn, derived = (col, other) if other["type"] == "formula" else (other, col)
            if drawn["type"] not in NUMBERS or derived["type"] != "formula" or not derived.get("_drawn") or \
                    drawn.get("depends_on") or drawn.get("unique") or reads(table.columns, derived, drawn["name"]):
                continue
            pairs.remove((other_name, r))
            mean, std = mean_of(drawn), float(drawn.get("std") or (float(drawn.get("max", 1)) -
                                                                    float(drawn.get("min", 0))) / 4 or 1)
            f_mean, f_std = derived["_drawn"]["mean"], derived["_drawn"]["std"]
            slope = r * std / f_std
            noise = std * max(0.05, (1 - r * r)) ** 0.5
            expr = (f"{number_text(mean)} + {number_text(slope)} * ({derived['name']} - {number_text(f_mean)}) + "
                    f"normal(0, {number_text(noise)})")
            if drawn.get("max") is not None:
                expr = f"min({number_text(float(drawn['max']))}, {expr})"
            if drawn.get("min") is not None:
                expr = f"max({number_text(float(drawn['min']))}, {expr})"
            digits = 0 if drawn["type"] == "int" else int(drawn.get("decimals", 2))
            keep = {k: drawn[k] for k in ("name", "description", "null_rate", "null_if", "_given", "_corr") if k in drawn}
            drawn.clear()
            drawn.update(keep, type="formula", expr=f"round({expr}, {digits})", decimals=digits)


def drawn_alone(col: dict[str, Any]) -> bool:
    return not col.get("depends_on") and not col.get("_corr") and not col.get("unique")


def public_column(col: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in col.items() if not k.startswith("_")}
    if out.get("type") == "formula":
        for key in ("min", "max", "mean", "std", "distribution", "values", "weights", "method", "p", "pattern",
                    "start", "end", "prefix", "width", "format", "after", "min_days", "max_days", "unique",
                    "entity", "args"):
            out.pop(key, None)
    if out.get("type") not in ("date", "datetime"):
        for key in ("start", "end", "after", "min_days", "max_days", "step", "per", "hours", "weekdays"):
            out.pop(key, None)
    return out


def assemble(tables: list[Table], ctx: Any, main: str, name: str = "") -> dict[str, Any]:
    """The designed tables as a schema: one table as `columns`, several as `tables`."""
    out_tables = []
    for table in tables:
        finish_factors(table)
        follow_derived(table)
        corr = correlation_matrix(table.columns)
        body: dict[str, Any] = {"name": table.name}
        if table.data is not None:
            body["data"] = table.data
        else:
            body["columns"] = [public_column(c) for c in table.columns if not c.get("_virtual")]
        if table.rows is not None and table.data is None:
            body["rows"] = int(table.rows)
        if table.per is not None:
            body["per"] = table.per
            body.pop("rows", None)
        if table.hidden:
            body["hidden"] = True
        if corr:
            body["correlations"] = corr
        out_tables.append(body)
    name = name or main
    if len(out_tables) == 1:
        only = out_tables[0]
        data = {"name": name, "locale": ctx.locale, "columns": only["columns"]}
        if only.get("correlations"):
            data["correlations"] = only["correlations"]
        return data
    for body in out_tables:
        if body["name"] == main:
            body.pop("rows", None) if body.get("per") is None else None
    return {"name": name, "locale": ctx.locale, "main": main, "tables": out_tables}

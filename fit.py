"""Learning from a sample: a schema whose rows are shaped like the user's own data, and a
report of how close and how private they are.

    fitted = fit_sample(open("penguins.csv", "rb").read(), "penguins.csv")
    fitted.schema   # an ordinary one-table schema, the sample's columns in the sample's order
    fitted.report   # shape and trend scores, histograms of real and synthetic values, privacy

fit_sample() reads and profiles the sample (sample.py), builds the schema here, and has it
reported (report.py). Building: each column's distribution (empirical quantiles, so skew, zeros
and several modes survive), the category that moves a number most (per-case quantiles; the month
of a date is such a category, so seasons survive), categories that go together (a tree of
`depends_on`), and a Gaussian copula over the numbers and dates (`correlations`); a regular date
series is the sample's series, started again after its span (more rows than the sample stay
within its dates); free text is Faker text of about the sample's lengths and language; hidden
helper columns stay within the schema's room.

What is never copied: a whole row, a category value seen fewer than RARE times (merged into
OTHER), free text, names and addresses (Faker makes new ones), ids (a sequence continues after
the sample's last id). This module does not read files or profile columns (sample.py) or score
rows against the sample (report.py). Nothing here writes files or caches: main.py caches a fit
after it succeeds.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from scipy import special, stats

import rows
from cells import SECONDS_PER_DAY
from columns import MAX_CASES, MAX_CHOICE_VALUES, MAX_NAME_CHARS, MAX_QUANTILES, STEP, STEP_MONTHS, STEP_SECONDS
from errors import clip
from report import make_report
from sample import (MIN_CASE_ROWS, OTHER, RARE, SEED, Profile, clean_names, day_text, label_codes, profile_column,
                    read_sample, text_locale)
from schema import MAX_CORRELATED, load_schema, snake

MAX_FIT_ROWS = 200_000          # a larger sample is learned from this many random rows
MIN_ETA = 0.03                  # share of a number's variance a category must explain to drive it
MIN_ETA_P = 1e-3                # ... and significantly so (an F test), not by chance across many groups
MIN_ETA_GAIN = 0.05             # what a second category must add to join the first
MIN_CRAMERS_V = 0.1             # categories this associated (and significantly so) depend on each other
MIN_CORRELATION = 0.05          # a number joins the copula when it correlates this much with another
CASE_QUANTILES = 201            # most quantiles of one case (the whole column takes up to 1001)
LENGTH_BINS = 4                 # free text: this many length groups, each with its own Faker length
SCHEMA_COLUMNS = 200            # the service's default MAX_COLUMNS: hidden helpers stay within it


@dataclass
class Fitted:
    schema: dict[str, Any]      # an ordinary schema (one table), columns in the sample's order
    report: dict[str, Any]      # per column shape scores, pair trends, privacy figures


def fit_sample(data: bytes, filename: str, description: str | None = None, name: str | None = None) -> Fitted:
    """Read the sample (CSV, TSV, JSON Lines, Parquet or Excel), fit a schema, and report."""
    frame, source = read_sample(data, filename)
    total = len(frame)
    if total > MAX_FIT_ROWS:
        frame = frame.sample(MAX_FIT_ROWS, random_state=SEED).sort_index()
    names, notes = clean_names([str(c) for c in frame.columns])
    profiles = [profile_column(nm, str(src), frame[src]) for nm, src in zip(names, frame.columns)]
    locale = text_locale(profiles)
    schema_name = name or snake(re.sub(r"\.[A-Za-z0-9]{1,5}$", "", filename or "")) or "sample"
    schema, learned = build_schema(profiles, np.arange(len(frame)), locale, schema_name)
    report = make_report(profiles, schema, learned, total, source, notes, description, build_schema)
    if total > len(frame):
        report["notes"].append(f"learned from {len(frame):,} random rows of {total:,}; a date series longer than "
                               "that is learned as dates, not as a series")
    return Fitted(schema, report)


# --- free text: Faker text of about the same length and language ---

@functools.cache
def words_per_char(locale: str) -> tuple[float, float]:
    """Characters per word of Faker's sentences in this locale, and of one default sentence."""
    schema = load_schema({"name": "probe", "locale": locale, "columns": [
        {"name": "s", "type": "faker", "method": "sentence", "args": {"nb_words": 10}},
        {"name": "t", "type": "faker", "method": "sentence"}]}, 2)
    table = rows.main_rows(schema, 400, SEED)
    per_word = float(np.mean(pc.utf8_length(table["s"]).to_numpy())) / 10
    sentence = float(np.mean(pc.utf8_length(table["t"]).to_numpy()))
    return max(per_word, 2.0), max(sentence, 10.0)


def text_column(prof: Profile, locale: str, helpers: Any) -> dict[str, Any]:
    """Faker text whose lengths follow the sample's: a few length groups, each drawn with its
    own length through a hidden helper (one length for all when there is no room for it)."""
    cells = [v for v in prof.labels if v is not None] if prof.labels is not None else []
    lens = np.array([len(v) for v in cells], dtype=float)
    words = np.array([len(v.split()) for v in cells], dtype=float)
    if words.mean() < 1.5:
        return {"name": prof.name, "type": "faker", "method": "word"}
    per_word, sentence = words_per_char(locale)
    groups = LENGTH_BINS if len(lens) >= LENGTH_BINS * MIN_CASE_ROWS and helpers.room > 0 else 1
    edges = np.quantile(lens, np.linspace(0, 1, groups + 1))
    which = np.clip(np.searchsorted(edges[1:-1], lens, side="right"), 0, groups - 1)
    specs, weights = [], []
    for g in range(groups):
        members = lens[which == g]
        if not len(members):
            continue
        specs.append(text_method(float(np.median(members)), per_word, sentence))
        weights.append(len(members))
    base = {"name": prof.name, "type": "faker"} | specs[0]
    if len(specs) == 1:
        return base
    helper = helpers.name(f"{prof.name[:MAX_NAME_CHARS - 7]}_length")
    base |= {"depends_on": helper, "cases": [{"when": i} | s for i, s in enumerate(specs) if i]}
    helpers.add([{"name": helper, "type": "choice", "values": list(range(len(specs))), "weights": weights,
                  "hidden": True}])
    return base


def text_method(length: float, per_word: float, sentence: float) -> dict[str, Any]:
    if length <= 50 * per_word:
        return {"method": "sentence", "args": {"nb_words": int(max(1, round(length / per_word)))}}
    if length <= 10 * sentence:
        return {"method": "paragraph", "args": {"nb_sentences": int(max(1, round(length / sentence)))}}
    return {"method": "text", "args": {"max_nb_chars": int(min(500, round(length * 1.2)))}}


def unique_name(name: str, taken: set[str]) -> str:
    base, k = name, 2
    while name in taken:
        name = f"{base[:MAX_NAME_CHARS - 4]}_{k}"
        k += 1
    taken.add(name)
    return name


# --- building: the schema from the profiles, on a set of rows ---

@dataclass
class Driver:
    """A category that may move numbers: a category column, or a date's month, weekday or hour
    (made by a hidden formula)."""

    name: str                           # the column that depends_on reads
    codes: np.ndarray                   # per row: the value's index (-1 when empty or too rare)
    values: list[Any]                   # the `when` of each index
    label: str                          # in words
    helpers: list[dict[str, Any]] = field(default_factory=list)   # hidden formula columns it needs
    expr_name: str | None = None        # how a formula reads it (None: a formula cannot)


class Helpers:
    """Hidden helper columns (a date's month, a combined key, a code's shape, a text's length
    group): named apart from every other column, and no more than the schema has room for."""

    def __init__(self, names: list[str]):
        self.taken = set(names)
        self.room = SCHEMA_COLUMNS - len(names)
        self.columns: list[dict[str, Any]] = []
        self.row: str | None = None     # the hidden row number (0, 1, 2 ...) the date series read

    def name(self, wanted: str) -> str:
        return unique_name(wanted[:MAX_NAME_CHARS], self.taken)

    def fits(self, cols: list[dict[str, Any]]) -> bool:
        new = [c for c in cols if not any(c["name"] == h["name"] for h in self.columns)]
        return len(new) <= self.room

    def add(self, cols: list[dict[str, Any]]) -> None:
        for col in cols:
            if not any(col["name"] == h["name"] for h in self.columns):
                self.columns.append(col)
                self.room -= 1


def build_schema(profiles: list[Profile], idx: np.ndarray, locale: str, name: str
                 ) -> tuple[dict[str, Any], dict[str, str]]:
    """The schema of the rows `idx` of the profiled sample, and a sentence per column of what
    was learned."""
    helpers = Helpers([p.name for p in profiles])
    columns: dict[str, dict[str, Any]] = {}
    drawn: dict[str, dict[str, Any]] = {}      # a wrapped number's hidden column, drawn in its place
    learned: dict[str, str] = {}
    categories: dict[str, tuple[list[Any], np.ndarray]] = {}
    for prof in profiles:
        missing = prof.missing[idx]
        null_rate = round(float(missing.mean()), 4) if len(missing) else 0.0
        if prof.kind in ("bool", "category"):
            col, values, codes = category_column(prof, idx)
            categories[prof.name] = (values, codes)
        elif prof.kind == "number":
            col = number_column(prof, prof.values[idx])
            if prof.wrap:
                col = wrap_number(prof, col, helpers, drawn)
        elif prof.kind == "date":
            col = date_column(prof, prof.values[idx], helpers)
        elif prof.kind == "text":
            col = text_column(prof, locale, helpers)
        elif prof.kind == "empty":
            col = {"name": prof.name, "type": "choice", "values": [""]}
            null_rate = 1.0
        else:
            col = fixed_column(prof, helpers)
        if null_rate and col["type"] != "id":
            drawn.get(prof.name, col)["null_rate"] = null_rate
        columns[prof.name] = col
        drawn.setdefault(prof.name, col)
        learned[prof.name] = col.pop("description", None) or prof.note
    drivers = category_drivers(profiles, categories) + calendar_drivers(profiles, idx, helpers, learned)
    conditioned = condition_numbers(profiles, idx, drawn, drivers, helpers, learned)
    link_categories(profiles, categories, columns, learned)
    schema: dict[str, Any] = {"name": name, "locale": locale,
                              "columns": [columns[p.name] for p in profiles] + helpers.columns}
    correlations = copula(profiles, idx, drawn, conditioned, learned)
    if correlations:
        schema["correlations"] = correlations
    for prof in profiles:
        col = columns[prof.name]
        col["description"] = clip(learned[prof.name] or prof.kind, 480)
    return schema, learned


def wrap_number(prof: Profile, col: dict[str, Any], helpers: Helpers, drawn: dict[str, dict[str, Any]]
                ) -> dict[str, Any]:
    """$12.50: a hidden number drawn like any other, and a formula that writes it with its sign
    or unit; plain numbers when there is no room for the hidden one."""
    pre, suf = prof.wrap or ("", "")
    hidden = dict(col)
    if not helpers.fits([hidden]):
        return col | {"description": col["description"] + f"; written without {pre + suf!r}"}
    base = snake(prof.name) or "value"
    hidden["name"] = helpers.name(("v_" if not base[0].isalpha() else "") + base[:MAX_NAME_CHARS - 8] + "_value")
    hidden["hidden"] = True
    hidden.pop("null_rate", None)
    hidden.pop("description", None)
    helpers.add([hidden])
    drawn[prof.name] = hidden
    number = f"str({hidden['name']})" if prof.integer else f"str(round({hidden['name']}, {prof.decimals}))"
    parts = ([json.dumps(pre, ensure_ascii=False)] if pre else []) + [number] + \
        ([json.dumps(suf, ensure_ascii=False)] if suf else [])
    return {"name": prof.name, "type": "formula", "expr": " + ".join(parts),
            "description": col["description"] + f", written as {pre}{'#' * 2}{suf}"}


def fixed_column(prof: Profile, helpers: Helpers) -> dict[str, Any]:
    """An id, code or Faker column as profiled; a code of several shapes draws its shape through
    a hidden helper when there is room for one, else keeps the most common shape."""
    col = dict(prof.columns[0])
    extra = [dict(c) for c in prof.columns[1:]]
    if not extra:
        return col
    if not helpers.fits(extra):
        col.pop("depends_on", None)
        col.pop("cases", None)
        return col
    helper = extra[0]
    helper["name"] = col["depends_on"] = helpers.name(helper["name"])
    helpers.add([helper])
    return col


def category_column(prof: Profile, idx: np.ndarray) -> tuple[dict[str, Any], list[Any], np.ndarray]:
    """Values seen at least RARE times with their counts; the rarer ones as OTHER. The codes
    index each row's value (-1 when empty)."""
    labels = pd.Series(prof.labels[idx], dtype=object)
    counts = labels.value_counts()
    keep = counts[counts >= RARE]
    rare = int(counts[counts < RARE].sum())
    if prof.kind == "bool":
        p = float((labels == "true").sum() / max(labels.notna().sum(), 1))
        codes = np.where(labels.isna(), -1, np.where(labels == "true", 0, 1))
        return {"name": prof.name, "type": "bool", "p": round(p, 6)}, [True, False], codes
    values = [str(v) for v in keep.index[:MAX_CHOICE_VALUES - 1]]
    weights = [int(c) for c in keep.values[:MAX_CHOICE_VALUES - 1]]
    rare += int(keep.values[MAX_CHOICE_VALUES - 1:].sum())
    if rare:
        if OTHER in values:
            weights[values.index(OTHER)] += rare
        else:
            values.append(OTHER)
            weights.append(rare)
    other = values.index(OTHER) if OTHER in values else -1
    codes = label_codes(labels.to_numpy(dtype=object), values, other)
    if not values:  # every value is rare
        values, weights = [OTHER], [max(rare, 1)]
        codes = np.where(labels.isna(), -1, 0)
    return {"name": prof.name, "type": "choice", "values": values, "weights": weights}, values, codes


def quantile_grid(x: np.ndarray, most: int = MAX_QUANTILES) -> np.ndarray:
    """Quantiles of the values on an even grid: about one for every two values (each between two
    neighbouring values, so none is a sample value unless values repeat), at most `most`."""
    k = int(np.clip(len(x) // 2 + 1, 2, most))
    return np.quantile(x, np.linspace(0, 1, k))


def number_quantiles(prof: Profile, x: np.ndarray, most: int = MAX_QUANTILES) -> list[float]:
    q = quantile_grid(x, most)
    digits = prof.decimals + 3 if not prof.integer else 2
    return [float(v) for v in np.maximum.accumulate(np.round(q, digits))]


def number_column(prof: Profile, values: np.ndarray) -> dict[str, Any]:
    x = values[~np.isnan(values)]
    col: dict[str, Any] = {"name": prof.name, "type": "int" if prof.integer else "float"}
    if not len(x):
        return col | {"min": 0, "max": 0}
    col |= {"distribution": "empirical", "quantiles": number_quantiles(prof, x)}
    lo, hi = float(x.min()), float(x.max())
    col |= {"min": int(lo) if prof.integer else lo, "max": int(hi) if prof.integer else hi}
    if not prof.integer:
        col["decimals"] = prof.decimals
    zeros = float(np.mean(x == 0))
    digits = f"{prof.decimals} decimal{'s' if prof.decimals != 1 else ''}"
    shape = f"{'whole numbers' if prof.integer else f'numbers with {digits}'} from {lo:g} to {hi:g}"
    if zeros >= 0.05:
        shape += f", {zeros:.0%} zeros"
    return col | {"description": shape}


def date_column(prof: Profile, values: np.ndarray, helpers: Helpers) -> dict[str, Any]:
    x = values[~np.isnan(values)]
    col: dict[str, Any] = {"name": prof.name, "type": "datetime" if prof.datetime else "date"}
    if prof.format:
        col["format"] = prof.format
    if not len(x):
        return col
    first, last = day_text(x.min(), False), day_text(x.max(), False)
    if prof.step:
        series = series_column(prof, x, helpers)
        if series is not None:
            return col | series
    q = quantile_grid(x)
    if not prof.datetime:
        q = np.floor(q)
    col |= {"start": first, "end": last, "distribution": "empirical",
            "quantiles": [day_text(v, prof.datetime) for v in np.maximum.accumulate(q)]}
    return col | {"description": f"{'datetimes' if prof.datetime else 'dates'} from {first} to {last}"}


def series_column(prof: Profile, x: np.ndarray, helpers: Helpers) -> dict[str, Any] | None:
    """A regular series that starts again after the sample's span: row k is the first date plus
    (k mod n) steps, n the steps from the sample's first date to its last. Up to n rows it is the
    sample's series; more rows repeat it, so the dates stay within the sample's instead of running
    on for years (and past 2100, where a date is an empty cell). `step` alone runs on without end,
    so the series is a hidden formula over a hidden row number and the first date, which the
    column follows (`after`, 0 days) to keep its own type and format. None when there is no room
    for the helpers: the dates are then drawn from the sample's."""
    found = STEP.match(prof.step or "")
    if not found:
        return None
    count, unit = int(found.group(1)), found.group(2)
    seconds, months = count * STEP_SECONDS.get(unit, 0), count * STEP_MONTHS.get(unit, 0)
    lo, hi = float(x.min()), float(x.max())
    first_day = int(math.floor(lo))
    time_of_day = int(round((lo - first_day) * SECONDS_PER_DAY)) % SECONDS_PER_DAY
    if months:
        start, end = (pd.Timestamp(day_text(v, False)) for v in (lo, hi))
        steps = ((end.year - start.year) * 12 + end.month - start.month) // months + 1
    else:
        steps = int(round((hi - lo) * SECONDS_PER_DAY / seconds)) + 1
    base = snake(prof.name)[:MAX_NAME_CHARS - 8].strip("_")
    base = base if re.fullmatch(r"[A-Za-z]\w*", base or "") else f"d_{base}".rstrip("_")
    row = helpers.row or helpers.name("row_number")
    anchor, series = helpers.name(f"{base}_first"), helpers.name(f"{base}_series")
    made = [] if helpers.row else [{"name": row, "type": "id", "start": 0, "hidden": True}]
    made += [{"name": anchor, "type": "date", "start": day_text(first_day, False), "end": day_text(first_day, False),
              "hidden": True},
             {"name": series, "type": "formula", "expr": series_expr(anchor, f"({row} % {steps})", seconds, months,
                                                                      start if months else None, time_of_day,
                                                                      prof.datetime), "hidden": True}]
    if not helpers.fits(made):
        return None
    helpers.add(made)
    helpers.row = row
    first, last = day_text(lo, prof.datetime), day_text(hi, prof.datetime)
    return {"after": series, "min_days": 0, "max_days": 0,
            "description": f"a regular series, one row every {prof.step}, from {first} to {last}; after "
                           f"{steps:,} rows it starts again at {first}, so its dates stay within the sample's"}


def series_expr(anchor: str, position: str, seconds: int, months: int, start: pd.Timestamp | None,
                time_of_day: int, is_datetime: bool) -> str:
    """The date `position` steps after the first (the anchor, a date at midnight): days for a step
    of seconds, days and weeks; for months, the day counted from the month number (the civil
    calendar: years from March, 146,097 days in 400 years)."""
    if months and start is not None:
        month = f"({position} * {months} + {start.year * 12 + start.month - 3})"   # months since March of year 0
        year = f"({month} // 12)"
        days = (f"{year} // 400 * 146097 + {year} % 400 * 365 + {year} % 400 // 4 - {year} % 400 // 100"
                f" + (153 * ({month} % 12) + 2) // 5 + {start.day - 1 - 719468 - days_since_1970(start)}")
        return f"{anchor} + ({days})" + (f" + {time_of_day} / {SECONDS_PER_DAY}" if is_datetime else "")
    if is_datetime or seconds % SECONDS_PER_DAY:
        return f"{anchor} + ({position} * {seconds} + {time_of_day}) / {SECONDS_PER_DAY}"
    days = seconds // SECONDS_PER_DAY
    return f"{anchor} + {position}" + (f" * {days}" if days != 1 else "")


def days_since_1970(stamp: pd.Timestamp) -> int:
    return int((stamp.normalize() - pd.Timestamp("1970-01-01")).days)


def category_drivers(profiles: list[Profile], categories: dict[str, tuple[list[Any], np.ndarray]]) -> list[Driver]:
    out = []
    for prof in profiles:
        if prof.name in categories:
            values, codes = categories[prof.name]
            if 2 <= len(values) <= MAX_CASES:
                out.append(Driver(prof.name, codes, values, prof.name,
                                  expr_name=prof.name if prof.identifier() and prof.kind == "category" else None))
    return out


def calendar_drivers(profiles: list[Profile], idx: np.ndarray, helpers: Helpers, learned: dict[str, str]
                     ) -> list[Driver]:
    """The month, weekday and hour of each date column a formula can read, where the sample
    spans enough of them."""
    out = []
    for prof in profiles:
        if prof.kind != "date":
            continue
        if not prof.identifier():
            if any(p.kind == "number" for p in profiles):
                learned[prof.name] += "; numbers cannot follow its calendar (a formula reads only names of letters, " \
                                      "digits and _)"
            continue
        days = prof.values[idx]
        ok = ~np.isnan(days)
        if ok.sum() < 2 * MIN_CASE_ROWS:
            continue
        stamps = pd.to_datetime(np.where(ok, days, 0) * SECONDS_PER_DAY, unit="s")
        parts = [("month", stamps.month.to_numpy() - 1, list(range(1, 13)), 300),
                 ("weekday", stamps.day_of_week.to_numpy(), list(range(7)), 21)]
        if prof.datetime:
            parts.append(("hour", stamps.hour.to_numpy(), list(range(24)), 1))
        span = np.nanmax(days) - np.nanmin(days)
        for part, codes, values, needed in parts:
            if span < needed:
                continue
            helper = helpers.name(f"{prof.name[:MAX_NAME_CHARS - 8]}_{part}")
            out.append(Driver(helper, np.where(ok, codes, -1), values, f"the {part} of {prof.name}",
                              [{"name": helper, "type": "formula", "expr": f"{part}({prof.name})", "hidden": True}],
                              expr_name=helper))
    return out


def eta_squared(y: np.ndarray, codes: np.ndarray, groups: int) -> tuple[float, np.ndarray]:
    """The share of y's variance between the groups with enough rows (0 unless an F test finds
    it at MIN_ETA_P), and those groups."""
    ok = codes >= 0
    counts = np.bincount(codes[ok], minlength=groups)
    big = counts >= MIN_CASE_ROWS
    if big.sum() < 2:
        return 0.0, big
    rows_in = ok & big[np.where(ok, codes, 0)]
    yy, cc = y[rows_in], codes[rows_in]
    total = np.sum((yy - yy.mean()) ** 2)
    if total <= 0:
        return 0.0, big
    means = np.bincount(cc, weights=yy, minlength=groups) / np.maximum(counts, 1)
    between = np.sum(counts[big] * (means[big] - yy.mean()) ** 2)
    eta = float(between / total)
    k, n = int(big.sum()), len(yy)
    if eta < 1 and special.fdtrc(k - 1, max(n - k, 1), eta / (k - 1) / ((1 - eta) / max(n - k, 1))) >= MIN_ETA_P:
        return 0.0, big
    return eta, big


def ranks(x: np.ndarray) -> np.ndarray:
    return pd.Series(x).rank(method="average").to_numpy()


def eta_matrix(y: np.ndarray, present: np.ndarray, driver: Driver) -> np.ndarray:
    """eta_squared() of one driver for many columns at once (rows x columns of values, and
    whether each is present)."""
    k = len(driver.values)
    ok = driver.codes >= 0
    onehot = np.zeros((len(y), k))
    onehot[np.flatnonzero(ok), driver.codes[ok]] = 1.0
    counts = onehot.T @ present                      # groups x columns
    sums = onehot.T @ (y * present)
    squares = onehot.T @ (y * y * present)
    big = counts >= MIN_CASE_ROWS
    n = np.where(big, counts, 0).sum(0)
    total_sum = np.where(big, sums, 0).sum(0)
    mean = total_sum / np.maximum(n, 1)
    total = np.where(big, squares, 0).sum(0) - n * mean ** 2
    between = np.where(big, sums ** 2 / np.maximum(counts, 1), 0).sum(0) - n * mean ** 2
    groups = big.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where((groups >= 2) & (total > 0), between / total, 0.0)
        f = eta / np.maximum(groups - 1, 1) / ((1 - eta) / np.maximum(n - groups, 1))
        p = np.where(eta < 1, special.fdtrc(np.maximum(groups - 1, 1), np.maximum(n - groups, 1), f), 0.0)
    return np.where(p < MIN_ETA_P, np.clip(eta, 0, 1), 0.0)


def condition_numbers(profiles: list[Profile], idx: np.ndarray, columns: dict[str, dict[str, Any]],
                      drivers: list[Driver], helpers: Helpers, learned: dict[str, str]) -> dict[str, np.ndarray]:
    """Each number drawn per value of the category that moves it most (and of a second one,
    when together they explain clearly more): per-case quantiles. Returns, per conditioned
    number, the case index of each row (-1: the column's own distribution)."""
    out: dict[str, np.ndarray] = {}
    numbers = [p for p in profiles if p.kind == "number" and (~np.isnan(p.values[idx])).sum() >= 2 * MIN_CASE_ROWS]
    if not numbers or not drivers:
        return out
    present = np.column_stack([~np.isnan(p.values[idx]) for p in numbers])
    y_all = np.column_stack([np.where(ok, ranks(np.where(ok, p.values[idx], 0)), 0.0)
                             for p, ok in zip(numbers, present.T)])
    etas = np.vstack([eta_matrix(y_all, present, d) for d in drivers])   # drivers x numbers
    for j, prof in enumerate(numbers):
        values = prof.values[idx]
        ok = present[:, j]
        y = y_all[:, j]
        scored = sorted(((float(etas[i, j]), d) for i, d in enumerate(drivers) if helpers.fits(d.helpers)),
                        key=lambda t: -t[0])
        if not scored or scored[0][0] < MIN_ETA:
            continue
        best_eta, driver = scored[0]
        pair = best_pair(y, ok, driver, best_eta, [d for _, d in scored[1:4]], helpers)
        if pair is not None and helpers.fits(pair.helpers):
            driver = pair
        codes = np.where(ok, driver.codes, -1)
        counts = np.bincount(codes[codes >= 0], minlength=len(driver.values))
        big = [g for g in np.argsort(-counts) if counts[g] >= MIN_CASE_ROWS][:MAX_CASES]
        if len(big) < 2:
            continue
        col = columns[prof.name]  # the drawn column (a wrapped number's hidden one)
        cases = []
        for g in sorted(big):
            x = values[codes == g]
            case: dict[str, Any] = {"when": driver.values[g], "quantiles": number_quantiles(prof, x, CASE_QUANTILES)}
            cases.append(case)
        col |= {"depends_on": driver.name, "cases": cases}
        helpers.add(driver.helpers)
        in_case = np.isin(codes, big)
        out[prof.name] = np.where(in_case, codes, -1)
        learned[prof.name] += f"; drawn per value of {driver.label}"
    return out


def best_pair(y: np.ndarray, ok: np.ndarray, first: Driver, eta: float, others: list[Driver],
              helpers: Helpers) -> Driver | None:
    """Two categories together (species and sex), as one key made by a hidden formula."""
    if first.expr_name is None:
        return None
    best: tuple[float, Driver, Driver] | None = None
    for other in others:
        if other.expr_name is None or other.name == first.name:
            continue
        k = len(other.values)
        codes = np.where((first.codes >= 0) & (other.codes >= 0) & ok, first.codes * k + other.codes, -1)
        combined, big = eta_squared(y, codes, len(first.values) * k)
        if combined - eta >= MIN_ETA_GAIN and big.sum() <= MAX_CASES and (best is None or combined > best[0]):
            values = [f"{a}|{b}" for a in first.values for b in other.values]
            best = (combined, other, Driver("", codes, values, f"{first.label} and {other.label}"))
    if best is None:
        return None
    _, other, pair = best
    pair.name = pair.expr_name = helpers.name(f"{first.name[:28]}_{other.name[:28]}_key")
    pair.helpers = first.helpers + other.helpers + [
        {"name": pair.name, "type": "formula", "hidden": True,
         "expr": f'str({first.expr_name}) + "|" + str({other.expr_name})'}]
    return pair


def link_categories(profiles: list[Profile], categories: dict[str, tuple[list[Any], np.ndarray]],
                    columns: dict[str, dict[str, Any]], learned: dict[str, str]) -> None:
    """Categories that go together: the tree that keeps the most shared information (Chow-Liu)
    among clearly associated pairs; each category takes per-case weights of its parent's values."""
    names = [p.name for p in profiles if p.name in categories and 2 <= len(categories[p.name][0]) <= MAX_CHOICE_VALUES]
    edges = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            va, ca = categories[a]
            vb, cb = categories[b]
            if len(va) > MAX_CASES and len(vb) > MAX_CASES:
                continue
            ok = (ca >= 0) & (cb >= 0)
            if ok.sum() < 2 * MIN_CASE_ROWS:
                continue
            table = np.bincount(ca[ok] * len(vb) + cb[ok], minlength=len(va) * len(vb)).reshape(len(va), len(vb))
            mi, v, significant = association(table)
            if v >= MIN_CRAMERS_V and significant:
                edges.append((mi, a, b))
    edges.sort(key=lambda e: -e[0])
    parent_of: dict[str, str] = {}
    group = {n: n for n in names}

    def root(n: str) -> str:
        while group[n] != n:
            n = group[n]
        return n

    tree: dict[str, list[str]] = {n: [] for n in names}
    for _, a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            group[ra] = rb
            tree[a].append(b)
            tree[b].append(a)
    seen: set[str] = set()
    for start in names:  # orient each tree from its first column in the sample's order
        if start in seen:
            continue
        stack = [start]
        seen.add(start)
        while stack:
            node = stack.pop()
            for nxt in tree[node]:
                if nxt not in seen:
                    seen.add(nxt)
                    parent_of[nxt] = node
                    stack.append(nxt)
    for child, parent in parent_of.items():
        vp, cp = categories[parent]
        vc, cc = categories[child]
        if len(vp) > MAX_CASES:
            continue
        ok = (cp >= 0) & (cc >= 0)
        table = np.bincount(cp[ok] * len(vc) + cc[ok], minlength=len(vp) * len(vc)).reshape(len(vp), len(vc))
        cases = []
        for g in range(len(vp)):
            if table[g].sum() < MIN_CASE_ROWS:
                continue
            if columns[child]["type"] == "bool":
                cases.append({"when": vp[g], "p": round(float(table[g, 0] / table[g].sum()), 6)})
            else:
                cases.append({"when": vp[g], "weights": [int(w) for w in table[g]]})
        if cases:
            columns[child] |= {"depends_on": parent, "cases": cases}
            learned[child] += f"; follows {parent}"


def association(table: np.ndarray) -> tuple[float, float, bool]:
    """Mutual information, Cramér's V, and whether a chi-square test finds the association at 0.1%."""
    n = table.sum()
    rows_, cols_ = table.sum(1), table.sum(0)
    table = table[rows_ > 0][:, cols_ > 0]
    rows_, cols_ = rows_[rows_ > 0], cols_[cols_ > 0]
    if min(table.shape) < 2:
        return 0.0, 0.0, False
    expected = np.outer(rows_, cols_) / n
    chi2 = float(np.sum((table - expected) ** 2 / expected))
    v = math.sqrt(chi2 / (n * (min(table.shape) - 1)))
    nz = table > 0
    mi = float(np.sum(table[nz] / n * np.log(table[nz] * n / np.outer(rows_, cols_)[nz])))
    dof = (table.shape[0] - 1) * (table.shape[1] - 1)
    return mi, v, bool(stats.chi2.sf(chi2, dof) < 1e-3)


def normal_scores(x: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
    """Each value's normal score within its group (the whole column for -1): the mean of a
    standard normal over the value's share of ranks, so repeated values (zeros) get the score
    their block stands for. NaN where empty."""
    out = np.full(len(x), np.nan)
    ok = ~np.isnan(x)
    keys = np.where(ok, groups if groups is not None else -1, -2)
    for g in np.unique(keys[ok]):
        where = np.flatnonzero(keys == g)
        v = x[where]
        order = np.argsort(v, kind="stable")
        sorted_v = v[order]
        uniq, first, counts = np.unique(sorted_v, return_index=True, return_counts=True)
        n = len(v)
        a, b = first / n, (first + counts) / n
        za, zb = special.ndtri(np.clip(a, 0, 1)), special.ndtri(np.clip(b, 0, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            score = (pdf(za) - pdf(zb)) / (b - a)
        block = np.searchsorted(uniq, v)
        out[where] = score[block]
    return out


def pdf(z: np.ndarray) -> np.ndarray:
    finite = np.nan_to_num(z, posinf=0, neginf=0)
    return np.where(np.isfinite(z), np.exp(-0.5 * finite * finite) / math.sqrt(2 * math.pi), 0.0)


def copula(profiles: list[Profile], idx: np.ndarray, columns: dict[str, dict[str, Any]],
           conditioned: dict[str, np.ndarray], learned: dict[str, str]) -> dict[str, Any] | None:
    """The correlations of the numbers' and drawn dates' normal scores (within their cases, as
    the engine draws them), corrected for repeated values, made positive definite. `columns`
    holds the column each profile draws (a wrapped number's hidden one)."""
    names, drawn_names, scores = [], [], []
    for prof in profiles:
        col = columns[prof.name]
        drawn = prof.kind == "number" or (prof.kind == "date" and not prof.step)
        if not drawn or "quantiles" not in col or len(set(col["quantiles"])) < 2:
            continue
        z = normal_scores(prof.values[idx], conditioned.get(prof.name))
        names.append(prof.name)
        drawn_names.append(col["name"])
        scores.append(z)
    if len(names) < 2:
        return None
    z = np.vstack(scores)
    ok = ~np.isnan(z)
    z0 = np.where(ok, z, 0.0)
    both = ok.astype(np.float64) @ ok.T.astype(np.float64)
    cov = (z0 @ z0.T) / np.maximum(both, 1)
    var = np.array([np.mean(z[i][ok[i]] ** 2) if ok[i].any() else 1.0 for i in range(len(names))])
    rho = cov / np.outer(var, var)  # a block score is var * the latent score + noise
    rho = np.where((both >= MIN_CASE_ROWS) & (np.abs(rho) >= 2.5 / np.sqrt(np.maximum(both, 1))), rho, 0.0)  # noise
    rho = np.clip(rho, -0.99, 0.99)
    np.fill_diagonal(rho, 1.0)
    strength = np.max(np.abs(rho - np.eye(len(names))), axis=1)
    keep = [i for i in np.argsort(-strength) if strength[i] >= MIN_CORRELATION][:MAX_CORRELATED]
    keep.sort()
    if len(keep) < 2:
        return None
    matrix = nearest_correlation(rho[np.ix_(keep, keep)])
    for i in keep:
        learned[names[i]] += "; correlated with other numbers and dates (Gaussian copula)"
    return {"columns": [drawn_names[i] for i in keep], "matrix": matrix}


def nearest_correlation(m: np.ndarray) -> list[list[float]]:
    """A correlation matrix the engine accepts: symmetric, unit diagonal, positive definite,
    rounded to four decimals."""
    m = (m + m.T) / 2
    for _ in range(20):
        w, v = np.linalg.eigh(m)
        m = (v * np.maximum(w, 1e-3)) @ v.T
        d = np.sqrt(np.diag(m))
        m = m / np.outer(d, d)
        rounded = np.round(m, 4)
        np.fill_diagonal(rounded, 1.0)
        if np.linalg.eigvalsh(rounded).min() > 1e-6:
            return rounded.tolist()
        m = m * 0.98 + np.eye(len(m)) * 0.02
    return np.eye(len(m)).tolist()

"""The report of a fit: rows made from the fitted schema held against the sample, column by
column (shape scores, histograms of real and synthetic values) and pair by pair (trends), and
their privacy (rows identical to a sample row; distances to the closest sample row against those
of a held-out part of the sample).

    report = make_report(profiles, schema, learned, total, source, notes, description, build_schema)

It does not fit: the second schema the privacy figures need, fitted without the held-out rows,
comes from the `refit` function it is given (fit.build_schema), so this module never imports
fit.py. It changes no schema and writes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

import rows
from cells import SECONDS_PER_DAY
from errors import clip
from sample import OTHER, RARE, SEED, Profile, day_text, label_codes, shapes
from schema import load_schema

REPORT_ROWS = (5_000, 50_000)   # synthetic rows compared with the sample: at least, at most
HOLDOUT_SHARE = 0.2             # part of the sample kept out of a second fit, for the privacy figures
MIN_HOLDOUT_ROWS = 20
DCR_ROWS = 1_000                # synthetic and held-out rows whose closest sample row is searched
DCR_TRAIN_ROWS = 10_000         # sample rows searched
MAX_PAIR_COLUMNS = 40           # pair trends are scored among the first this many comparable columns
HISTOGRAM_BINS = 20
HISTOGRAM_BARS = 20

# The fit of some rows of the profiled sample: (profiles, rows, locale, name) -> (schema, learned).
Refit = Callable[[list[Profile], np.ndarray, str, str], tuple[dict[str, Any], dict[str, str]]]


def synthetic_rows(schema: dict[str, Any], want: int, sample_rows: int, stepped: bool, seed: int) -> pa.Table:
    """`want` rows of the schema (or more). A stepped series covers the sample's dates only at
    the sample's length, so it is made in runs of that length, each with its own seed."""
    loaded = load_schema(schema, len(schema["columns"]))
    run = sample_rows if stepped else want
    tables = [rows.main_rows(loaded, run, seed + i) for i in range(max(1, -(-want // run)))]
    return pa.concat_tables(tables)


def synthetic_view(prof: Profile, values: pa.ChunkedArray) -> np.ndarray:
    """A synthetic column in the form the report compares: numbers and days, text labels,
    lengths or shapes."""
    arr = values.combine_chunks()
    if prof.kind == "number" and pa.types.is_string(arr.type):  # written with its sign or unit
        inner = pc.replace_substring_regex(arr, r"[^0-9.\-]", "")
        return pd.to_numeric(pd.Series(inner.to_pylist(), dtype=object), errors="coerce").to_numpy(dtype=float)
    if prof.kind == "number":
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    if prof.kind == "date":
        if pa.types.is_date32(arr.type):
            return pc.cast(pc.cast(arr, pa.int32()), pa.float64()).to_numpy(zero_copy_only=False)
        secs = pc.cast(pc.cast(arr, pa.timestamp("s")), pa.int64())
        return pc.cast(secs, pa.float64()).to_numpy(zero_copy_only=False) / SECONDS_PER_DAY
    if prof.kind == "bool":
        if pa.types.is_boolean(arr.type):
            return np.array([None if v is None else ("true" if v else "false") for v in arr.to_pylist()], dtype=object)
    if prof.kind in ("category", "bool"):
        return np.array(pc.cast(arr, pa.string()).to_pylist(), dtype=object)
    text = pc.cast(arr, pa.string())
    if prof.kind == "pattern":
        return shapes(pd.Series(pd.arrays.ArrowStringArray(pc.cast(text, pa.large_string()))))
    if prof.kind in ("text", "faker"):
        return pc.cast(pc.utf8_length(text), pa.float64()).to_numpy(zero_copy_only=False)
    return np.array(text.to_pylist(), dtype=object)


def real_view(prof: Profile) -> np.ndarray:
    if prof.kind in ("number", "date"):
        return prof.values
    if prof.kind in ("category", "bool"):
        return prof.labels
    if prof.kind in ("pattern", "text", "faker"):
        return prof.compare if prof.compare is not None else np.full(prof.rows, np.nan)
    return np.full(prof.rows, np.nan)


def numeric_kind(prof: Profile) -> bool:
    return prof.kind in ("number", "date", "text", "faker")


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.sort(a[~np.isnan(a)]), np.sort(b[~np.isnan(b)])
    if not len(a) or not len(b):
        return 0.0 if len(a) == len(b) else 1.0
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def shares(labels: np.ndarray) -> pd.Series:
    s = pd.Series(labels, dtype=object).dropna()
    return s.value_counts(normalize=True) if len(s) else pd.Series(dtype=float)


def tvd(a: np.ndarray, b: np.ndarray) -> float:
    pa_, pb = shares(a), shares(b)
    joined = pd.concat([pa_, pb], axis=1).fillna(0.0)
    return float(0.5 * np.abs(joined.iloc[:, 0] - joined.iloc[:, 1]).sum()) if len(joined) else 0.0


def shape_score(prof: Profile, real: np.ndarray, synth: np.ndarray) -> dict[str, Any] | None:
    if prof.kind in ("id", "empty", "faker"):  # made new by design: nothing to hold against the sample
        return None
    if prof.kind in ("number", "date"):
        return {"metric": "1 - KS statistic", "score": round(1 - ks_statistic(real, synth), 4)}
    if prof.kind == "text":
        return {"metric": "1 - KS statistic of the text lengths", "score": round(1 - ks_statistic(real, synth), 4)}
    if prof.kind == "pattern":
        return {"metric": "1 - total variation distance of the code shapes", "score": round(1 - tvd(real, synth), 4)}
    return {"metric": "1 - total variation distance", "score": round(1 - tvd(real, synth), 4)}


def histogram(prof: Profile, real: np.ndarray, synth: np.ndarray) -> dict[str, Any] | None:
    """Shares of real and synthetic values in bins (numbers, dates, text lengths) or bars
    (the most common categories and code shapes, the rest together)."""
    if prof.kind in ("id", "empty"):
        return None
    if numeric_kind(prof):
        r, s = real[~np.isnan(real)], synth[~np.isnan(synth)]
        if not len(r):
            return None
        lo, hi = float(r.min()), float(r.max())
        if hi <= lo:
            hi = lo + 1
        edges = np.linspace(lo, hi, HISTOGRAM_BINS + 1)
        if prof.kind == "number" and prof.integer and hi - lo < HISTOGRAM_BINS:
            edges = np.arange(math.floor(lo), math.ceil(hi) + 2) - 0.5
        rc = np.histogram(np.clip(r, edges[0], edges[-1]), edges)[0]
        sc = np.histogram(np.clip(s, edges[0], edges[-1]), edges)[0]
        shown = [day_text(e, prof.datetime) if prof.kind == "date" else round(float(e), 6) for e in edges]
        return {"kind": "bins", "of": "length" if prof.kind in ("text", "faker") else "value", "edges": shown,
                "real": [round(float(c) / max(len(r), 1), 4) for c in rc],
                "synthetic": [round(float(c) / max(len(s), 1), 4) for c in sc]}
    rs, ss = shares(real), shares(synth)
    labels = list(rs.index[:HISTOGRAM_BARS])
    out_r = [round(float(rs.get(v, 0.0)), 4) for v in labels]
    out_s = [round(float(ss.get(v, 0.0)), 4) for v in labels]
    rest_r, rest_s = 1 - sum(rs.get(v, 0.0) for v in labels), 1 - sum(ss.get(v, 0.0) for v in labels)
    if rest_r > 1e-9 or rest_s > 1e-9:
        labels.append("(all other values)")
        out_r.append(round(max(rest_r, 0.0), 4))
        out_s.append(round(max(rest_s, 0.0), 4))
    return {"kind": "bars", "of": "shape" if prof.kind == "pattern" else "value", "labels": [str(v) for v in labels],
            "real": out_r, "synthetic": out_s}


def bin_codes(prof: Profile, real: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Both columns as small codes for a contingency table: numbers in ten bins of the real
    values' deciles, categories as their ten most common values and the rest."""
    if prof.kind in ("number", "date"):
        r = real[~np.isnan(real)]
        edges = np.unique(np.quantile(r, np.linspace(0, 1, 11)[1:-1])) if len(r) else np.array([])

        def code(x: np.ndarray) -> np.ndarray:
            return np.where(np.isnan(x), -1, np.searchsorted(edges, np.nan_to_num(x), side="right"))
        return code(real), code(other), len(edges) + 1
    top = list(shares(real).index[:10])
    return label_codes(real, top, len(top)), label_codes(other, top, len(top)), len(top) + 1


def contingency_score(a: tuple[np.ndarray, np.ndarray, int], b: tuple[np.ndarray, np.ndarray, int]) -> float:
    """1 - total variation distance between the real and synthetic joint shares (SDMetrics'
    ContingencySimilarity)."""
    def joint(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        ok = (x >= 0) & (y >= 0)
        t = np.bincount(x[ok] * b[2] + y[ok], minlength=a[2] * b[2]).astype(float)
        return t / max(t.sum(), 1)
    real, synth = joint(a[0], b[0]), joint(a[1], b[1])
    return 1 - 0.5 * float(np.abs(real - synth).sum())


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    ok = ~np.isnan(x) & ~np.isnan(y)
    if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
        return None
    return float(np.corrcoef(x[ok], y[ok])[0, 1])


def pair_trends(profiles: list[Profile], real: dict[str, np.ndarray], synth: dict[str, np.ndarray]
                ) -> list[dict[str, Any]]:
    comparable = [p for p in profiles if p.kind in ("number", "date", "category", "bool")][:MAX_PAIR_COLUMNS]
    coded = {p.name: bin_codes(p, real[p.name], synth[p.name]) for p in comparable}
    out = []
    for i, a in enumerate(comparable):
        for b in comparable[i + 1:]:
            if a.kind in ("number", "date") and b.kind in ("number", "date"):
                r, s = pearson(real[a.name], real[b.name]), pearson(synth[a.name], synth[b.name])
                if r is None or s is None:
                    continue
                out.append({"columns": [a.name, b.name], "metric": "correlation", "real": round(r, 4),
                            "synthetic": round(s, 4), "score": round(1 - abs(r - s) / 2, 4)})
            else:
                score = contingency_score(coded[a.name], coded[b.name])
                x, y = coded[a.name], coded[b.name]
                out.append({"columns": [a.name, b.name], "metric": "contingency",
                            "real": round(cramers_v(x[0], y[0], x[2], y[2]), 4),
                            "synthetic": round(cramers_v(x[1], y[1], x[2], y[2]), 4), "score": round(score, 4)})
    return out


def cramers_v(x: np.ndarray, y: np.ndarray, kx: int, ky: int) -> float:
    """How strongly two coded columns go together, 0 (not at all) to 1 (one says the other)."""
    ok = (x >= 0) & (y >= 0)
    table = np.bincount(x[ok] * ky + y[ok], minlength=kx * ky).reshape(kx, ky).astype(float)
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / expected).sum())
    return float(np.sqrt(chi2 / n / (min(table.shape) - 1)))


def comparable_frame(profiles: list[Profile], data: dict[str, np.ndarray]) -> pd.DataFrame:
    """The columns rows are compared on (numbers at the sample's decimals, dates, categories):
    ids, codes and text are made new, so they say nothing about copying."""
    out = {}
    for p in profiles:
        if p.kind == "number":
            out[p.name] = np.round(data[p.name], p.decimals)
        elif p.kind == "date":
            out[p.name] = np.round(data[p.name] * (SECONDS_PER_DAY if p.datetime else 1))
        elif p.kind in ("category", "bool"):
            out[p.name] = data[p.name]
    return pd.DataFrame(out)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_pandas_object(frame, index=False).to_numpy()


def encoder(profiles: list[Profile], train: dict[str, np.ndarray]) -> Any:
    """Rows as points: numbers and dates by their place in the sample's range (0..1), each
    category value as its own axis (a different value is 1 apart), an empty cell as its own."""
    parts = []
    for p in profiles:
        if p.kind in ("number", "date"):
            x = train[p.name]
            lo, hi = (np.nanmin(x), np.nanmax(x)) if (~np.isnan(x)).any() else (0.0, 1.0)
            parts.append(("num", p.name, lo, max(hi - lo, 1e-12)))
        elif p.kind in ("category", "bool"):
            parts.append(("cat", p.name, list(shares(train[p.name]).index[:20]), None))

    def encode(data: dict[str, np.ndarray], rows_: np.ndarray) -> np.ndarray:
        cols = []
        for kind, name, a, b in parts:
            x = data[name][rows_]
            if kind == "num":
                x = x.astype(float)
                cols.append(np.nan_to_num((x - a) / b, nan=-1.0))
            else:
                codes = label_codes(x, a, len(a))
                onehot = np.zeros((len(x), len(a) + 2), dtype=np.float32)
                onehot[np.arange(len(x)), np.where(codes < 0, len(a) + 1, codes)] = math.sqrt(0.5)
                cols.extend(onehot.T)
        return np.column_stack(cols).astype(np.float32) if cols else np.zeros((len(rows_), 0), dtype=np.float32)
    return encode


def closest(queries: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance from each query to its closest point."""
    if not points.shape[1]:
        return np.zeros(len(queries))
    pp = np.sum(points ** 2, axis=1)
    out = np.empty(len(queries))
    for start in range(0, len(queries), 500):
        q = queries[start:start + 500]
        d = np.sum(q ** 2, axis=1)[:, None] + pp[None, :] - 2 * q @ points.T
        out[start:start + 500] = np.sqrt(np.maximum(d.min(axis=1), 0))
    return out


def privacy(profiles: list[Profile], schema: dict[str, Any], synth: dict[str, np.ndarray], locale: str,
            name: str, refit: Refit) -> dict[str, Any]:
    """Rows identical to a sample row, and distances to the closest sample row of synthetic rows
    made from a fit without a held-out part of the sample, against the held-out rows' own."""
    n = profiles[0].rows if profiles else 0
    real = {p.name: real_view(p) for p in profiles}
    compared = [p.name for p in profiles if p.kind in ("number", "date", "category", "bool")]
    out: dict[str, Any] = {"compared_columns": compared}
    synth_rows = len(next(iter(synth.values()))) if synth else 0
    holdout_n = int(n * HOLDOUT_SHARE)
    rng = np.random.default_rng(SEED)
    order = rng.permutation(n)
    holdout, train = np.sort(order[:holdout_n]), np.sort(order[holdout_n:])
    if compared:
        real_keys = row_hashes(comparable_frame(profiles, real))
        synth_keys = row_hashes(comparable_frame(profiles, synth))
        same = int(np.isin(synth_keys, real_keys).sum())
        out["identical_rows"] = {"count": same, "share": round(same / max(synth_rows, 1), 6), "of": synth_rows}
        if holdout_n >= MIN_HOLDOUT_ROWS:
            # what new real rows do: held-out rows identical to another part of the sample
            baseline = float(np.isin(real_keys[holdout], real_keys[train]).mean())
            out["identical_rows"]["holdout_share"] = round(baseline, 6)
            out["identical_rows"]["verdict"] = "good" if same / max(synth_rows, 1) <= baseline * 1.5 + 0.001 else \
                "check: more synthetic rows repeat a sample row than new real rows do"
    if not compared or holdout_n < MIN_HOLDOUT_ROWS:
        out["dcr"] = None
        out["note"] = "the sample is too small to hold a part out, so only identical rows are counted"
        return out
    schema_train, _ = refit(profiles, train, locale, name)
    stepped = any(p.step for p in profiles)
    made = synthetic_rows(schema_train, DCR_ROWS, n, stepped, SEED + 1000)
    made_view = {p.name: synthetic_view(p, made[p.name]) for p in profiles if p.name in compared}
    train_view = {k: v[train] for k, v in real.items()}
    encode = encoder([p for p in profiles if p.name in compared], train_view)
    train_rows = rng.choice(len(train), min(len(train), DCR_TRAIN_ROWS), replace=False)
    points = encode(train_view, train_rows)
    pick = rng.choice(len(made), min(len(made), DCR_ROWS), replace=False)
    synth_d = closest(encode(made_view, pick), points)
    held = encode(real, holdout[:DCR_ROWS])
    hold_d = closest(held, points)
    ms, mh = float(np.median(synth_d)), float(np.median(hold_d))
    p5 = float(np.quantile(hold_d, 0.05))
    ratio = ms / mh if mh > 0 else (1.0 if ms == 0 else float("inf"))
    out["dcr"] = {
        "synthetic_to_train_median": round(ms, 6), "holdout_to_train_median": round(mh, 6),
        "ratio": round(ratio, 4) if math.isfinite(ratio) else None,
        "synthetic_closer_than_holdout_p5": round(float(np.mean(synth_d < p5)), 4) if p5 > 0 else None,
        "synthetic_exact_share": round(float(np.mean(synth_d == 0)), 4),
        "holdout_exact_share": round(float(np.mean(hold_d == 0)), 4),
        "train_rows": int(len(train)), "holdout_rows": int(holdout_n),
        "verdict": "good" if ratio >= 0.8 else "check: synthetic rows sit closer to sample rows than new real rows do",
    }
    out["how_to_read"] = (
        "Identical rows: synthetic rows equal to a sample row on the compared columns, next to the share of "
        "held-out sample rows equal to another sample row (with few columns of few values, repeats are natural). "
        "A second schema is fitted on 80% of the sample; its rows' distance to the closest of those sample rows "
        "(numbers and dates scaled to 0..1, a different category 1 apart) is compared with the distance of the "
        "held-out 20%. Good: a ratio of medians near 1 or above (0.8 or more), few synthetic rows closer than the "
        "closest 5% of held-out rows (about 0.05), and no more exact matches than the held-out rows have: the rows "
        "are as new as real new rows.")
    return out


def make_report(profiles: list[Profile], schema: dict[str, Any], learned: dict[str, str], total: int,
                source: dict[str, Any], notes: list[str], description: str | None, refit: Refit) -> dict[str, Any]:
    n = profiles[0].rows if profiles else 0
    stepped = any(p.step for p in profiles)
    made = synthetic_rows(schema, min(max(n, REPORT_ROWS[0]), REPORT_ROWS[1]), n, stepped, SEED)
    real = {p.name: real_view(p) for p in profiles}
    synth = {p.name: synthetic_view(p, made[p.name]) for p in profiles}
    columns = []
    for p, col in zip(profiles, schema["columns"]):
        shape = shape_score(p, real[p.name], synth[p.name])
        synth_missing = made[p.name].null_count / max(len(made), 1)
        columns.append({"name": p.name, "sample_name": p.source, "kind": p.kind, "type": col["type"],
                        "learned": learned.get(p.name, ""), "shape": shape,
                        "empty_share": {"real": round(p.null_rate, 4), "synthetic": round(synth_missing, 4)},
                        "histogram": histogram(p, real[p.name], synth[p.name])})
    pairs = pair_trends(profiles, real, synth)
    shape_scores = [c["shape"]["score"] for c in columns if c["shape"]]
    trend_scores = [t["score"] for t in pairs]
    column_shapes = float(np.mean(shape_scores)) if shape_scores else None
    pair_score = float(np.mean(trend_scores)) if trend_scores else None
    parts = [s for s in (column_shapes, pair_score) if s is not None]
    report: dict[str, Any] = {
        "sample": source | {"rows": total, "fitted_rows": n, "columns": len(profiles)},
        "synthetic_rows": len(made),
        "score": round(float(np.mean(parts)), 4) if parts else None,
        "column_shapes": round(column_shapes, 4) if column_shapes is not None else None,
        "pair_trends": round(pair_score, 4) if pair_score is not None else None,
        "columns": columns, "pairs": pairs,
        "privacy": privacy(profiles, schema, synth, schema["locale"], schema["name"], refit),
        "metrics": {
            "shape": "numbers and dates: 1 - the Kolmogorov-Smirnov statistic; categories: 1 - total variation "
                     "distance of the value shares; text: 1 - KS of the lengths; codes: 1 - TVD of their shapes",
            "trend": "two numbers or dates: 1 - |correlation real - correlation synthetic| / 2 (Pearson); any pair "
                     "with a category: contingency similarity, 1 - total variation distance between the real and "
                     "synthetic shares of the pair's value combinations (numbers in ten bins at the real deciles, "
                     "the ten most common values of a category and the rest)",
            "score": "the mean of the column shapes' mean and the pair trends' mean",
        },
        "notes": notes + [f"values seen fewer than {RARE} times in a category are written as {OTHER!r}"],
    }
    if description:
        report["description"] = clip(description, 2000)
    return report

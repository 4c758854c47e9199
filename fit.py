"""Learning from a sample: a schema whose rows are shaped like the user's own data, and a
report of how close and how private they are.

    fitted = fit_sample(open("penguins.csv", "rb").read(), "penguins.csv")
    fitted.schema   # an ordinary one-table schema, the sample's columns in the sample's order
    fitted.report   # shape and trend scores, histograms of real and synthetic values, privacy

Four steps, one section each:

- reading: CSV, TSV (separator sniffed), JSON Lines or a JSON array, Parquet and Excel, told apart
  by their bytes; empty cells and pandas' missing-value markers (NA, NaN, null, ...) are empty.
- profiling: each column's kind from its values: numbers (integer or with the sample's decimals),
  dates and datetimes in the sample's own format (and whether they step like a series), booleans,
  categories, ids (a sequence, a uuid), codes (a pattern of digits and letters), free text, and
  people, places and addresses (Faker).
- building: each column's distribution (empirical quantiles, so skew, zeros and several modes
  survive), the category that moves a number most (per-case quantiles; the month of a date is
  such a category, so seasons survive), categories that go together (a tree of `depends_on`),
  and a Gaussian copula over the numbers and dates (`correlations`).
- reporting: rows made from the schema compared with the sample, column by column and pair by
  pair, and distances to the closest sample row against those of a held-out part of the sample.

What is never copied: a whole row, a category value seen fewer than RARE times (merged into
OTHER), free text, names and addresses (Faker makes new ones), ids (a sequence continues after
the sample's last id). Nothing here writes files or caches: main.py caches a fit after it succeeds.
"""

from __future__ import annotations

import functools
import io
import json
import keyword
import math
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special, stats

import rows
from cells import MAX_ABS_NUMBER, MAX_DATE, MAX_DECIMALS, MIN_DATE, SECONDS_PER_DAY
from columns import (BAD_NAME_START, CONTROL_CHARS, MAX_CASES, MAX_CHOICE_VALUE_CHARS, MAX_CHOICE_VALUES,
                     MAX_NAME_CHARS, MAX_PATTERN_CHARS, MAX_QUANTILES)
from errors import SchemaError, clip
from schema import MAX_CORRELATED, load_schema, snake

MIN_ROWS = 10                   # fewer rows than this are not a sample to learn from
MAX_SAMPLE_COLUMNS = 1000       # a wider file is refused before it is read
MAX_FIT_ROWS = 200_000          # a larger sample is learned from this many random rows
RARE = 5                        # a category value seen fewer times is never written: it joins OTHER
OTHER = "Other"
MIN_CASE_ROWS = 20              # a group needs this many rows for its own distribution
MIN_ETA = 0.03                  # share of a number's variance a category must explain to drive it
MIN_ETA_P = 1e-3                # ... and significantly so (an F test), not by chance across many groups
MIN_ETA_GAIN = 0.05             # what a second category must add to join the first
MIN_CRAMERS_V = 0.1             # categories this associated (and significantly so) depend on each other
MIN_CORRELATION = 0.05          # a number joins the copula when it correlates this much with another
CASE_QUANTILES = 201            # most quantiles of one case (the whole column takes up to 1001)
REPORT_ROWS = (5_000, 50_000)   # synthetic rows compared with the sample: at least, at most
HOLDOUT_SHARE = 0.2             # part of the sample kept out of a second fit, for the privacy figures
MIN_HOLDOUT_ROWS = 20
DCR_ROWS = 1_000                # synthetic and held-out rows whose closest sample row is searched
DCR_TRAIN_ROWS = 10_000         # sample rows searched
MAX_PAIR_COLUMNS = 40           # pair trends are scored among the first this many comparable columns
HISTOGRAM_BINS = 20
HISTOGRAM_BARS = 20
LENGTH_BINS = 4                 # free text: this many length groups, each with its own Faker length
SCHEMA_COLUMNS = 200            # the service's default MAX_COLUMNS: hidden helpers stay within it
SEED = 20240601                 # the fit is a pure function of the sample: fixed seeds throughout

NA_MARKERS = ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
              "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]
SEPARATORS = [",", "\t", ";", "|"]
DATE_FORMATS = [
    "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%m-%d-%Y", "%d/%m/%y", "%m/%d/%y",
    "%d.%m.%y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y", "%b %Y", "%B %Y", "%Y-%m",
]
TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%SZ", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
                "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%m/%d/%Y %I:%M %p",
                "%m/%d/%Y %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%H:%M:%S", "%H:%M"]
DATE_LIKE = re.compile(r"^\s*(\d{1,4}[-/. ]\w{1,9}[-/. ,]+\d{1,4}|\w{3,9} \d{1,2},? \d{4}|\d{1,2}:\d\d"
                       r"|\w{3,9} \d{4}|\d{4}-\d\d)")
EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"
URL = r"https?://\S+"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
IPV4 = r"(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}"
PERSON = r"[A-Z][a-z'\-]+( [A-Z][A-Za-z'\-\.]+){1,3}"
# Column names that say which Faker method makes new values of an open text column.
NAME_HINTS = [({"first", "firstname", "given", "forename"}, "first_name"),
              ({"last", "lastname", "surname", "family"}, "last_name"),
              ({"company", "employer", "organization", "organisation", "firm"}, "company"),
              ({"city", "town"}, "city"), ({"street", "address"}, "street_address"),
              ({"phone", "telephone", "tel", "mobile"}, "phone_number"),
              ({"username", "login", "handle"}, "user_name"), ({"country"}, "country"),
              ({"job", "occupation", "profession"}, "job")]
PERSON_HINTS = {"name", "fullname", "customer", "person", "patient", "employee", "author", "contact", "client"}
# Frequent words of the languages Faker writes real words in: free text keeps its language.
STOPWORDS = {
    "en_US": "the and of to is in that it with for was on are as be this have not you at by",
    "de_DE": "der die und das ist nicht ich mit den von zu sie es ein eine auf für dem sich auch",
    "fr_FR": "le la les et est des une un pas que pour dans qui sur avec ce il elle du au",
    "es_ES": "el la los las y es en que por una un con para del se no su al lo como",
    "it_IT": "il lo la gli le e è che di un una per non con del della sono nel alla",
    "nl_NL": "de het een en is van dat niet op te met zijn voor er die ik ook",
}


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
    report = make_report(profiles, schema, learned, total, source, notes, description)
    if total > len(frame):
        report["notes"].append(f"learned from {len(frame):,} random rows of {total:,}; a date series longer than "
                               "that is learned as dates, not as a series")
    return Fitted(schema, report)


# --- reading ---

def fail(message: str) -> SchemaError:
    return SchemaError(f"sample: {message}", field="sample")


def read_sample(data: bytes, filename: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The sample as a table of raw columns, and how it was read."""
    if not data.strip():
        raise fail("the file is empty")
    head = data[:8]
    ext = (filename or "").lower().rsplit(".", 1)[-1] if "." in (filename or "") else ""
    if head.startswith(b"PAR1"):
        frame, source = read_binary("Parquet", lambda: pd.read_parquet(io.BytesIO(data))), {"format": "parquet"}
    elif head.startswith(b"PK\x03\x04"):
        if not is_xlsx(data):
            raise fail("this is a ZIP archive, not a table; send a CSV, TSV, JSON Lines, Parquet or Excel file")
        frame, source = read_binary("Excel", lambda: pd.read_excel(io.BytesIO(data), sheet_name=0)), {"format": "xlsx"}
    elif head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise fail("this is an old-style Excel (.xls) or Office file; save it as .xlsx or CSV and send that")
    else:
        text = decode_text(data)
        frame, source = read_text(text, ext)
    if frame.shape[1] > MAX_SAMPLE_COLUMNS:
        raise fail(f"the file has {frame.shape[1]:,} columns; at most {MAX_SAMPLE_COLUMNS:,} can be learned")
    if frame.shape[1] == 0:
        raise fail("no columns were found: this does not look like a table")
    if len(frame) == 0:
        raise fail("the file has column names but no rows")
    if not any(has_values(frame[c]) for c in frame.columns):
        which = "its only column" if frame.shape[1] == 1 else f"all {frame.shape[1]} columns"
        raise fail(f"every cell is empty ({which}): there are no values to learn from")
    if len(frame) < MIN_ROWS:
        raise fail(f"the file has only {len(frame)} row{'s' if len(frame) != 1 else ''}; at least "
                   f"{MIN_ROWS} are needed to learn from")
    source |= {"rows": len(frame), "columns": frame.shape[1]}
    return frame, source


def has_values(series: pd.Series) -> bool:
    present = series.dropna()
    if not len(present):
        return False
    if pd.api.types.is_numeric_dtype(present.dtype) or pd.api.types.is_datetime64_any_dtype(present.dtype):
        return True
    return bool(present.astype(str).str.strip().ne("").any())


def is_xlsx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(n.startswith("xl/") for n in z.namelist())
    except zipfile.BadZipFile:
        return False


def read_binary(kind: str, read: Any) -> pd.DataFrame:
    try:
        return read()
    except Exception as err:  # a damaged file: whatever the reader raised, the user gets one sentence
        why = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise fail(f"the {kind} file cannot be read ({clip(why, 120)})") from None


def decode_text(data: bytes) -> str:
    """Text in UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or Windows-1252;
    anything with NUL bytes or many control characters is binary, not a table."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise fail("the file says it is UTF-16 text but is not") from None
    head = data[:65536]
    controls = sum(head.count(bytes([b])) for b in range(32) if b not in (9, 10, 13))
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise fail("this is binary data, not a table; send a CSV, TSV, JSON Lines, Parquet or Excel file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_text(text: str, ext: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    start = text.lstrip()[:1]
    if start == "<":
        raise fail("this looks like HTML or XML, not a table; send a CSV, TSV, JSON Lines, Parquet or Excel file")
    if start in ("{", "["):
        return read_json_text(text), {"format": "jsonl" if start == "{" else "json"}
    sep = "\t" if ext in ("tsv", "tab") else sniff_separator(text)
    first = text.lstrip("\n").split("\n", 1)[0]
    if first.count(sep) + 1 > MAX_SAMPLE_COLUMNS:
        raise fail(f"the file has {first.count(sep) + 1:,} columns; at most {MAX_SAMPLE_COLUMNS:,} can be learned")
    single = first.count(sep) == 0
    if re.search(r"\w[.!?]( \w|\s*$)", first) and len(first.split()) >= 6:
        raise fail("this is not a table: the first line reads as a sentence, not as column names")
    if single and len(text.strip().splitlines()) == 1 and text.count("\n") > 2:
        raise fail("every cell is empty (its only column): there are no values to learn from")
    try:
        frame = pd.read_csv(io.StringIO(text.rstrip("\r\n") + "\n"), sep=sep, dtype=str, keep_default_na=False,
                            na_values=NA_MARKERS, skip_blank_lines=not single, engine="c")
    except pd.errors.EmptyDataError:
        raise fail("the file is empty") from None
    except (pd.errors.ParserError, ValueError) as err:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if found:
            raise fail(f"this is not a table: line {found.group(2)} has {found.group(3)} fields where the "
                       f"first line has {found.group(1)}") from None
        raise fail(f"this is not a table ({clip(str(err).splitlines()[0], 120)})") from None
    if single and len(first) > MAX_NAME_CHARS:
        raise fail("this is not a table: the first line is too long to be a column name")
    names = "separated by tabs" if sep == "\t" else f"separated by {sep!r}"
    return frame, {"format": "tsv" if sep == "\t" else "csv", "separator": sep, "description": names}


def sniff_separator(text: str) -> str:
    """The separator that splits the first lines into the same number of fields, most of them."""
    lines = [re.sub(r'"[^"]*"', "", line) for line in text.splitlines()[:50] if line.strip()]
    best, best_count = ",", 0
    for sep in SEPARATORS:
        counts = [line.count(sep) for line in lines]
        if not counts or counts[0] == 0:
            continue
        same = sum(c == counts[0] for c in counts) / len(counts)
        if same >= 0.8 and counts[0] > best_count:
            best, best_count = sep, counts[0]
    return best


def read_json_text(text: str) -> pd.DataFrame:
    try:
        if text.lstrip().startswith("["):
            records = json.loads(text)
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise ValueError("not a list of objects")
        else:
            lines = [line for line in text.splitlines() if line.strip()]
            records = [json.loads(line) for line in lines]
            if not all(isinstance(r, dict) for r in records):
                raise ValueError("not one object per line")
    except (ValueError, RecursionError):
        raise fail("this JSON is not a table: send one object per line (JSON Lines) or a list of objects") from None
    frame = pd.DataFrame.from_records(records)
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, (dict, list))).any():
            frame[col] = frame[col].map(
                lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
    return frame


def clean_names(names: list[str]) -> tuple[list[str], list[str]]:
    """The sample's names where the schema language allows them; otherwise the nearest name it
    does allow, said in a note."""
    out: list[str] = []
    notes: list[str] = []
    for i, raw in enumerate(names):
        name = CONTROL_CHARS.sub("", raw).replace(".", "_").strip()
        name = name.lstrip("".join(BAD_NAME_START)).strip()[:MAX_NAME_CHARS].strip()
        if re.fullmatch(r"Unnamed: \d+", raw) or not name:
            name = name or f"column_{i + 1}"
        base, k = name, 2
        while name in out:
            name = f"{base[:MAX_NAME_CHARS - 4]}_{k}"
            k += 1
        if name != raw:
            notes.append(f"column {clip(raw, 64)!r} is named {name!r}: a column name has no dots, control "
                         f"characters or edge spaces, does not start with = + - @, is at most {MAX_NAME_CHARS} "
                         "characters, and differs from the others")
        out.append(name)
    return out, notes


# --- profiling: what each column holds ---

@dataclass
class Profile:
    """One sample column as the fit sees it."""

    name: str                                   # its name in the schema
    source: str                                 # its name in the sample
    kind: str                                   # number, date, bool, category, id, pattern, text, faker, empty
    missing: np.ndarray                         # per row: the cell is empty
    values: np.ndarray | None = None            # number: the numbers; date: days since 1970 (time as a fraction)
    labels: np.ndarray | None = None            # bool, category: the text of each cell (None when empty)
    integer: bool = False
    decimals: int = 0
    datetime: bool = False
    format: str | None = None
    step: str | None = None                     # a date column that is a regular series
    wrap: tuple[str, str] | None = None         # a number written with a sign or unit: ("$", ""), ("", " kg")
    columns: list[dict[str, Any]] = field(default_factory=list)   # id, pattern, text, faker: fixed columns
    compare: np.ndarray | None = None           # pattern: shapes; text, faker: lengths (what the report compares)
    note: str = ""

    @property
    def rows(self) -> int:
        return len(self.missing)

    @property
    def null_rate(self) -> float:
        return float(self.missing.mean()) if self.rows else 0.0

    def identifier(self) -> bool:
        """A formula may read this column by its name."""
        return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", self.name)) and not keyword.iskeyword(self.name) \
            and self.name not in ("True", "False", "pi")


def profile_column(name: str, source: str, series: pd.Series) -> Profile:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        missing = series.isna().to_numpy()
        labels = np.where(missing, None, series.map(lambda v: "true" if v else "false").to_numpy(dtype=object))
        return Profile(name, source, "bool", missing, labels=labels)
    if pd.api.types.is_numeric_dtype(dtype):
        values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan).copy()
        values[~np.isfinite(values)] = np.nan
        return number_profile(name, source, values, None)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = series.dt.tz_convert(None) if getattr(series.dt, "tz", None) is not None else series
        return date_profile(name, source, stamps, None)
    text = series.astype("string[pyarrow]").str.strip()
    text = text.mask(text.eq("")).astype("string[pyarrow]")
    return text_profile(name, source, text)


def text_profile(name: str, source: str, text: pd.Series) -> Profile:
    """A column read as text: numbers, dates, booleans, categories, ids, codes or free text."""
    missing = text.isna().to_numpy()
    present = text[~missing]
    if not len(present):
        return Profile(name, source, "empty", missing, note="every cell is empty")
    as_str = present
    if set(as_str.unique()) <= {"true", "false"}:
        return Profile(name, source, "bool", missing, labels=object_labels(text))
    found = numbers_from_text(as_str)
    wrap = None
    if found is None:
        found, wrap = wrapped_numbers(as_str)
    if found is not None:
        number, written = found
        values = np.full(len(text), np.nan)
        values[~missing] = number
        prof = number_profile(name, source, values, written)
        if wrap:
            prof.wrap = wrap
            prof.kind = "number"
        return prof
    if as_str.head(200).str.match(DATE_LIKE).mean() > 0.9:
        found = dates_from_text(as_str)
        if found is not None:
            stamps, fmt, is_datetime = found
            full = pd.Series(pd.NaT, index=text.index, dtype="datetime64[s]")
            full[~missing] = stamps.to_numpy()
            prof = date_profile(name, source, full, fmt)
            prof.datetime = is_datetime or prof.datetime
            return prof
    return string_profile(name, source, text, missing, as_str)


def object_labels(text: pd.Series) -> np.ndarray:
    return text.to_numpy(dtype=object, na_value=None)


NUMBER = r"^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
COMMA_NUMBER = r"^-?\d+(,\d+)?$"
THOUSANDS_NUMBER = r"^-?\d{1,3}(,\d{3})*(\.\d+)?$"


PLACEHOLDER = r"(?i)^(-+|\?+|\.|n\.?a\.?|none|missing|unknown|x)$"
PREFIX = r"^([$€£¥₹] ?|[A-Z]{3} )?$"
SUFFIX = r"^( ?%| ?[€$£¥₹]| [A-Za-z°µ/]{1,6}\.?|[a-z°µ/]{1,4})?$"


def numbers_from_text(text: pd.Series) -> tuple[np.ndarray, pd.Series] | None:
    """The numbers a text column holds, when every cell is one (with thousands separators or a
    decimal comma too), and the cells as written; codes with a leading zero or sign (zip codes,
    phone numbers) stay text. A few placeholder cells (-, ?, n/a) among numbers are empty."""
    arr = pa.array(text, pa.large_string())
    if pc.any(pc.match_substring_regex(arr, r"^(0\d|\+)")).as_py():
        return None
    for pattern, old, new in ((NUMBER, None, None), (THOUSANDS_NUMBER, ",", ""), (COMMA_NUMBER, ",", ".")):
        ok = pc.match_substring_regex(arr, pattern).to_numpy(zero_copy_only=False)
        if not ok.all():
            odd = text[~ok]
            if ok.mean() < 0.95 or odd.nunique() > 3 or not odd.str.fullmatch(PLACEHOLDER).all():
                continue
        cells = pc.if_else(pa.array(ok), arr, pa.scalar(None, pa.large_string()))
        if old is not None:
            cells = pc.replace_substring(cells, old, new)
        values = pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False)
        present = values[ok]
        if not np.isfinite(present).all() or (np.abs(present) > MAX_ABS_NUMBER).any():
            return None
        return values, text[ok]
    return None


def wrapped_numbers(text: pd.Series) -> tuple[tuple[np.ndarray, pd.Series] | None, tuple[str, str] | None]:
    """Numbers written with the same currency sign or unit in every cell: $12.50, 15%, 70 kg."""
    head = text.head(200).str.extract(r"^(\D*?)(-?\d[\d,]*(?:\.\d+)?)(\D*)$")
    if head[1].isna().any() or head[0].nunique() != 1 or head[2].nunique() != 1:
        return None, None
    pre, suf = str(head[0].iloc[0]), str(head[2].iloc[0])
    if not (pre or suf) or not re.fullmatch(PREFIX, pre) or not re.fullmatch(SUFFIX, suf):
        return None, None
    parts = text.str.extract(r"^" + re.escape(pre) + r"(-?\d[\d,]*(?:\.\d+)?)" + re.escape(suf) + "$")[0]
    if parts.isna().any() or parts.str.match(r"^0\d").any():
        return None, None
    found = numbers_from_text(parts.astype("string[pyarrow]"))
    return (found, (pre, suf)) if found is not None else (None, None)


def number_profile(name: str, source: str, values: np.ndarray, text: pd.Series | None) -> Profile:
    missing = np.isnan(values)
    present = values[~missing]
    if (np.abs(present) > MAX_ABS_NUMBER).any():
        values = np.where(np.abs(values) > MAX_ABS_NUMBER, np.nan, values)
        missing = np.isnan(values)
        present = values[~missing]
    integral = bool(np.all(present == np.round(present)))
    has_point = text is not None and bool(text.str.contains(r"[.,eE]", regex=True).any())
    integer = integral and not has_point
    decimals = 0 if integer else decimals_of(present, text)
    prof = Profile(name, source, "number", missing, values=values, integer=integer, decimals=decimals)
    if integer and len(present) >= MIN_ROWS and not missing.any():
        unique = np.unique(present)
        if len(unique) == len(present) and unique[-1] - unique[0] == len(unique) - 1:
            start = int(unique[-1]) + 1
            prof.kind = "id"
            prof.columns = [{"name": name, "type": "id", "start": start}]
            prof.note = f"a sequence of ids; new rows continue after the sample's last id ({start - 1})"
    return prof


def decimals_of(values: np.ndarray, text: pd.Series | None) -> int:
    """The digits after the point the sample writes (most cells' count, and the last digit a
    cell carries at most); from the numbers themselves for typed files."""
    if text is not None:
        point = "." if text.str.contains(".", regex=False).any() else ","
        mantissa = text.str.replace(r"[eE].*$", "", regex=True)
        after = mantissa.str.replace(r"^[^" + point + "]*[" + point + "]?", "", regex=True)
        digits = after.str.len().to_numpy(dtype=float, na_value=0)
        if len(digits):
            return int(min(np.quantile(digits, 0.99), MAX_DECIMALS))
    for d in range(0, 7):
        if np.mean(np.abs(values - np.round(values, d)) < 1e-9 * np.maximum(1, np.abs(values))) >= 0.99:
            return d
    return 6


def dates_from_text(text: pd.Series) -> tuple[pd.Series, str | None, bool] | None:
    """Dates in the first format that reads every cell of a sample of them; between day-first
    and month-first, the one a cell settles (a day past 12), else month-first."""
    distinct = pd.Series(text.unique()[:500])
    timed = bool(distinct.str.contains(":", regex=False).any())
    for fmt in TIME_FORMATS if timed else DATE_FORMATS:
        if pd.to_datetime(distinct.head(10), format=fmt, errors="coerce").isna().any():
            continue
        parsed = pd.to_datetime(distinct, format=fmt, errors="coerce")
        if parsed.notna().all():
            full = pd.to_datetime(text, format=fmt, errors="coerce")
            if full.notna().mean() < 0.995:
                continue
            if full.min() < pd.Timestamp(MIN_DATE) or full.max() > pd.Timestamp(MAX_DATE):
                return None
            is_datetime = "%H" in fmt or "%I" in fmt
            written = None if fmt in ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S") else fmt
            return full.astype("datetime64[s]"), written, is_datetime
    if text.head(50).str.match(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d").all():
        full = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        if full.notna().mean() >= 0.995:
            return full.dt.tz_convert(None).astype("datetime64[s]"), "%Y-%m-%dT%H:%M:%S", True
    return None


def date_profile(name: str, source: str, stamps: pd.Series, fmt: str | None) -> Profile:
    seconds = stamps.astype("datetime64[s]").astype("int64").to_numpy().astype(np.float64)
    missing = stamps.isna().to_numpy()
    seconds[missing] = np.nan
    days = seconds / SECONDS_PER_DAY
    present = days[~missing]
    is_datetime = bool(np.any(present != np.floor(present)))
    prof = Profile(name, source, "date", missing, values=days, datetime=is_datetime, format=fmt)
    prof.step = series_step(present, is_datetime)
    return prof


def series_step(days: np.ndarray, is_datetime: bool) -> str | None:
    """The step of a regular series: every date once, nearly all the same step apart."""
    if len(days) < MIN_ROWS or len(np.unique(days)) < 0.98 * len(days):
        return None
    ordered = np.sort(days)
    seconds = np.round(np.diff(ordered) * SECONDS_PER_DAY).astype(np.int64)
    values, counts = np.unique(seconds, return_counts=True)
    mode = int(values[np.argmax(counts)])
    if mode > 0 and counts.max() >= 0.95 * len(seconds):
        if mode % (7 * SECONDS_PER_DAY) == 0:
            return f"{mode // (7 * SECONDS_PER_DAY)}w"
        if mode % SECONDS_PER_DAY == 0:
            return f"{mode // SECONDS_PER_DAY}d"
        if not is_datetime:
            return None
        if mode % 3600 == 0:
            return f"{mode // 3600}h"
        return f"{mode // 60}m" if mode % 60 == 0 else f"{mode}s"
    stamps = pd.to_datetime(ordered * SECONDS_PER_DAY, unit="s")
    months = np.diff(stamps.year * 12 + stamps.month)
    if len(set(stamps.day)) == 1 and len(months) and (months == months[0]).mean() >= 0.95 \
            and months[0] in (1, 3, 6, 12):
        return "1y" if months[0] == 12 else f"{int(months[0])}mo"
    return None


def string_profile(name: str, source: str, text: pd.Series, missing: np.ndarray, present: pd.Series) -> Profile:
    """Text that is neither number nor date: a uuid, email or web address, a category, a code or
    an id, a person's name or place, or free text."""
    n = len(present)
    counts = present.value_counts()
    frequent = counts[counts >= RARE]
    coverage = frequent.sum() / n
    short = present.str.len().max() <= MAX_CHOICE_VALUE_CHARS and not present.str.contains(r"[\x00-\x1f]").any()
    prof = Profile(name, source, "category", missing, labels=object_labels(text))
    head = present.head(2000)
    for regex, method in ((UUID, None), (EMAIL, "email"), (URL, "url"), (IPV4, "ipv4")):
        if head.str.fullmatch(regex).mean() >= 0.95 and present.str.fullmatch(regex).mean() >= 0.95:
            prof.kind = "faker" if method else "id"
            prof.columns = [{"name": name, "type": "faker", "method": method} if method
                            else {"name": name, "type": "id", "format": "uuid"}]
            prof.compare = lengths(text)
            prof.note = f"{method or 'uuid'} values, made new"
            return prof
    codes_like = len(counts) >= 50 and present.head(2000).str.contains(r"\d").mean() >= 0.95
    if short and (coverage >= 0.6 or len(frequent) == len(counts)) and len(frequent) >= 1 and not codes_like:
        prof.note = category_note(counts)
        return prof
    sequence = id_sequence(name, present)
    if sequence is not None:
        prof.kind, prof.columns = "id", [sequence]
        prof.note = f"a sequence of ids; new rows continue after the sample's last ({sequence['start'] - 1})"
        return prof
    pattern = code_pattern(name, present)
    if pattern is not None:
        prof.kind, prof.columns = "pattern", pattern
        prof.compare = shapes(text)
        prof.note = "codes of one shape: a pattern of digits (#) and letters (?)" if len(pattern) == 1 else \
            f"codes of {len(pattern[-1]['values'])} shapes, each a pattern, in the sample's shares"
        return prof
    method = faker_hint(name, present)
    prof.compare = lengths(text)
    if method:
        prof.kind, prof.columns = "faker", [{"name": name, "type": "faker", "method": method}]
        prof.note = f"{method.replace('_', ' ')}s, made new by Faker"
        return prof
    prof.kind = "text"
    prof.note = "free text, replaced by Faker text of about the same length and language"
    return prof


def category_note(counts: pd.Series) -> str:
    rare = counts[counts < RARE]
    note = f"a category of {len(counts)} value{'s' if len(counts) != 1 else ''}"
    if len(rare):
        note += (f"; {len(rare)} seen fewer than {RARE} times ({rare.sum()} cells) are never written: "
                 f"they become {OTHER!r}")
    return note


def lengths(text: pd.Series) -> np.ndarray:
    return text.astype("string[pyarrow]").str.len().to_numpy(dtype=np.float64, na_value=np.nan)


def shapes(text: pd.Series) -> np.ndarray:
    """A code's shape: each digit as #, each upper-case letter as ?."""
    shaped = text.astype("string[pyarrow]").str.replace(r"\d", "#", regex=True).str.replace(r"[A-Z]", "?", regex=True)
    return object_labels(shaped)


def id_sequence(name: str, present: pd.Series) -> dict[str, Any] | None:
    """R-0001, R-0002, ...: one prefix, a run of numbers with no gap, each once."""
    parts = present.str.extract(r"^(\D*?)(\d+)$")
    if parts[1].isna().any() or parts[0].nunique() != 1 or present.nunique() != len(present) or len(present) < MIN_ROWS:
        return None
    numbers = parts[1].astype("int64").to_numpy()
    widths = parts[1].str.len()
    if numbers.max() - numbers.min() != len(numbers) - 1:
        return None
    prefix = str(parts[0].iloc[0])
    if len(prefix) > 20 or CONTROL_CHARS.search(prefix):
        return None
    out: dict[str, Any] = {"name": name, "type": "id", "start": int(numbers.max()) + 1}
    if prefix:
        out["prefix"] = prefix
    if widths.nunique() == 1 and (parts[1].str.startswith("0").any()):
        out["width"] = int(widths.iloc[0])
    return out


def code_pattern(name: str, present: pd.Series) -> list[dict[str, Any]] | None:
    """Codes whose shapes (a few, covering nearly every cell) keep letters and digits in place:
    N1A1 -> N#A#, SKU-4821-QX -> SKU-####-??. A character every code of a shape shares stays
    as it is; several shapes are drawn in the sample's shares through a hidden helper."""
    shaped = pd.Series(shapes(present), index=present.index)
    counts = shaped.value_counts()
    top = counts.head(5)
    if top.sum() < 0.95 * len(present) \
            or not all(("#" in s or "?" in s) and len(s) <= MAX_PATTERN_CHARS for s in top.index):
        return None
    if any(re.search(r"[a-z]", s) for s in top.index) and present.nunique() < 0.5 * len(present):
        return None
    if present.nunique() < min(50, 0.3 * len(present)):
        return None
    top = top[top >= max(RARE, 0.01 * len(present))] if len(top) > 1 else top
    patterns = []
    for shape in top.index:
        members = present[shaped == shape]
        chars = np.array([list(v) for v in members.head(5000)])
        pattern = []
        for j, ch in enumerate(shape):
            column = chars[:, j]
            if ch in "#?" and len(members) >= MIN_CASE_ROWS and (column == column[0]).all():
                pattern.append(column[0])
            elif ch in "#?" or not re.match(r"[a-z]", ch) or (column == column[0]).all():
                pattern.append(ch)
            else:
                return None
        patterns.append("".join(pattern))
    if len(patterns) == 1:
        col: dict[str, Any] = {"name": name, "type": "pattern", "pattern": patterns[0]}
        capacity = 10 ** patterns[0].count("#") * 26 ** patterns[0].count("?")
        if present.nunique() == len(present) and capacity >= 1_000_000:
            col["unique"] = True
        return [col]
    helper = f"{name[:MAX_NAME_CHARS - 6]}_shape"
    return [{"name": name, "type": "pattern", "pattern": patterns[0], "depends_on": helper,
             "cases": [{"when": i, "pattern": p} for i, p in enumerate(patterns) if i]},
            {"name": helper, "type": "choice", "values": list(range(len(patterns))),
             "weights": [int(c) for c in top.values], "hidden": True}]


def faker_hint(name: str, present: pd.Series) -> str | None:
    """The Faker method a column's name and values point to, for open text (not categories)."""
    words = set(snake(name).split("_")) | {snake(name).replace("_", "")}
    for hints, method in NAME_HINTS:
        if words & hints:
            return method
    if words & PERSON_HINTS and present.head(1000).str.fullmatch(PERSON).mean() >= 0.8:
        return "name"
    return None


# --- free text: Faker text of about the same length and language ---

def text_locale(profiles: list[Profile]) -> str:
    """The language of the sample's free text, among those Faker writes real words in."""
    words: list[str] = []
    for prof in profiles:
        if prof.kind == "text" and prof.labels is not None:
            cells = [v for v in prof.labels[:2000] if v is not None]
            words += [w for v in cells for w in re.findall(r"\w+", v.lower())]
    if len(words) < 20:
        return "en_US"
    found = {loc: sum(w in set(stop.split()) for w in words) for loc, stop in STOPWORDS.items()}
    best = max(found, key=lambda k: found[k])
    return best if found[best] >= 0.05 * len(words) else "en_US"


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
            col = date_column(prof, prof.values[idx])
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


def label_codes(labels: np.ndarray, values: list[Any], other: int) -> np.ndarray:
    """Each label's index in values; `other` for a label not among them, -1 for an empty cell."""
    codes = pd.Index(list(dict.fromkeys(values)), dtype=object).get_indexer(labels).astype(np.int64)
    present = pd.notna(labels)
    return np.where(present & (codes < 0), other, np.where(present, codes, -1))


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


def day_text(days: float, is_datetime: bool) -> str:
    stamp = np.datetime64(int(round(days * SECONDS_PER_DAY)), "s")
    text = str(stamp)
    return text if is_datetime else text[:10]


def date_column(prof: Profile, values: np.ndarray) -> dict[str, Any]:
    x = values[~np.isnan(values)]
    col: dict[str, Any] = {"name": prof.name, "type": "datetime" if prof.datetime else "date"}
    if prof.format:
        col["format"] = prof.format
    if not len(x):
        return col
    first, last = day_text(x.min(), False), day_text(x.max(), False)
    if prof.step:  # a datetime series names its first time too (the engine starts it within that day)
        begin = day_text(x.min(), prof.datetime)
        col |= {"start": begin, "end": begin, "step": prof.step}
        return col | {"description": f"a regular series, one row every {prof.step}, from {first}"}
    q = quantile_grid(x)
    if not prof.datetime:
        q = np.floor(q)
    col |= {"start": first, "end": last, "distribution": "empirical",
            "quantiles": [day_text(v, prof.datetime) for v in np.maximum.accumulate(q)]}
    return col | {"description": f"{'datetimes' if prof.datetime else 'dates'} from {first} to {last}"}


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


# --- reporting ---

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
                out.append({"columns": [a.name, b.name], "metric": "contingency", "score": round(score, 4)})
    return out


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
            name: str) -> dict[str, Any]:
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
    schema_train, _ = build_schema(profiles, train, locale, name)
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
                source: dict[str, Any], notes: list[str], description: str | None) -> dict[str, Any]:
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
        "privacy": privacy(profiles, schema, synth, schema["locale"], schema["name"]),
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

"""A sample file read and profiled: the table of its raw columns, and for each column a Profile of
what it holds.

    frame, source = read_sample(data, "penguins.csv")     # source: the format, rows, columns
    names, notes = clean_names([str(c) for c in frame.columns])
    profiles = [profile_column(n, str(s), frame[s]) for n, s in zip(names, frame.columns)]

- reading: CSV, TSV (separator sniffed), JSON Lines or a JSON array, Parquet and Excel, told apart
  by their bytes; empty cells and pandas' missing-value markers (NA, NaN, null, ...) are empty. A
  file that is empty, binary, not a table, wider than MAX_SAMPLE_COLUMNS or shorter than MIN_ROWS
  is a SchemaError on the field `sample`. Column names become names the schema language allows.
- profiling: each column's kind from its values: numbers (integer or with the sample's decimals),
  dates and datetimes in the sample's own format (and whether they step like a series), booleans,
  categories, ids (a sequence, a uuid), codes (a pattern of digits and letters), free text, and
  people, places and addresses (Faker); text_locale() names the language of the free text.
- a profile holds dates as days since 1970 (day_text() writes one back) and categories as labels
  (label_codes() numbers them).

It does not build a schema (fit.py) or compare rows with the sample (report.py), and writes
nothing.
"""

from __future__ import annotations

import io
import json
import keyword
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cells import MAX_ABS_NUMBER, MAX_DATE, MAX_DECIMALS, MIN_DATE, SECONDS_PER_DAY
from columns import BAD_NAME_START, CONTROL_CHARS, MAX_CHOICE_VALUE_CHARS, MAX_NAME_CHARS, MAX_PATTERN_CHARS
from errors import SchemaError, clip
from schema import snake

MIN_ROWS = 10                   # fewer rows than this are not a sample to learn from
MAX_SAMPLE_COLUMNS = 1000       # a wider file is refused before it is read
RARE = 5                        # a category value seen fewer times is never written: it joins OTHER
OTHER = "Other"
MIN_CASE_ROWS = 20              # a group needs this many rows for its own distribution
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
# Faker methods whose values name one thing each (an address, an account): a column of them with
# no value twice in the sample is `unique`, so new rows repeat none either.
IDENTIFIER_METHODS = {"email", "url", "ipv4", "user_name", "phone_number"}
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
        raise fail(f"the file has column names but no rows; a sample needs at least {MIN_ROWS} rows to learn from")
    if not any(has_values(frame[c]) for c in frame.columns):
        which = "its only column" if frame.shape[1] == 1 else f"all {frame.shape[1]} columns"
        raise fail(f"every cell is empty ({which}): there are no values to learn from")
    if len(frame) < MIN_ROWS:
        raise fail(f"the file has only {len(frame)} row{'s' if len(frame) != 1 else ''}; a sample needs at least "
                   f"{MIN_ROWS} rows to learn from")
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
            prof.columns = [identifier_column(name, method, present) if method
                            else {"name": name, "type": "id", "format": "uuid"}]
            prof.compare = lengths(text)
            prof.note = f"{method or 'uuid'} values, made new" + unique_note(prof.columns[0])
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
        prof.kind, prof.columns = "faker", [identifier_column(name, method, present)]
        prof.note = f"{method.replace('_', ' ')}s, made new by Faker" + unique_note(prof.columns[0])
        return prof
    prof.kind = "text"
    prof.note = "free text, replaced by Faker text of about the same length and language"
    return prof


def identifier_column(name: str, method: str, present: pd.Series) -> dict[str, Any]:
    """A Faker column; `unique` when it names one thing per cell (an email, a username, a phone)
    and the sample repeats none of them."""
    col: dict[str, Any] = {"name": name, "type": "faker", "method": method}
    if method in IDENTIFIER_METHODS and len(present) >= 2 and present.nunique() == len(present):
        col["unique"] = True
    return col


def unique_note(col: dict[str, Any]) -> str:
    return "; each once, as in the sample" if col.get("unique") else ""


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



# --- the language of free text ---

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


# --- profiled values: days as text, labels as codes ---

def label_codes(labels: np.ndarray, values: list[Any], other: int) -> np.ndarray:
    """Each label's index in values; `other` for a label not among them, -1 for an empty cell."""
    codes = pd.Index(list(dict.fromkeys(values)), dtype=object).get_indexer(labels).astype(np.int64)
    present = pd.notna(labels)
    return np.where(present & (codes < 0), other, np.where(present, codes, -1))


def day_text(days: float, is_datetime: bool) -> str:
    stamp = np.datetime64(int(round(days * SECONDS_PER_DAY)), "s")
    text = str(stamp)
    return text if is_datetime else text[:10]

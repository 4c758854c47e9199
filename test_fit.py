"""Learning from a sample: the samples are made here (penguins, a shop's orders, a daily weather
series), fitted, and the rows made from the fitted schema are held against them."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import fit
import rows
import sample
from schema import load_schema
from testkit import HERE, service_env

RARE_COLOURS = ["teal", "mauve", "ochre"]

ISLANDS = {"Adelie": (["Biscoe", "Dream", "Torgersen"], [0.3, 0.35, 0.35]), "Gentoo": (["Biscoe"], [1.0]),
           "Chinstrap": (["Dream"], [1.0])}


def penguins(n: int = 1500, seed: int = 1) -> pd.DataFrame:
    """Body mass and bill length set by species and sex (two modes each), flipper length
    following body mass, an island that follows the species, ids shaped like N12A1."""
    rng = np.random.default_rng(seed)
    species = rng.choice(["Adelie", "Gentoo", "Chinstrap"], n, p=[0.45, 0.35, 0.2])
    island = np.array([rng.choice(ISLANDS[s][0], p=ISLANDS[s][1]) for s in species])
    sex = rng.choice(["male", "female"], n)
    mass_base = pd.Series(species).map({"Adelie": 3700, "Gentoo": 5080, "Chinstrap": 3730}).to_numpy()
    mass = mass_base + np.where(sex == "male", 330, -330) + rng.normal(0, 230, n)
    bill = pd.Series(species).map({"Adelie": 38.8, "Gentoo": 47.5, "Chinstrap": 48.8}).to_numpy() \
        + np.where(sex == "male", 2, -2) + rng.normal(0, 1.6, n)
    flipper = 0.012 * mass + 140 + rng.normal(0, 4, n)
    colour = rng.choice(["red", "blue", "green"], n)
    rare = rng.choice(n, 7, replace=False)
    colour[rare] = [RARE_COLOURS[i % 3] for i in range(7)]  # each seen 2 or 3 times
    frame = pd.DataFrame({
        "Individual ID": [f"N{rng.integers(1, 100)}A{rng.integers(1, 3)}" for _ in range(n)],
        "species": species, "island": island, "sex": sex,
        "bill_length_mm": np.round(bill, 1), "flipper_length_mm": np.round(flipper).astype(int),
        "body_mass_g": np.round(mass).astype(int), "band colour": colour,
    })
    frame.loc[rng.random(n) < 0.04, "sex"] = None
    return frame


def shop(n: int = 3000, seed: int = 2) -> pd.DataFrame:
    """Orders: sequential ids, product codes, a skewed price with a quarter of free items,
    a quantity, a category with rare values, comments (mostly empty), an email."""
    rng = np.random.default_rng(seed)
    price = np.where(rng.random(n) < 0.25, 0.0, np.round(rng.lognormal(3.2, 0.9, n), 2))
    category = rng.choice(["books", "games", "music", "garden"], n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    category[:6] = ["antiques", "antiques", "stamps", "vinyl", "vinyl", "vinyl"]  # seen 1 to 3 times
    words = ("great quick delivery item broken arrived late lovely gift would buy again the box was "
             "damaged but support helped fast works as described").split()
    comments = [None if rng.random() < 0.6 else " ".join(rng.choice(words, rng.integers(3, 30))).capitalize() + "."
                for _ in range(n)]
    return pd.DataFrame({
        "order_id": [f"ORD-{i:05d}" for i in range(1, n + 1)],
        "sku": [f"SKU-{rng.integers(0, 10000):04d}-{''.join(rng.choice(list('ABCDEFGH'), 2))}" for _ in range(n)],
        "price": price, "quantity": rng.poisson(1.5, n) + 1, "category": category,
        "comment": comments,
        "email": [f"user{rng.integers(0, 10**6)}@example.org" for _ in range(n)],
    })


def weather(days: int = 1096, seed: int = 3) -> pd.DataFrame:
    """A daily series written day first (31/01/2021): warm summers, cold winters, rain on some
    days only."""
    rng = np.random.default_rng(seed)
    day = pd.date_range("2021-01-01", periods=days, freq="D")
    temp = 11 + 9 * np.sin(2 * np.pi * (day.day_of_year.to_numpy() - 110) / 365.25) + rng.normal(0, 2.2, days)
    rain = np.where(rng.random(days) < 0.55, 0.0, np.round(rng.gamma(1.5, 3.0, days), 1))
    return pd.DataFrame({"date": day.strftime("%d/%m/%Y"), "temp_c": np.round(temp, 1), "rain_mm": rain,
                         "station": "Oxford"})


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


@pytest.fixture(scope="module")
def fitted_penguins():
    frame = penguins()
    return frame, fit.fit_sample(csv_bytes(frame), "penguins.csv")


@pytest.fixture(scope="module")
def fitted_shop():
    frame = shop()
    return frame, fit.fit_sample(csv_bytes(frame), "orders.csv")


@pytest.fixture(scope="module")
def fitted_weather():
    frame = weather()
    return frame, fit.fit_sample(csv_bytes(frame), "weather.csv")


def made(fitted: fit.Fitted, n: int, seed: int = 11) -> pd.DataFrame:
    return rows.main_rows(load_schema(fitted.schema, 1000), n, seed).to_pandas()


def ks(a, b) -> float:
    a, b = np.sort(np.asarray(a, float)), np.sort(np.asarray(b, float))
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    grid = np.concatenate([a, b])
    left, right = np.searchsorted(a, grid, "right") / len(a), np.searchsorted(b, grid, "right") / len(b)
    return float(np.max(np.abs(left - right)))


def tvd(a, b) -> float:
    pa_, pb = pd.Series(a).dropna().astype(str).value_counts(normalize=True), \
        pd.Series(b).dropna().astype(str).value_counts(normalize=True)
    both = pd.concat([pa_, pb], axis=1).fillna(0)
    return float(0.5 * (both.iloc[:, 0] - both.iloc[:, 1]).abs().sum())


def days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).astype("datetime64[s]").astype("int64").to_numpy() / 86400


def shape(real: pd.Series, synth: pd.Series) -> float:
    if pd.api.types.is_numeric_dtype(real):
        return 1 - ks(real, synth)
    return 1 - tvd(real, synth)


def column(fitted: fit.Fitted, name: str) -> dict:
    return next(c for c in fitted.schema["columns"] if c["name"] == name)


def series_step(schema: dict, name: str) -> str | None:
    """The step of a date column learned as a regular series (None when its dates are drawn): the
    column follows, 0 days after, a hidden formula that counts steps from the sample's first date."""
    col = next(c for c in schema["columns"] if c["name"] == name)
    source = next((c for c in schema["columns"] if c["name"] == col.get("after")), None)
    if source is None or not source.get("hidden") or source["type"] != "formula":
        return None
    assert col["min_days"] == col["max_days"] == 0 and "step" not in col
    return re.search(r"one row every (\w+)", col["description"]).group(1)


# --- what is learned ---

def test_columns_keep_the_sample_names_order_and_kinds(fitted_penguins, fitted_shop):
    frame, fitted = fitted_penguins
    visible = [c for c in fitted.schema["columns"] if not c.get("hidden")]
    assert [c["name"] for c in visible] == list(frame.columns)
    kinds = {c["name"]: c["type"] for c in visible}
    assert kinds == {"Individual ID": "pattern", "species": "choice", "island": "choice", "sex": "choice",
                     "bill_length_mm": "float", "flipper_length_mm": "int", "body_mass_g": "int",
                     "band colour": "choice"}
    assert column(fitted, "bill_length_mm")["decimals"] == 1
    assert column(fitted, "sex")["null_rate"] == pytest.approx(frame["sex"].isna().mean(), abs=1e-3)
    assert column(fitted, "Individual ID")["pattern"] == "N##A#"
    _, shop_fit = fitted_shop
    order_id = column(shop_fit, "order_id")
    assert order_id == order_id | {"type": "id", "prefix": "ORD-", "width": 5, "start": 3001}
    assert column(shop_fit, "sku")["pattern"] == "SKU-####-??"
    assert column(shop_fit, "comment")["type"] == "faker"
    assert column(shop_fit, "email")["method"] == "email"


def test_every_column_keeps_its_shape(fitted_penguins, fitted_shop, fitted_weather):
    for frame, fitted in (fitted_penguins, fitted_shop, fitted_weather):
        stepped = any(series_step(fitted.schema, name) for name in frame.columns)
        synth = made(fitted, len(frame) if stepped else 5000)  # a series covers the sample's days at its length
        for name in frame.columns:
            col = column(fitted, name)
            if col["type"] in ("id", "faker", "pattern"):
                continue
            real = frame[name]
            other = synth[name]
            if col["type"] == "date":
                real, other = pd.Series(days(pd.to_datetime(real, format="%d/%m/%Y"))), pd.Series(days(other))
            assert shape(real, other) >= 0.9, name
        for entry in fitted.report["columns"]:
            if entry["shape"] is not None:
                assert entry["shape"]["score"] >= 0.9, entry["name"]


def test_numbers_follow_the_category_that_moves_them(fitted_penguins):
    frame, fitted = fitted_penguins
    synth = made(fitted, 20_000)
    for number in ("body_mass_g", "bill_length_mm"):
        assert column(fitted, number)["depends_on"]
        for by in ("species", "sex"):
            real = frame.groupby(by)[number].mean()
            mine = synth.groupby(by)[number].mean()
            for group in real.index:
                assert mine[group] == pytest.approx(real[group], rel=0.06), (number, by, group)
            if by == "species":  # two modes (by sex) within each species survive too
                gentoo = synth[synth.species == "Gentoo"]
                assert gentoo.groupby("sex")["body_mass_g"].mean().diff().abs().iloc[-1] > 400


def test_pair_trends_are_kept(fitted_penguins):
    frame, fitted = fitted_penguins
    synth = made(fitted, 10_000)
    numbers = ["bill_length_mm", "flipper_length_mm", "body_mass_g"]
    real, mine = frame[numbers].corr().to_numpy(), synth[numbers].corr().to_numpy()
    upper = np.triu_indices(len(numbers), 1)
    assert np.mean(np.abs(real[upper] - mine[upper])) <= 0.1
    assert real[0, 2] > 0.5 and mine[0, 2] > 0.5
    # the island follows the species: Gentoo only on Biscoe
    assert set(synth.loc[synth.species == "Gentoo", "island"]) == {"Biscoe"}
    trends = {tuple(p["columns"]): p for p in fitted.report["pairs"]}
    assert trends[("flipper_length_mm", "body_mass_g")]["metric"] == "correlation"
    assert trends[("species", "island")]["metric"] == "contingency"
    assert np.mean([p["score"] for p in fitted.report["pairs"]]) >= 0.9


def test_zeros_and_skew_of_a_price(fitted_shop):
    frame, fitted = fitted_shop
    synth = made(fitted, 20_000)
    real, mine = frame["price"], synth["price"]
    assert (mine == 0).mean() == pytest.approx((real == 0).mean(), abs=0.02)
    assert mine.median() == pytest.approx(real.median(), rel=0.08)
    assert mine.mean() > mine.median() * 1.2  # right skew
    assert mine.max() <= real.max() and mine.min() >= 0
    assert (mine.round(2) == mine).all()


def test_rare_values_free_text_and_ids_are_never_copied(fitted_shop, fitted_penguins):
    frame, fitted = fitted_shop
    synth = made(fitted, 20_000)
    assert not set(synth["category"]) & {"antiques", "stamps", "vinyl"}
    assert "Other" in set(synth["category"])
    comments = synth["comment"]
    assert comments.isna().mean() == pytest.approx(frame["comment"].isna().mean(), abs=0.03)
    assert not set(comments.dropna()) & set(frame["comment"].dropna())
    real_len, mine_len = frame["comment"].dropna().str.len(), comments.dropna().str.len()
    assert mine_len.median() == pytest.approx(real_len.median(), rel=0.25)
    assert not set(synth["order_id"]) & set(frame["order_id"])
    assert not set(synth["email"]) & set(frame["email"])
    pframe, pfit = fitted_penguins
    psynth = made(pfit, 20_000)
    assert not set(psynth["band colour"]) & set(RARE_COLOURS)


def test_no_sample_row_is_copied(fitted_penguins, fitted_shop):
    for (frame, fitted), left_out in ((fitted_penguins, []), (fitted_penguins, ["Individual ID"]),
                                      (fitted_shop, ["order_id", "email"])):
        names = [c for c in frame.columns if c not in left_out]
        synth = made(fitted, len(frame))
        real_rows = set(map(tuple, frame[names].astype(str).to_numpy()))
        assert not any(tuple(r) in real_rows for r in synth[names].astype(str).to_numpy())
        # on the compared columns (ids, codes and text left out) no more matches than new real rows have
        identical = fitted.report["privacy"]["identical_rows"]
        assert identical["share"] <= identical["holdout_share"] * 1.5 + 0.002 and identical["verdict"] == "good"


def test_a_daily_series_stays_daily_and_keeps_its_season(fitted_weather, client):
    frame, fitted = fitted_weather
    date = column(fitted, "date")
    assert series_step(fitted.schema, "date") == "1d" and date["format"] == "%d/%m/%Y"
    assert column(fitted, "temp_c")["depends_on"]
    synth = made(fitted, len(frame))
    stamps = pd.to_datetime(synth["date"])
    assert (stamps.diff().dropna() == pd.Timedelta(days=1)).all()
    assert (stamps.to_numpy() == pd.to_datetime(frame["date"], format="%d/%m/%Y").to_numpy()).all()

    def season(df: pd.DataFrame, when: pd.Series) -> float:
        months = when.dt.month
        return df.loc[months.isin([6, 7, 8]), "temp_c"].mean() - df.loc[months.isin([12, 1, 2]), "temp_c"].mean()
    real_gap = season(frame, pd.to_datetime(frame["date"], format="%d/%m/%Y"))
    assert real_gap > 10
    assert season(synth, stamps) == pytest.approx(real_gap, abs=1.5)
    assert (synth["rain_mm"] == 0).mean() == pytest.approx((frame["rain_mm"] == 0).mean(), abs=0.05)
    # written back in the sample's own format
    resp = client.post("/generate", json={"schema": fitted.schema, "rows": 50, "seed": 1})
    assert resp.status_code == 200
    written = pd.read_csv(io.StringIO(resp.text), dtype=str)
    assert list(written.columns) == list(frame.columns)
    assert written["date"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert written["date"].iloc[0] == "01/01/2021"


def daily_sample(n: int = 300, seed: int = 12) -> pd.DataFrame:
    """One row per day from 2024-01-01, a reading and an email per row."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"day": pd.date_range("2024-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                         "reading": np.round(rng.gamma(2, 5, n), 1),
                         "email": [f"{w}.{i}@example.com" for i, w in enumerate(rng.choice(["ann", "bo", "cy"], n))]})


def test_more_rows_than_a_daily_series_stay_within_its_days(tmp_path, monkeypatch):
    """100,000 rows of a 300-day series: the series starts again after 300 rows, so every date is
    there and within the sample's days (not run on past 2100, where a date is an empty cell)."""
    import main
    monkeypatch.setenv("SCHEMA_CACHE", str(tmp_path / "schemas.json"))
    frame = daily_sample()
    sample = tmp_path / "data.csv"
    sample.write_bytes(csv_bytes(frame))
    out = tmp_path / "synthetic.csv"
    assert main.cli(["generate", "--sample", str(sample), "--rows", "100000", "--seed", "1", "-o", str(out)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(written) == 100_000
    assert (written["day"] == "").sum() == 0 and written["day"].str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    stamps = pd.to_datetime(written["day"])
    assert stamps.min() == pd.Timestamp("2024-01-01") and stamps.max() == pd.Timestamp("2024-10-26")
    counts = stamps.value_counts()
    assert len(counts) == 300 and counts.min() >= 333 and counts.max() <= 334  # each day as often
    assert (stamps.iloc[:300].dt.strftime("%Y-%m-%d") == frame["day"]).all()
    assert (written[["reading", "email"]] == "").sum().sum() == 0
    # at the sample's length it is the sample's series, one day after another
    fitted = fit.fit_sample(csv_bytes(frame), "data.csv")
    assert series_step(fitted.schema, "day") == "1d"
    synth = made(fitted, 300)
    assert (pd.to_datetime(synth["day"]).diff().dropna() == pd.Timedelta(days=1)).all()
    assert (pd.to_datetime(synth["day"]).dt.strftime("%Y-%m-%d") == frame["day"]).all()


@pytest.mark.parametrize("freq, fmt, rows_", [("15min", "%Y-%m-%d %H:%M:%S", 400), ("h", "%d/%m/%Y %H:%M", 500),
                                              ("W", "%Y-%m-%d", 120), ("MS", "%d/%m/%Y", 60), ("QS", "%Y-%m-%d", 40),
                                              ("YS", "%Y-%m-%d", 30), ("D", "%Y-%m-%d", 20)])
def test_every_kind_of_series_repeats_within_the_sample_span(freq, fmt, rows_):
    """A series of minutes, hours, weeks, months, quarters or years: the first rows are the
    sample's own series; 100,000 rows leave no date empty and none outside the sample's span."""
    start = "2030-03-01 08:15" if "%H" in fmt else "1995-01-01" if freq == "YS" else "2021-07-05"
    stamps = pd.date_range(start, periods=rows_, freq=freq)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"at": stamps.strftime(fmt), "value": np.round(rng.normal(50, 10, rows_), 2)})
    fitted = fit.fit_sample(csv_bytes(frame), "series.csv")
    assert series_step(fitted.schema, "at") is not None
    synth = made(fitted, 100_000)
    got = pd.to_datetime(synth["at"])
    real = pd.to_datetime(frame["at"], format=fmt)
    assert got.notna().all() and synth["value"].notna().all()
    assert got.min() == real.min() and got.max() == real.max()
    assert (got.iloc[:rows_].to_numpy() == real.to_numpy()).all()
    assert set(got.unique()) == set(real)


def test_sequences_and_numbers_leave_no_cell_empty_at_many_rows():
    """Ids that continue after the sample's last (plain, large, with a prefix and zeros), a number
    that is an even run, a number with a unit: 100,000 rows of a 300-row sample are all filled."""
    n = 300
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"seq": np.arange(1, n + 1), "code": [f"R-{i:04d}" for i in range(1, n + 1)],
                          "big": np.arange(10**12, 10**12 + n), "even": np.arange(0, 2 * n, 2),
                          "half": np.arange(n) * 0.5, "total": np.cumsum(rng.integers(1, 5, n)),
                          "price": [f"${v:.2f}" for v in rng.lognormal(3, 1, n)],
                          "late": pd.date_range("2100-03-01", periods=n, freq="D").strftime("%Y-%m-%d"),
                          "early": pd.date_range("1900-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M:%S")})
    fitted = fit.fit_sample(csv_bytes(frame), "runs.csv")
    assert {c: column(fitted, c)["type"] for c in ("seq", "code", "big")} == {"seq": "id", "code": "id", "big": "id"}
    synth = made(fitted, 100_000)
    assert list(synth.columns) == list(frame.columns)
    assert synth.isna().sum().sum() == 0
    assert synth["seq"].is_unique and synth["code"].is_unique and synth["seq"].min() == n + 1
    assert pd.to_datetime(synth["late"]).max() == pd.Timestamp("2100-12-25")
    assert pd.to_datetime(synth["early"]).min() == pd.Timestamp("1900-01-01")


def test_unique_identifiers_stay_unique():
    """Emails, usernames and phone numbers that the sample never repeats: new rows repeat none."""
    frame = daily_sample(400)
    rng = np.random.default_rng(13)
    first = ["anna", "ben", "carla", "dev", "emil", "fay", "gus", "hana"]
    frame["login"] = [f"{rng.choice(first)}{rng.choice(['', '_', '.'])}{w}" for w in
                      rng.choice(["smith", "jones", "lee", "kim", "brown", "ng", "ortiz", "wu"] * 3, 400)]
    frame["login"] = frame["login"] + [str(i) for i in rng.permutation(400)]
    frame["phone"] = [f"({rng.integers(200, 999)}) 555-{i:04d}" for i in rng.permutation(400)]
    assert frame["email"].is_unique and frame["login"].is_unique and frame["phone"].is_unique
    fitted = fit.fit_sample(csv_bytes(frame), "people.csv")
    for name, kind in (("email", "faker"), ("login", "faker"), ("phone", "pattern")):
        assert column(fitted, name)["type"] == kind and column(fitted, name)["unique"] is True, name
    synth = made(fitted, 5000)
    for name in ("email", "login", "phone"):
        assert synth[name].notna().all() and synth[name].duplicated().sum() == 0, name
    assert synth["email"].str.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}").all()
    # a column of repeated emails is not made unique
    repeated = daily_sample(400).assign(email=lambda f: f["email"].str.replace(r"\.\d+@", "@", regex=True))
    assert "unique" not in column(fit.fit_sample(csv_bytes(repeated), "repeated.csv"), "email")


def test_the_fewest_rows_a_sample_may_have(client):
    """Ten rows are a sample; nine are a 422 that names the minimum."""
    assert sample.MIN_ROWS == 10
    ten = daily_sample(10)
    assert fit.fit_sample(csv_bytes(ten), "ten.csv").schema["columns"][0]["name"] == "day"
    resp = client.post("/fit", files={"sample": ("nine.csv", csv_bytes(daily_sample(9)), "text/csv")})
    assert resp.status_code == 422
    assert "only 9 rows" in resp.text and "at least 10 rows" in resp.text
    header = client.post("/fit", files={"sample": ("none.csv", b"a,b\n", "text/csv")})
    assert header.status_code == 422 and "at least 10 rows" in header.text


def test_the_report_can_draw_histograms_and_judge_privacy(fitted_penguins):
    _, fitted = fitted_penguins
    report = json.loads(json.dumps(fitted.report))
    assert 0.9 <= report["score"] <= 1 and report["column_shapes"] >= 0.9
    by_name = {c["name"]: c for c in report["columns"]}
    mass = by_name["body_mass_g"]["histogram"]
    assert mass["kind"] == "bins" and len(mass["edges"]) == len(mass["real"]) + 1 == len(mass["synthetic"]) + 1
    assert sum(mass["real"]) == pytest.approx(1, abs=0.01)
    species = by_name["species"]["histogram"]
    assert species["kind"] == "bars" and set(species["labels"]) == {"Adelie", "Gentoo", "Chinstrap"}
    assert by_name["sex"]["empty_share"]["synthetic"] == pytest.approx(by_name["sex"]["empty_share"]["real"], abs=0.02)
    dcr = report["privacy"]["dcr"]
    assert dcr["holdout_rows"] == 300 and dcr["ratio"] >= 0.8 and dcr["verdict"] == "good"
    assert "contingency" in report["metrics"]["trend"]


@pytest.mark.parametrize("kind", ["tsv", "jsonl", "json", "parquet", "xlsx"])
def test_other_file_kinds_read_alike(kind, tmp_path):
    frame = penguins(300, seed=5)
    frame["measured"] = pd.date_range("2023-03-01", periods=300, freq="D")
    if kind == "tsv":
        data = frame.assign(measured=frame.measured.dt.strftime("%Y-%m-%d")).to_csv(sep="\t", index=False).encode()
    elif kind in ("jsonl", "json"):
        data = frame.assign(measured=frame.measured.dt.strftime("%Y-%m-%d")).to_json(
            orient="records", lines=kind == "jsonl").encode()
    else:
        path = tmp_path / f"sample.{kind}"
        frame.to_parquet(path) if kind == "parquet" else frame.to_excel(path, index=False)
        data = path.read_bytes()
    fitted = fit.fit_sample(data, f"sample.{kind}")
    types = {c["name"]: c["type"] for c in fitted.schema["columns"] if not c.get("hidden")}
    assert list(types) == list(frame.columns)
    assert types["body_mass_g"] == "int" and types["species"] == "choice" and types["measured"] == "date"
    assert series_step(fitted.schema, "measured") == "1d"
    measured = pd.to_datetime(made(fitted, 300)["measured"])
    assert (measured.to_numpy() == frame["measured"].to_numpy()).all()  # the sample's 300 days, in order
    assert fitted.report["sample"]["format"] == kind


def test_missing_markers_and_day_first_dates():
    text = "when,amount,label\n" + "".join(
        f"{d:02d}/{m:02d}/2024,{'NA' if i % 7 == 0 else i * 1.5},{'' if i % 5 == 0 else 'ab'[i % 2]}\n"
        for i, (d, m) in enumerate((d, m) for m in range(1, 13) for d in (3, 17, 25)))
    fitted = fit.fit_sample(text.encode(), "x.csv")
    when, amount, label = fitted.schema["columns"][:3]
    assert when["type"] == "date" and when["format"] == "%d/%m/%Y"
    assert amount["type"] == "float" and amount["null_rate"] == pytest.approx(6 / 36, abs=1e-3)
    assert label["null_rate"] == pytest.approx(8 / 36, abs=1e-3)


def test_names_the_schema_language_refuses_are_renamed_and_said():
    text = "Sepal.Length,=total,price,price\n" + "".join(f"{i % 7}.{i % 10},{i},\"1,{i:03d}.50\",{i}\n"
                                                          for i in range(40))
    fitted = fit.fit_sample(text.encode(), "iris.csv")
    names = [c["name"] for c in fitted.schema["columns"]]
    assert names == ["Sepal_Length", "total", "price", "price_1"]  # a repeated name gets a number
    assert len(fitted.report["notes"]) >= 3 and "Sepal.Length" in " ".join(fitted.report["notes"])
    price = fitted.schema["columns"][2]
    assert price["type"] == "float" and price["min"] == 1000.5 and price["decimals"] == 2  # 1,000.50 is a number


def test_numbers_with_a_sign_or_unit_keep_it_and_their_shape():
    rng = np.random.default_rng(6)
    n = 800
    frame = pd.DataFrame({"price": [f"${v:.2f}" for v in rng.lognormal(3, 1, n)],
                          "share": [f"{v:.1f}%" for v in rng.beta(2, 5, n) * 100],
                          "weight": [f"{v} kg" for v in rng.integers(40, 120, n)],
                          "sku": [f"SKU{v}" for v in rng.integers(1000, 9999, n)],
                          "qty": np.where(rng.random(n) < 0.03, "-", rng.integers(1, 9, n).astype(str))})
    fitted = fit.fit_sample(csv_bytes(frame), "units.csv")
    assert column(fitted, "price")["type"] == "formula" and column(fitted, "sku")["type"] == "pattern"
    assert column(fitted, "qty")["type"] == "int" and column(fitted, "qty")["null_rate"] == pytest.approx(
        (frame.qty == "-").mean(), abs=1e-3)  # a placeholder among numbers is an empty cell
    synth = made(fitted, 5000)
    assert synth["price"].str.fullmatch(r"\$\d+\.\d\d").all() and synth["weight"].str.fullmatch(r"\d+ kg").all()
    for name, strip in (("price", "$"), ("share", "%"), ("weight", " kg")):
        real = frame[name].str.replace(strip, "", regex=False).astype(float)
        mine = synth[name].str.replace(strip, "", regex=False).astype(float)
        assert 1 - ks(real, mine) >= 0.9, name
    assert all(c["shape"]["score"] >= 0.9 for c in fitted.report["columns"] if c["shape"])


def test_hundreds_of_columns_fit_with_helpers_within_the_column_limit(client):
    rng = np.random.default_rng(9)
    n = 600
    cols = {}
    for i in range(50):
        cols[f"n{i}"] = np.round(rng.gamma(2, 10, n), 1)
        cols[f"c{i}"] = rng.choice(["a", "b", "c"], n)
        cols[f"d{i}"] = (pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D")).strftime(
            "%Y-%m-%d")
    for i in range(30):  # codes of two shapes: each would like a helper (180 columns in all)
        cols[f"code{i}"] = [f"X{v}" if v % 2 else f"Y{v:03d}Z" for v in rng.integers(10, 999, n)]
    frame = pd.DataFrame(cols)
    for i in range(0, 50, 3):
        frame[f"n{i}"] += np.where(frame[f"c{i}"] == "a", 50, 0)  # a category moves a number
    resp = client.post("/fit", files={"sample": ("wide.csv", csv_bytes(frame), "text/csv")})
    assert resp.status_code == 200, resp.text[:300]
    schema = resp.json()["schema"]
    assert [c["name"] for c in schema["columns"] if not c.get("hidden")] == list(frame.columns)
    assert len(schema["columns"]) <= 200
    assert sum(1 for c in schema["columns"] if c.get("depends_on", "").startswith("c")) >= 15
    assert sum(1 for c in schema["columns"] if c.get("hidden")) == 200 - 180


# --- bad files: a 422 naming the problem, nothing cached ---

BAD_FILES = {
    "not a table": (b"<html><body><p>Hello</p></body></html>", "HTML"),
    "prose": (b"This is a letter. It has sentences, and commas, but no columns at all!\nRegards, me\n", "not a table"),
    "ragged": (b"a,b,c\n1,2,3\n4,5,6,7,8\n", "line 3 has 5 fields"),
    "json object": (b'{"a": [1, 2, 3]}\n[1, 2]\n', "JSON"),
    "empty": (b"", "empty"),
    "blank": (b"\n \n\n", "empty"),
    "empty cells": (b"value\n\n\n\n\n\n\n\n\n\n\n\n", "empty"),
    "header only": (b"a,b,c\n", "no rows"),
    "too few rows": (b"a,b\n1,2\n3,4\n", "only 2 rows"),
    "wide": (",".join(f"c{i}" for i in range(10_000)).encode() + b"\n" + b",".join([b"1"] * 10_000) + b"\n",
             "10,000 columns"),
    "binary": (bytes(range(256)) * 40, "binary"),
    "zip": (b"PK\x03\x04" + b"\x00" * 100, "ZIP"),
    "bad parquet": (b"PAR1" + b"\x01" * 100, "Parquet"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_a_422_naming_the_problem(case, client):
    data, words = BAD_FILES[case]
    resp = client.post("/fit", files={"sample": ("data.csv", data, "text/csv")})
    assert resp.status_code == 422, resp.text[:300]
    detail = resp.json()["detail"]
    assert words.lower() in json.dumps(detail).lower(), detail
    assert len(json.dumps(detail)) < 600
    assert client.get("/cache/stats").json()["entries"] == 0


def test_fit_endpoint_answers_and_caches(client):
    data = csv_bytes(weather(400))
    first = client.post("/fit", files={"sample": ("weather.csv", data, "text/csv")}, data={"name": "weather"})
    assert first.status_code == 200, first.text[:500]
    body = first.json()
    assert body["source"] == "sample" and body["schema"]["name"] == "weather"
    assert body["report"]["columns"][0]["name"] == "date"
    again = client.post("/fit", files={"sample": ("weather.csv", data, "text/csv")}, data={"name": "weather"})
    assert again.json()["key"] == body["key"] and again.json()["source"] == "cache"
    made_rows = client.post("/generate", json={"schema": body["schema"], "rows": 30, "seed": 2})
    assert made_rows.status_code == 200
    assert list(pd.read_csv(io.StringIO(made_rows.text)).columns) == ["date", "temp_c", "rain_mm", "station"]


def test_command_line_fit_and_generate_from_a_sample(tmp_path, monkeypatch, capsys):
    import main
    monkeypatch.setenv("SCHEMA_CACHE", str(tmp_path / "schemas.json"))
    sample = tmp_path / "weather.csv"
    sample.write_bytes(csv_bytes(weather(500)))
    assert main.cli(["fit", str(sample), "-o", str(tmp_path / "schema.json")]) == 0
    saved = json.loads((tmp_path / "schema.json").read_text())
    assert series_step(saved["schema"], "date") == "1d" and "report" in saved
    out = tmp_path / "synthetic.csv"
    assert main.cli(["generate", "--sample", str(sample), "--rows", "2000", "--seed", "1", "-o", str(out)]) == 0
    written = pd.read_csv(out, dtype=str)
    assert len(written) == 2000 and list(written.columns) == ["date", "temp_c", "rain_mm", "station"]
    assert written["date"].notna().all() and written["date"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    capsys.readouterr()
    assert main.cli(["fit", str(bad)]) == 2
    assert "empty" in capsys.readouterr().err


@pytest.mark.slow
def test_command_line_in_a_fresh_process(tmp_path):
    sample = tmp_path / "weather.csv"
    sample.write_bytes(csv_bytes(weather(300)))
    out = tmp_path / "synthetic.csv"
    done = subprocess.run([sys.executable, "main.py", "generate", "--sample", str(sample), "--rows", "500",
                           "-o", str(out)], cwd=HERE, env=service_env(tmp_path), capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert len(pd.read_csv(out)) == 500


def big_sample(n: int, seed: int = 4) -> pd.DataFrame:
    """Twenty columns of every kind: numbers, zero-inflated prices, categories, dates, codes, text."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {"id": np.arange(1, n + 1)}
    for i in range(5):
        cols[f"x{i}"] = np.round(rng.lognormal(2 + i / 3, 0.8, n), 2)
    cols["x0"] = np.where(rng.random(n) < 0.2, 0, cols["x0"])
    cols["x1"] = np.round(cols["x0"] * 2 + rng.normal(0, 3, n), 2)
    for i in range(3):
        cols[f"count{i}"] = rng.poisson(3 + i, n)
    for i in range(5):
        cols[f"cat{i}"] = rng.choice([f"v{j}" for j in range(6 + i)], n)
    cols["day"] = (pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2500, n), "D")).strftime("%m/%d/%Y")
    cols["at"] = (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 10**8, n), "s")).strftime(
        "%Y-%m-%d %H:%M:%S")
    cols["code"] = [f"AB{v:06d}" for v in rng.integers(0, 10**6, n)]
    cols["flag"] = rng.choice(["true", "false"], n)
    cols["note"] = np.where(rng.random(n) < 0.5, None, "a short note about this row")
    return pd.DataFrame(cols)


@pytest.mark.slow
def test_a_hundred_thousand_rows_fit_in_seconds():
    import time
    data = csv_bytes(big_sample(100_000))
    start = time.perf_counter()
    fitted = fit.fit_sample(data, "big.csv")
    assert time.perf_counter() - start < 20
    assert len([c for c in fitted.schema["columns"] if not c.get("hidden")]) == 20
    assert fitted.report["column_shapes"] >= 0.9


def test_category_pairs_say_how_strongly_they_go_together_in_both(client):
    rng = np.random.default_rng(3)
    kind = rng.choice(["a", "b", "c"], 600)
    size = np.where(kind == "a", "small", np.where(rng.random(600) < 0.8, "large", "small"))
    data = pd.DataFrame({"kind": kind, "size": size}).to_csv(index=False).encode()
    report = client.post("/fit", files={"sample": ("pairs.csv", data, "text/csv")}).json()["report"]
    pair = next(p for p in report["pairs"] if p["metric"] == "contingency")
    assert pair["real"] > 0.5 and abs(pair["real"] - pair["synthetic"]) < 0.15

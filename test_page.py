"""The page at `/`, in Debian's Chromium driven by Playwright against the real service, used the way a
person uses it: through labels, roles and the keyboard.

Set PAGE_SHOTS=dir to keep a screenshot of each state."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from testkit import HERE, stop_process

PAGE_DIR = HERE

PAGE_CHROMIUM = "/usr/bin/chromium"

PAGE_CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PAGE_SHOTS = os.environ.get("PAGE_SHOTS")  # a folder to keep screenshots of each state in, when set

PAGE_HOTEL = "Hotel reservations"

PAGE_CUSTOMERS = "Customers with name, email, age and city"

PAGE_GERMAN = "German customers with name, email, phone number, city and postcode"

PAGE_PHONE = {"width": 390, "height": 844}


def page_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_post(base: str, path: str, body: dict) -> tuple[int, bytes]:
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def page_shot(pg, name: str) -> None:
    if PAGE_SHOTS:
        os.makedirs(PAGE_SHOTS, exist_ok=True)
        pg.screenshot(path=os.path.join(PAGE_SHOTS, name + ".png"), full_page=True)


def page_start(tmp: Path, **extra_env):
    """Run main.py on a free port; yield its base address; stop it afterwards."""
    port = page_free_port()
    env = dict(os.environ, DESIGNER="offline", PORT=str(port), HOST="127.0.0.1",
               SCHEMA_CACHE=str(tmp / "schemas.json"), **extra_env)
    for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SERVICE_TOKEN", "MAX_ROWS"):
        if k not in extra_env:
            env.pop(k, None)
    log = open(tmp / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "main.py"], cwd=PAGE_DIR, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the service did not start:\n" + (tmp / "server.log").read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield base
    finally:
        stop_process(proc, log)


@pytest.fixture(scope="module")
def page_server(tmp_path_factory):
    yield from page_start(tmp_path_factory.mktemp("page_server"))


@pytest.fixture(scope="module")
def page_browser():
    assert os.path.exists(PAGE_CHROMIUM), "the page tests need Debian's chromium (apt-get install -y chromium)"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=PAGE_CHROMIUM, args=PAGE_CHROMIUM_ARGS)
        yield browser
        browser.close()


def page_open(browser, base, width=1280, height=900):
    """A fresh tab on the page; `pg.errors` collects uncaught errors, `pg.noise` console errors and
    warnings and failed requests."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    errors, noise = [], []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: noise.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("requestfailed", lambda r: noise.append(f"request failed: {r.url} {r.failure}"))
    pg.errors, pg.noise = errors, noise
    pg.goto(base + "/")
    expect(pg.locator("#health")).to_contain_text("designer")
    return ctx, pg, errors


@pytest.fixture
def page_ui(page_browser, page_server):
    ctx, pg, errors = page_open(page_browser, page_server)
    yield pg
    ctx.close()
    assert errors == [], errors


def page_button(pg, name: str):
    return pg.get_by_role("button", name=name, exact=True)


def page_status(pg):
    """The line under the schema's head that says whether the service accepts it."""
    return pg.locator("#schema-card").get_by_role("status").first


def page_design(pg, example=PAGE_HOTEL, description=None):
    if description is None:
        page_button(pg, example).click()
    else:
        pg.get_by_label("Description").fill(description)
    page_button(pg, "Design").click()
    expect(page_column(pg, 0)).to_be_visible()
    expect(page_status(pg)).to_contain_text("accepts")


def page_column(pg, i: int):
    return pg.get_by_role("list", name="Columns").get_by_role("listitem").nth(i)


def page_json(pg, open_it: bool):
    panel_open = pg.get_by_label("Schema as JSON").is_visible()
    if panel_open != open_it:
        pg.get_by_role("button", name=re.compile("^(Edit as JSON|Hide JSON)$")).click()


def page_schema(pg) -> dict:
    """The schema as the page holds it, read through its JSON view."""
    page_json(pg, True)
    page_button(pg, "Reload from table").click()
    schema = json.loads(pg.get_by_label("Schema as JSON").input_value())
    page_json(pg, False)
    return schema


def page_apply(pg, schema: dict, accepted: bool = True) -> None:
    page_json(pg, True)
    pg.get_by_label("Schema as JSON").fill(json.dumps(schema))
    page_button(pg, "Apply JSON").click()
    expect(pg.locator("#raw-msg")).to_contain_text("Applied")
    page_json(pg, False)
    if accepted:
        expect(page_status(pg)).to_contain_text("accepts")


def page_int_column(pg) -> int:
    """Index of the first visible int column of the designed schema."""
    cols = page_schema(pg)["columns"]
    for i, c in enumerate(cols):
        if c["type"] == "int" and not c.get("hidden"):
            return i
    pytest.fail("the designed schema has no int column: " + json.dumps(cols)[:500])


def page_column_cells(pg, name: str) -> list[str]:
    return pg.evaluate("""name => {
        const ths = [...document.querySelectorAll('#preview-wrap thead th')];
        const k = ths.findIndex(th => th.dataset.name === name);
        if (k < 0) return null;
        return [...document.querySelectorAll('#preview-wrap tbody tr')].map(tr => tr.children[k].textContent);
    }""", name)


def page_preview(pg):
    page_button(pg, "Preview").click()
    expect(pg.locator("#preview-wrap tbody tr")).to_have_count(100)


def page_body(request) -> dict:
    return json.loads(request.post_data or "{}")


def page_field_error(pg, field):
    """The message shown beside a field (the element its aria-describedby names first)."""
    ids = (field.get_attribute("aria-describedby") or "").split()
    assert ids, "the field names no message"
    return pg.locator("#" + ids[0])


ONE_FLOAT = {"name": "spend", "locale": "en_US", "columns": [
    {"name": "amount", "type": "float", "min": 50, "max": 300, "distribution": "normal", "mean": 175, "std": 40,
     "decimals": 2}]}

CHOICES = {"name": "plans", "locale": "en_US", "columns": [
    {"name": "plan", "type": "choice", "values": ["free", "pro", "team"], "weights": [1, 2]},
    {"name": "seats", "type": "int", "min": 1, "max": 50},
    {"name": "total", "type": "formula", "expr": "seats * 2"}]}

CHARTS = {"name": "sales", "locale": "en_US", "columns": [
    {"name": "amount", "type": "float", "min": 1, "max": 100000, "distribution": "lognormal", "mean": 300, "std": 900,
     "decimals": 2},
    {"name": "zip", "type": "pattern", "pattern": "0####"},
    {"name": "postcode", "type": "int", "min": 10000, "max": 99999},
    {"name": "customer_name", "type": "faker", "method": "name"},
    {"name": "status", "type": "choice", "values": ["open", "paid", "late"]}]}


def test_page_served_self_contained(page_server):
    with urllib.request.urlopen(page_server + "/", timeout=10) as r:
        assert r.status == 200
        assert r.headers["Content-Type"].startswith("text/html")
        html = r.read().decode()
    assert "<script" in html and "<style" in html
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=["']?(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html, re.I)
    # the only absolute address is the SVG namespace
    assert set(re.findall(r"https?://[^\s'\"<>)]+", html)) <= {"http://www.w3.org/2000/svg"}


def test_page_examples_fill_description(page_ui):
    pg = page_ui
    buttons = pg.get_by_role("group", name="Examples:").get_by_role("button")
    assert buttons.count() >= 6
    seen = set()
    for i in range(buttons.count()):
        buttons.nth(i).click()
        text = pg.get_by_label("Description").input_value()
        assert len(text) > 20
        seen.add(text)
    assert len(seen) == buttons.count()
    page_button(pg, PAGE_HOTEL).click()
    assert "hotel" in pg.get_by_label("Description").input_value().lower()
    page_shot(pg, "examples")


def test_page_edited_range_shows_in_preview(page_ui):
    pg = page_ui
    page_design(pg)
    expect(pg.locator("#source")).to_contain_text("offline")
    page_shot(pg, "designed")
    i = page_int_column(pg)
    card = page_column(pg, i)
    name = card.get_by_label("Name", exact=True).input_value()
    card.get_by_label("Minimum").fill("10")
    card.get_by_label("Maximum").fill("20")
    expect(page_status(pg)).to_contain_text("accepts")
    col = page_schema(pg)["columns"][i]
    assert (col["min"], col["max"]) == (10, 20)
    started = time.monotonic()
    page_preview(pg)
    assert time.monotonic() - started < 5
    cells = page_column_cells(pg, name)
    values = [int(v) for v in cells if v != ""]
    assert values, cells
    assert all(10 <= v <= 20 for v in values), sorted(set(values))
    # every column has its picture
    heads = pg.locator("#preview-wrap thead th[data-name]")
    assert heads.count() >= 3
    for k in range(heads.count()):
        assert heads.nth(k).get_by_role("img").count() == 1
    page_shot(pg, "preview")


def test_page_invalid_edit_marked_beside_column(page_ui):
    pg = page_ui
    page_design(pg)
    i = page_int_column(pg)
    card = page_column(pg, i)
    card.get_by_label("Minimum").fill("30")
    card.get_by_label("Maximum").fill("20")
    expect(card).to_have_class(re.compile(r"\bhas-error\b"))
    expect(card.get_by_label("Minimum")).to_have_attribute("aria-invalid", "true")
    expect(page_field_error(pg, card.get_by_label("Minimum"))).to_contain_text("above the maximum")
    assert pg.locator("li.col.has-error").count() == 1
    expect(page_status(pg)).to_contain_text(f"column {i + 1}")
    page_shot(pg, "invalid")
    card.get_by_label("Minimum").fill("10")
    expect(page_status(pg)).to_contain_text("accepts")
    assert pg.locator("li.col.has-error").count() == 0
    expect(page_field_error(pg, card.get_by_label("Minimum"))).to_be_empty()


def test_page_download_arrives_whole(page_ui, tmp_path):
    pg = page_ui
    page_design(pg)
    pg.get_by_label("Rows", exact=True).fill("100000")
    pg.get_by_label("Seed").fill("7")
    pg.get_by_label("Format").select_option("csv")
    with pg.expect_download(timeout=180_000) as info:
        page_button(pg, "Download").click()
    dl = info.value
    assert dl.suggested_filename.endswith(".csv")
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    with open(path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    assert len(records) == 100_001
    assert len({len(r) for r in records}) == 1
    expect(pg.locator("#dl-saved")).to_contain_text("100,000 rows")
    expect(pg.locator("#dl-saved")).to_contain_text("seed 7")
    page_shot(pg, "downloaded")


def test_page_cancel_stops_download(page_ui):
    pg = page_ui
    page_design(pg)
    pg.get_by_label("Rows", exact=True).fill("1000000")
    pg.get_by_label("Format").select_option("csv")
    downloads = []
    pg.on("download", lambda d: downloads.append(d))
    page_button(pg, "Download").click()
    expect(pg.locator("#dl-figures")).to_contain_text(re.compile(r"of 1,000,000 rows"), timeout=60_000)
    page_shot(pg, "downloading")
    page_button(pg, "Cancel download").click()
    expect(pg.locator("#status")).to_contain_text("cancelled")
    expect(pg.locator("#dl-panel")).to_be_hidden()
    pg.wait_for_timeout(1000)
    assert downloads == []
    assert pg.locator("#dl-saved").is_hidden()
    assert page_button(pg, "Download").get_attribute("aria-disabled") == "false"
    page_shot(pg, "cancelled")


def test_page_service_error_shown(page_ui):
    pg = page_ui
    page_design(pg)
    # an error that concerns no field of the page goes to the alert at the top, with its status
    pg.route("**/generate", lambda route: route.fulfill(
        status=503, content_type="application/json", headers={"Retry-After": "2"},
        body=json.dumps({"detail": "4 generations are running; try again shortly"})))
    page_button(pg, "Download").click()
    alert = pg.get_by_role("alert")
    expect(alert).to_contain_text("503")
    expect(alert).to_contain_text("4 generations are running")
    page_shot(pg, "error")
    pg.unroute("**/generate")
    page_button(pg, "Dismiss message").click()
    expect(alert).to_be_hidden()
    # a description the page cannot send is caught before the service, beside the field
    pg.get_by_label("Description").fill("")
    page_button(pg, "Design").click()
    expect(pg.get_by_label("Description")).to_have_attribute("aria-invalid", "true")
    expect(page_field_error(pg, pg.get_by_label("Description"))).to_contain_text("description")


def test_page_json_round_trip(page_ui):
    pg = page_ui
    page_design(pg)
    schema = page_schema(pg)
    schema["columns"][0]["name"] = "renamed_first"
    page_apply(pg, schema)
    expect(page_column(pg, 0).get_by_label("Name", exact=True)).to_have_value("renamed_first")
    # and edits in the table show in the JSON
    page_column(pg, 0).get_by_label("Name", exact=True).fill("first_again")
    assert page_schema(pg)["columns"][0]["name"] == "first_again"
    # reorder, delete, add
    n = pg.locator("li.col").count()
    second = page_column(pg, 1).get_by_label("Name", exact=True).input_value()
    page_column(pg, 1).get_by_role("button", name=re.compile("^Move .* up$")).click()
    expect(page_column(pg, 0).get_by_label("Name", exact=True)).to_have_value(second)
    page_column(pg, 0).get_by_role("button", name=re.compile("^Delete ")).click()
    page_button(pg, "+ Add column").click()
    expect(pg.locator("li.col")).to_have_count(n)
    names = [c["name"] for c in page_schema(pg)["columns"]]
    assert second not in names and names[-1].startswith("column_")
    page_json(pg, True)
    pg.get_by_label("Schema as JSON").fill("{not json")
    page_button(pg, "Apply JSON").click()
    expect(pg.locator("#raw-msg")).to_contain_text("Not valid JSON")
    expect(pg.get_by_label("Schema as JSON")).to_have_attribute("aria-invalid", "true")


def test_page_narrow_layout(page_browser, page_server):
    ctx, pg, errors = page_open(page_browser, page_server, width=360, height=780)
    try:
        page_design(pg)
        page_preview(pg)
        page_json(pg, True)
        widths = pg.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
        assert widths[0] <= 360 and widths[1] <= 360, widths
        page_shot(pg, "narrow")
        # every control has a label
        unlabeled = pg.evaluate("""[...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => !e.hidden && e.type !== 'hidden')
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML.slice(0, 80))""")
        assert unlabeled == []
    finally:
        ctx.close()
    assert errors == [], errors


def test_page_keyboard_only(page_ui):
    pg = page_ui
    pg.get_by_label("Description").focus()
    for _ in range(10):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.textContent === 'Hotel reservations'"):
            break
    else:
        pytest.fail("Tab never reached the first example")
    outline = pg.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    pg.keyboard.press("Enter")
    assert "hotel" in pg.get_by_label("Description").input_value().lower()
    pg.get_by_label("Description").focus()
    pg.keyboard.press("Control+Enter")
    expect(page_column(pg, 0)).to_be_visible()
    page_shot(pg, "keyboard")


def test_page_access_token_sent(page_ui):
    pg = page_ui
    pg.get_by_text("Access token (optional)").click()
    pg.get_by_label("Access token", exact=True).fill("t-123")
    assert pg.evaluate("sessionStorage.getItem('accessToken')") == "t-123"
    assert pg.evaluate("localStorage.length") == 0
    page_button(pg, PAGE_HOTEL).click()
    with pg.expect_request(re.compile(r"/schema$")) as req:
        page_button(pg, "Design").click()
    assert req.value.headers.get("authorization") == "Bearer t-123"


def test_page_asks_for_token_when_service_needs_one(page_browser, tmp_path):
    for base in page_start(tmp_path, SERVICE_TOKEN="s3cret-token"):
        ctx, pg, errors = page_open(page_browser, base)
        try:
            page_button(pg, PAGE_HOTEL).click()
            page_button(pg, "Design").click()
            expect(pg.get_by_role("alert")).to_contain_text("401")
            expect(pg.get_by_label("Access token", exact=True)).to_be_visible()
            page_shot(pg, "token-needed")
            pg.get_by_label("Access token", exact=True).fill("s3cret-token")
            page_button(pg, "Design").click()
            expect(page_column(pg, 0)).to_be_visible()
            expect(page_status(pg)).to_contain_text("accepts")
            assert "s3cret-token" not in pg.content()
        finally:
            ctx.close()
        assert errors == [], errors


# --- the schema's locale wins, unless the person picks another after designing ---

def test_page_locale_follows_the_schema(page_ui):
    pg = page_ui
    with pg.expect_request(re.compile(r"/faker-methods\?examples=true&locale=de_DE$")):   # examples in German
        page_design(pg, description=PAGE_GERMAN)
    locale = pg.get_by_label("Locale")
    expect(locale).to_have_value("de_DE")
    expect(pg.locator("#locale-hint")).to_contain_text("From the schema")
    with pg.expect_request(re.compile(r"/generate$")) as req:
        page_preview(pg)
    body = page_body(req.value)
    assert body["schema"]["locale"] == "de_DE"
    assert body.get("locale") in (None, "de_DE")
    expect(pg.locator("#preview-info")).to_contain_text("de_DE")
    # German places: postcodes of five digits, and no US state abbreviation after a city
    codes = page_column_cells(pg, "postcode")
    assert all(re.fullmatch(r"\d{5}", c) for c in codes), codes[:5]
    # the person's pick after designing wins and is written into the schema
    with pg.expect_request(re.compile(r"/faker-methods\?examples=true&locale=fr_FR$")):
        locale.select_option("fr_FR")
    expect(pg.locator("#locale-hint")).to_contain_text("Your choice")
    expect(pg.get_by_text(re.compile("^Out of date"))).to_be_visible()
    assert page_schema(pg)["locale"] == "fr_FR"
    with pg.expect_request(re.compile(r"/generate$")) as req:
        page_preview(pg)
    assert page_body(req.value)["schema"]["locale"] == "fr_FR"
    expect(pg.locator("#preview-info")).to_contain_text("fr_FR")
    page_shot(pg, "locale-picked")
    # a new design takes its schema's locale again
    pg.get_by_label("Description").fill(PAGE_CUSTOMERS)
    page_button(pg, "Design").click()
    expect(locale).to_have_value("en_US")


# --- the state follows what the person did ---

def test_page_state_follows_the_description(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    page_preview(pg)
    stale = pg.get_by_text(re.compile("^Out of date"))
    expect(stale).to_be_hidden()
    # an edit marks the preview out of date; a new preview is current again
    page_column(pg, 2).get_by_label("Maximum").fill("60")
    expect(stale).to_be_visible()
    page_preview(pg)
    expect(stale).to_be_hidden()
    # a changed description must be designed first, and the buttons say so
    page_button(pg, PAGE_HOTEL).click()
    expect(pg.get_by_text(re.compile("^Changed since the schema below was designed"))).to_be_visible()
    expect(page_button(pg, "Design and preview")).to_be_visible()
    expect(page_button(pg, "Design and download")).to_be_visible()
    pg.get_by_label("Rows", exact=True).fill("50")
    with pg.expect_download() as info:
        page_button(pg, "Design and download").click()
    assert info.value.suggested_filename.startswith("hotel"), info.value.suggested_filename
    # the new design cleared the old preview and the buttons are plain again
    expect(pg.locator("#preview-card")).to_be_hidden()
    expect(page_button(pg, "Preview")).to_be_visible()
    expect(pg.get_by_label("Dataset name")).to_have_value(re.compile("^hotel"))
    page_preview(pg)
    assert page_column_cells(pg, "room_type") is not None
    page_shot(pg, "redesigned")


# --- a range edit carries the mean and spread along ---

def test_page_range_edit_moves_the_mean(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    page_apply(pg, ONE_FLOAT)
    card = page_column(pg, 0)
    card.get_by_label("Minimum").fill("300")
    maximum = card.get_by_label("Maximum")
    maximum.select_text()
    maximum.press_sequentially("400", delay=30)   # passes through 4 and 40 on the way
    expect(card.get_by_label("Mean")).to_have_value("350")
    expect(card.get_by_label("Spread (std. dev.)")).to_have_value("16")
    expect(card).to_contain_text("Moved the mean to 350")
    expect(page_status(pg)).to_contain_text("accepts")
    col = page_schema(pg)["columns"][0]
    assert (col["min"], col["max"], col["mean"], col["std"]) == (300, 400, 350, 16)
    page_preview(pg)
    values = [float(v) for v in page_column_cells(pg, "amount")]
    assert all(300 <= v <= 400 for v in values)
    assert len(set(values)) > 50, sorted(set(values))[:10]
    # a mean typed outside the range is marked at the mean, not sent
    card.get_by_label("Mean").fill("175")
    expect(page_field_error(pg, card.get_by_label("Mean"))).to_contain_text("between the minimum and the maximum")
    page_shot(pg, "range-moved")


# --- errors beside the field they concern, cleared when fixed, never thrown ---

def test_page_errors_sit_beside_their_fields(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    rows = pg.get_by_label("Rows", exact=True)
    assert rows.get_attribute("max") == "1000000"
    schema_error = pg.locator("#schema-error")
    for bad, words in (("0", "At least 1"), ("-5", "At least 1"), ("1.5", "whole number"), ("999999999", "1,000,000")):
        rows.fill(bad)
        expect(rows).to_have_attribute("aria-invalid", "true")
        expect(page_field_error(pg, rows)).to_contain_text(words)
        expect(page_status(pg)).not_to_contain_text("rejects")
        expect(schema_error).to_be_empty()
        assert pg.locator("li.col.has-error").count() == 0
    generated = []
    pg.on("request", lambda r: generated.append(r.url) if r.url.endswith("/generate") else None)
    page_button(pg, "Download").click()
    expect(pg.locator("#status")).to_contain_text("Download stopped")
    expect(rows).to_be_focused()
    assert generated == []
    rows.fill("50")
    expect(rows).not_to_have_attribute("aria-invalid", "true")
    expect(page_field_error(pg, rows)).to_be_empty()
    expect(page_status(pg)).to_contain_text("accepts this schema for 50 rows")
    # weights: the message follows the value
    page_apply(pg, CHOICES, accepted=False)
    weights = page_column(pg, 0).get_by_label("Weights (comma-separated)")
    expect(page_field_error(pg, weights)).to_contain_text("3 values, 2 weights")
    weights.fill("1, 2, 3, 4")
    expect(page_field_error(pg, weights)).to_contain_text("3 values, 4 weights")
    weights.fill("1, 2, x")
    expect(page_field_error(pg, weights)).to_contain_text('not "x"')
    weights.fill("1, 2, 3")
    expect(page_field_error(pg, weights)).to_be_empty()
    expect(page_status(pg)).to_contain_text("accepts")
    # a rule only the service knows is placed at its field too, and goes when fixed
    formula = page_column(pg, 2).get_by_label("Formula")
    formula.fill("seats * nope")
    expect(formula).to_have_attribute("aria-invalid", "true")
    expect(page_field_error(pg, formula)).not_to_be_empty()
    formula.fill("seats * 3")
    expect(page_status(pg)).to_contain_text("accepts")
    expect(formula).not_to_have_attribute("aria-invalid", "true")
    # an unnamed column is named by its place
    page_column(pg, 1).get_by_label("Name", exact=True).fill("")
    expect(page_field_error(pg, page_column(pg, 1).get_by_label("Name", exact=True))).to_contain_text("Give the column a name")
    expect(page_status(pg)).to_contain_text("see column 2, Name")
    status = page_status(pg).inner_text()
    assert "()" not in status and "undefined" not in status
    page_column(pg, 1).get_by_label("Name", exact=True).fill("seats")
    expect(page_status(pg)).to_contain_text("accepts")
    # JSON that is not a schema is refused with a reason and nothing is thrown
    page_json(pg, True)
    pg.get_by_label("Schema as JSON").fill('{"columns": [null]}')
    page_button(pg, "Apply JSON").click()
    expect(pg.locator("#raw-msg")).to_contain_text("Entry 1 of \"columns\" is not a column")
    expect(pg.locator("#raw-msg")).to_contain_text("Nothing was applied")
    expect(pg.get_by_label("Schema as JSON")).to_have_attribute("aria-invalid", "true")
    expect(page_column(pg, 0).get_by_label("Name", exact=True)).to_have_value("plan")
    page_shot(pg, "errors-beside-fields")
    assert pg.errors == []


# --- the check uses the person's row count ---

def test_page_check_uses_the_row_count(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    schema = {"name": "codes", "locale": "en_US", "columns": [
        {"name": "code", "type": "int", "min": 1, "max": 73, "unique": True},
        {"name": "day", "type": "date", "start": "2024-01-01", "end": "2024-03-31", "unique": True}]}
    pg.get_by_label("Rows", exact=True).fill("50")
    page_apply(pg, schema)
    expect(page_status(pg)).to_contain_text("for 50 rows")
    # 73 values cannot be unique over 1,000 rows: said at once, at the checkbox
    pg.get_by_label("Rows", exact=True).fill("1000")
    unique = page_column(pg, 0).get_by_label("Unique values")
    expect(page_field_error(pg, unique)).to_contain_text("Only 73 different")
    expect(page_status(pg)).not_to_contain_text("accepts")
    # 91 days cannot be unique over 1,000 rows: the service says so when asked with 1,000
    with pg.expect_request(re.compile(r"/check$")) as req:
        unique.uncheck()
    body = page_body(req.value)
    assert body["rows"] == 1000
    day = page_column(pg, 1)
    expect(day).to_have_class(re.compile(r"\bhas-error\b"))
    expect(day).to_contain_text("1,000")
    expect(page_status(pg)).to_contain_text("see column 2 (day)")
    pg.get_by_label("Rows", exact=True).fill("91")
    expect(page_status(pg)).to_contain_text("accepts this schema for 91 rows")
    expect(day).not_to_have_class(re.compile(r"\bhas-error\b"))


# --- seeds stay text end to end, and the seed used is shown ---

def test_page_seed_stays_text(page_ui, page_server, tmp_path):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    big = "18446744073709551615"
    pg.get_by_label("Seed").fill(big)
    with pg.expect_request(re.compile(r"/generate$")) as req:
        page_preview(pg)
    body = page_body(req.value)
    assert body["seed"] == big
    status, data = page_post(page_server, "/generate", {"schema": body["schema"], "rows": 100, "seed": big})
    assert status == 200
    api_rows = list(csv.reader(io.StringIO(data.decode())))[1:]
    assert page_column_cells(pg, "email") == [r[1] for r in api_rows]
    expect(pg.locator("#preview-info")).to_contain_text("seed " + big)
    # a seed out of range is said at the field
    pg.get_by_label("Seed").fill("18446744073709551616")
    expect(page_field_error(pg, pg.get_by_label("Seed"))).to_contain_text("18,446,744,073,709,551,615")
    # a random download tells its seed, and that seed makes the same file again
    pg.get_by_label("Seed").fill("")
    pg.get_by_label("Rows", exact=True).fill("500")
    with pg.expect_response(re.compile(r"/generate$")) as resp, pg.expect_download() as first:
        page_button(pg, "Download").click()
    used = resp.value.headers["x-seed"]
    expect(pg.locator("#dl-saved")).to_contain_text("seed " + used + ", picked at random")
    pg.locator("#dl-saved").get_by_role("button", name="Use this seed").click()
    expect(pg.get_by_label("Seed")).to_have_value(used)
    with pg.expect_request(re.compile(r"/generate$")) as req, pg.expect_download() as second:
        page_button(pg, "Download").click()
    assert page_body(req.value)["seed"] == used
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    first.value.save_as(a)
    second.value.save_as(b)
    assert a.read_bytes() == b.read_bytes()
    page_shot(pg, "seed-shown")


# --- the service's messages in plain words, at their field ---

def page_refuse(answer: dict):
    """A route handler that answers 422 with this body."""
    def handler(route):
        route.fulfill(status=422, content_type="application/json", body=json.dumps(answer))
    return handler


def test_page_messages_in_plain_words(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    schema = page_schema(pg)
    schema["columns"][2]["colour"] = "red"
    page_apply(pg, schema, accepted=False)
    card = page_column(pg, 2)
    expect(card).to_have_class(re.compile(r"\bhas-error\b"))
    text = card.locator("[data-role=error]").inner_text()
    assert "not a setting this column has" in text, text
    for internal in ("Extra inputs", "schema.columns", "permitted"):
        assert internal not in text
    del schema["columns"][2]["colour"]
    page_apply(pg, schema)
    # answers in the old form, with internal paths and names, are said in words at their field
    old = [
        ({"detail": "schema.columns.2.min.int: Input should be a valid integer"},
         lambda: card.get_by_label("Minimum"), "Must be a whole number"),
        ({"detail": "column 'name': 'nome' is not one of the Faker methods a column may use "
                    "(the list is at GET /faker-methods)", "field": "schema.columns.0.method"},
         lambda: page_column(pg, 0).get_by_label("Faker method"), "pick one from the list"),
        ({"detail": "rows: 2000 is more than MAX_ROWS (1000000)"},
         lambda: pg.get_by_label("Rows", exact=True), "the most this service makes at once (1,000,000)"),
    ]
    for answer, field, words in old:
        pg.route("**/check", page_refuse(answer))
        card.get_by_label("Maximum").fill(str(80 + len(answer["detail"]) % 7))
        expect(field()).to_have_attribute("aria-invalid", "true")
        shown = page_field_error(pg, field())
        expect(shown).to_contain_text(words)
        text = shown.inner_text() + page_status(pg).inner_text()
        for internal in ("Input should", "schema.columns", "MAX_ROWS", "/faker-methods", ".int"):
            assert internal not in text, text
        pg.unroute("**/check")
    card.get_by_label("Maximum").fill("90")
    expect(page_status(pg)).to_contain_text("accepts")
    expect(pg.get_by_label("Rows", exact=True)).not_to_have_attribute("aria-invalid", "true")
    page_shot(pg, "plain-words")


# --- a long description is not cut without a word ---

def test_page_long_description_says_so(page_ui):
    pg = page_ui
    desc = pg.get_by_label("Description")
    long_text = ("Customers with name, email, age and city. " * 130)[:5000]
    desc.focus()
    pg.keyboard.insert_text(long_text)          # as a paste does
    assert len(desc.input_value()) == 5000
    expect(desc).to_have_attribute("aria-invalid", "true")
    expect(page_field_error(pg, desc)).to_contain_text("5,000 characters")
    expect(page_field_error(pg, desc)).to_contain_text("2,000")
    expect(pg.locator("#desc-count")).to_contain_text("5,000 of 2,000")
    asked = []
    pg.on("request", lambda r: asked.append(r.url) if r.url.endswith("/schema") else None)
    page_button(pg, "Design").click()
    expect(desc).to_be_focused()
    assert asked == []
    page_shot(pg, "long-description")
    desc.fill(long_text[:1990])
    expect(desc).not_to_have_attribute("aria-invalid", "true")
    expect(page_field_error(pg, desc)).to_be_empty()


# --- Faker methods to pick from, with examples; fields in words ---

def test_page_faker_methods_and_words(page_ui):
    pg = page_ui
    page_design(pg)
    method = page_column(pg, 0).get_by_label("Faker method")
    list_id = method.get_attribute("list")
    assert list_id
    options = pg.locator(f"datalist#{list_id} option")
    expect(options.first).to_be_attached()
    assert options.count() > 100
    names = options.evaluate_all("os => os.map(o => o.value)")
    assert "name" in names and "email" in names and "seed_instance" not in names
    example = page_column(pg, 0).locator(".ex")
    labels = options.evaluate_all("os => os.filter(o => o.label.startsWith('e.g. ')).length")
    if labels:  # the service gives an example per method
        assert labels > 100
        expect(example).to_contain_text("e.g. ")
        method.fill("city")
        expect(example).to_contain_text("e.g. ")
    else:
        expect(example).to_contain_text("Type to search")
    checks = []
    pg.on("request", lambda r: checks.append(r.url) if r.url.endswith("/check") else None)
    method.fill("nope_not_a_method")
    expect(page_field_error(pg, method)).to_contain_text("not a method this service allows")
    pg.wait_for_timeout(800)
    assert checks == []
    method.fill("name")
    expect(page_status(pg)).to_contain_text("accepts")
    # settings carry words, not keys (a date's folded settings opened)
    date_column = pg.locator("li.col").filter(has=pg.locator("option[value='date']:checked")).first
    date_column.locator("button.more").click()
    for label in ("Empty cells (share)", "Unique values", "Minimum", "Maximum", "Distribution", "After date column",
                  "At least … days after", "At most … days after", "Values (comma-separated)"):
        expect(pg.get_by_label(label).first).to_be_visible()
    assert pg.get_by_label("null_rate").count() == 0 and pg.get_by_label("min_days").count() == 0
    page_shot(pg, "words")


# --- charts that read like the data ---

def test_page_charts_read_like_the_data(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    page_apply(pg, CHARTS)
    pg.get_by_label("Seed").fill("3")
    page_preview(pg)

    def head(name):
        return pg.locator(f"#preview-wrap thead th[data-name='{name}']")

    expect(head("amount").locator(".cap")).to_contain_text("log scale")
    heights = head("amount").locator("rect[fill='#3566cc']").evaluate_all(
        "rs => rs.map(r => Number(r.getAttribute('height')))")
    assert sum(1 for x in heights if x > 0) >= 4, heights
    for code in ("zip", "postcode"):
        cap = head(code).locator(".cap").inner_text()
        assert "codes" in cap and "integers" not in cap, cap
    expect(head("customer_name").get_by_role("img")).to_have_attribute("aria-label", re.compile("distinct|different"))
    assert head("customer_name").locator("rect[fill='#c9d7f4']").count() == 0
    assert head("status").locator("rect[fill='#c9d7f4']").count() == 3
    page_shot(pg, "charts")


# --- the keyboard follows the page, and a phone shows it whole ---

def page_focus_box(pg) -> dict:
    return pg.evaluate("""() => {
        const e = document.activeElement, r = e.getBoundingClientRect();
        return {x: r.left + scrollX, y: r.top + scrollY + r.height / 2, h: r.height,
                name: (e.labels && e.labels[0] ? e.labels[0].textContent : '') || e.getAttribute('aria-label') || e.textContent,
                tag: e.tagName, id: e.id};
    }""")


def page_tab_until(pg, predicate: str, trail: list, limit=120) -> None:
    """Press Tab until `predicate` (JavaScript, over document.activeElement) holds; each stop is kept."""
    for _ in range(limit):
        pg.keyboard.press("Tab")
        trail.append(page_focus_box(pg))
        if pg.evaluate(f"(() => {{ const e = document.activeElement; return !!({predicate}); }})()"):
            return
    pytest.fail(f"Tab never reached {predicate}; last stops: {trail[-5:]}")


def page_assert_reading_order(trail: list) -> None:
    """Each stop is below the one before, or on the same line and to its right."""
    for a, b in zip(trail, trail[1:]):
        same_line = abs(a["y"] - b["y"]) <= max(a["h"], b["h"]) / 2
        assert (same_line and b["x"] > a["x"]) or (not same_line and b["y"] > a["y"]), (a, b)


def test_page_keyboard_only_on_a_phone(page_browser, page_server):
    ctx, pg, errors = page_open(page_browser, page_server, **PAGE_PHONE)
    try:
        trail = []
        page_tab_until(pg, "e.id === 'description'", trail)
        pg.keyboard.type(PAGE_CUSTOMERS)
        page_tab_until(pg, "e.textContent === 'Design'", trail)
        pg.keyboard.press("Enter")
        expect(page_status(pg)).to_contain_text("accepts")
        page_tab_until(pg, "e.labels && e.labels[0] && e.labels[0].textContent === 'Maximum'", trail)
        pg.keyboard.press("Control+A")
        pg.keyboard.type("60")
        page_tab_until(pg, "e.textContent === 'Preview'", trail)
        pg.keyboard.press("Enter")
        expect(pg.locator("#preview-wrap tbody tr")).to_have_count(100)
        values = [int(v) for v in page_column_cells(pg, "age")]
        assert max(values) <= 60
        page_tab_until(pg, "e.textContent === 'Download'", trail)
        assert trail[-2]["name"] == "Preview"
        with pg.expect_download() as info:
            pg.keyboard.press("Enter")
        assert info.value.suggested_filename == "customers.csv"
        page_assert_reading_order(trail)
        # nothing in the way: the page is no wider than the phone, the locale reads whole
        assert pg.evaluate("document.documentElement.scrollWidth") <= PAGE_PHONE["width"]
        room = pg.evaluate("""() => {
            const s = document.getElementById('locale'), st = getComputedStyle(s);
            const c = document.createElement('canvas').getContext('2d');
            c.font = st.font;
            return [s.clientWidth, c.measureText(s.options[s.selectedIndex].text).width];
        }""")
        assert room[1] + 40 <= room[0], room
        page_shot(pg, "phone-keyboard")
    finally:
        ctx.close()
    assert errors == [], errors


def test_page_tab_order_inside_a_column(page_ui):
    pg = page_ui
    page_design(pg)
    card = page_column(pg, 4)
    card.get_by_label("Name", exact=True).focus()
    order = [page_focus_box(pg)]
    for _ in range(80):   # a column with cases has a row of fields per case
        pg.keyboard.press("Tab")
        box = page_focus_box(pg)
        if not pg.evaluate("document.activeElement.closest('li.col') === document.querySelectorAll('li.col')[4]"):
            break
        order.append(box)
    names = [b["name"] for b in order]
    assert names[:3] == ["Name", "Type", "Minimum"], names
    assert names[-1].startswith("Delete "), names
    buttons = [n for n in names if n.startswith(("More", "Move", "Delete"))]
    assert names[-len(buttons):] == buttons, names   # settings first, then the buttons
    # Preview and Download are next to the schema, not 30 stops back at the top
    pg.get_by_label("Format").focus()
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.textContent") == "Preview"
    pg.keyboard.press("Shift+Tab")
    for _ in range(3):
        pg.keyboard.press("Shift+Tab")
    assert pg.evaluate("!!document.activeElement.closest('#schema-card')")


# --- quiet: one check after a burst of edits, nothing in the console ---

def test_page_checks_are_quiet(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    checks = []
    pg.on("request", lambda r: checks.append(page_body(r)) if r.url.endswith("/check") else None)
    maximum = page_column(pg, 2).get_by_label("Maximum")
    maximum.select_text()
    maximum.press_sequentially("75", delay=30)
    page_column(pg, 2).get_by_label("Minimum").select_text()
    page_column(pg, 2).get_by_label("Minimum").press_sequentially("21", delay=30)
    expect(page_status(pg)).to_contain_text("accepts")
    pg.wait_for_timeout(600)
    assert len(checks) == 1, checks
    assert checks[0]["schema"]["columns"][2]["min"] == 21 and checks[0]["rows"] == 1000
    # an edit the page knows to be wrong is not sent at all
    page_column(pg, 2).get_by_label("Minimum").fill("90")
    expect(page_column(pg, 2)).to_have_class(re.compile(r"\bhas-error\b"))
    pg.get_by_label("Rows", exact=True).fill("0")
    pg.wait_for_timeout(800)
    assert len(checks) == 1, checks
    page_column(pg, 2).get_by_label("Minimum").fill("20")
    pg.get_by_label("Rows", exact=True).fill("200")
    expect(page_status(pg)).to_contain_text("accepts this schema for 200 rows")
    page_preview(pg)
    assert pg.noise == [], pg.noise


# --- a dataset of several tables: a tab per table in the editor and in the preview ---

SHOP = {"name": "shop", "locale": "en_US", "tables": [
    {"name": "customers", "rows": 100, "columns": [
        {"name": "customer_id", "type": "id"},
        {"name": "email", "type": "faker", "method": "email", "unique": True}]},
    {"name": "products", "data": [
        {"product_id": 1, "title": "Merino Socks", "price": 18.5},
        {"product_id": 2, "title": "Trail Shoes", "price": 129.0}]},
    {"name": "orders", "per": {"table": "customers", "min": 0, "max": 3}, "columns": [
        {"name": "order_id", "type": "id", "prefix": "ORD-"},
        {"name": "customer_id", "type": "ref", "table": "customers"},
        {"name": "product_id", "type": "ref", "table": "products", "distribution": "zipf"},
        {"name": "amount", "type": "float", "min": 5, "max": 500}]}]}


def page_tab(pg, name: str, where: str = "Tables"):
    return pg.get_by_role("tablist", name=where, exact=True).get_by_role("tab", name=re.compile("^" + name + r"\b"))


def page_shop(pg, schema=None):
    page_design(pg, description=PAGE_CUSTOMERS)
    page_apply(pg, schema or SHOP)


def test_page_tables_in_tabs(page_ui):
    pg = page_ui
    page_shop(pg)
    tabs = pg.get_by_role("tablist", name="Tables", exact=True).get_by_role("tab")
    expect(tabs).to_have_count(3)
    expect(page_tab(pg, "customers")).to_have_attribute("aria-selected", "true")
    expect(page_tab(pg, "customers")).to_have_accessible_name("customers, main")
    expect(pg.get_by_role("list", name="Columns of customers").get_by_role("listitem")).to_have_count(2)
    # a table made per row of another: its size rule in words, and edits land in the schema
    page_tab(pg, "orders").click()
    panel = pg.get_by_role("tabpanel")
    expect(panel.get_by_label("Size")).to_have_value("per")
    expect(panel.get_by_label("Made for each row of")).to_have_value("customers")
    expect(panel.get_by_label("At most … each")).to_have_value("3")
    panel.get_by_label("At most … each").fill("5")
    expect(panel.get_by_text(re.compile("Each row of customers gets 0 to 5 rows here"))).to_be_visible()
    assert page_schema(pg)["tables"][2]["per"] == {"table": "customers", "min": 0, "max": 5}
    ref = pg.get_by_role("list", name="Columns of orders").get_by_role("listitem").nth(1)
    expect(ref.get_by_label("Type")).to_have_value("ref")
    expect(ref.get_by_label("Refers to table")).to_have_value("customers")
    expect(pg.get_by_role("list", name="Columns of orders").get_by_role("listitem").nth(2).get_by_label("Picks rows")).to_have_value("zipf")
    expect(page_status(pg)).to_contain_text("accepts")
    expect(page_status(pg)).to_contain_text("Rows per table: customers")
    # the arrow keys move between tabs; a table of records is shown read-only
    page_tab(pg, "orders").focus()
    pg.keyboard.press("ArrowLeft")
    expect(page_tab(pg, "products")).to_be_focused()
    expect(page_tab(pg, "products")).to_have_attribute("aria-selected", "true")
    expect(pg.get_by_text(re.compile("^2 fixed records"))).to_be_visible()
    expect(pg.get_by_role("region", name="Records of products")).to_contain_text("Merino Socks")
    expect(pg.get_by_role("list", name="Columns of products")).to_be_hidden()
    expect(page_button(pg, "+ Add column")).to_be_hidden()
    # hidden tables are marked as such
    panel.get_by_label(re.compile("^Hidden: made for other tables")).check()
    expect(page_tab(pg, "products")).to_have_accessible_name(re.compile("hidden"))
    assert page_schema(pg)["tables"][1]["hidden"] is True
    expect(pg.locator("#format-hint")).to_contain_text("Hidden tables are left out")
    # renaming a table renames what refers to it
    page_tab(pg, "customers").click()
    panel.get_by_label("Table name").fill("clients")
    expect(page_tab(pg, "clients")).to_be_visible()
    expect(page_button(pg, "Delete table clients")).to_be_visible()
    schema = page_schema(pg)
    assert schema["tables"][2]["per"]["table"] == "clients"
    assert schema["tables"][2]["columns"][1]["table"] == "clients"
    expect(page_status(pg)).to_contain_text("accepts")
    page_shot(pg, "tables")
    # a table added and a column given to it
    page_button(pg, "+ Add table").click()
    expect(pg.get_by_role("tablist", name="Tables", exact=True).get_by_role("tab")).to_have_count(4)
    expect(panel.get_by_label("Table name")).to_be_focused()
    panel.get_by_label("Table name").fill("stores")
    page_button(pg, "+ Add column").click()
    expect(pg.get_by_role("list", name="Columns of stores").get_by_role("listitem")).to_have_count(2)
    expect(page_status(pg)).to_contain_text("accepts")
    assert [t["name"] for t in page_schema(pg)["tables"]] == ["clients", "products", "orders", "stores"]
    page_button(pg, "Delete table stores").click()
    expect(pg.locator("#status")).to_contain_text("Deleted table stores.")
    expect(pg.get_by_role("tablist", name="Tables", exact=True).get_by_role("tab")).to_have_count(3)
    expect(page_tab(pg, "orders")).to_be_focused()


def test_page_tables_previewed_and_downloaded(page_ui, tmp_path):
    pg = page_ui
    page_shop(pg)
    with pg.expect_request(re.compile(r"/generate$")) as req:
        page_button(pg, "Preview").click()
    first = page_body(req.value)
    assert first["table"] == "customers" and first["format"] == "csv"
    expect(pg.locator("#preview-info")).to_contain_text("Table customers")
    ptabs = pg.get_by_role("tablist", name="Preview tables", exact=True).get_by_role("tab")
    expect(ptabs).to_have_count(3)
    customers = set(page_column_cells(pg, "customer_id"))
    with pg.expect_response(re.compile(r"/generate$")) as resp:
        page_tab(pg, "orders", "Preview tables").click()
    body = page_body(resp.value.request)
    assert body["table"] == "orders"
    # one random seed for every tab of one preview, so the tables join
    expect(pg.locator("#preview-info")).to_contain_text("Table orders")
    expect(pg.locator("#preview-wrap")).to_contain_text("ORD-")
    owners = set(page_column_cells(pg, "customer_id"))
    assert owners and owners <= customers, (owners - customers)
    asked = []
    pg.on("request", lambda r: asked.append(r.url) if r.url.endswith("/generate") else None)
    page_tab(pg, "customers", "Preview tables").click()
    expect(pg.locator("#preview-info")).to_contain_text("Table customers")
    assert asked == []   # shown again, not made again
    page_shot(pg, "tables-preview")

    def download(fmt, dialect=None, table=""):
        pg.get_by_label("Format").select_option(fmt)
        if dialect:
            pg.get_by_label("SQL dialect").select_option(dialect)
        pg.get_by_label("Tables to download").select_option(table)
        with pg.expect_request(re.compile(r"/generate$")) as rq, pg.expect_download() as dl:
            page_button(pg, "Download").click()
        path = tmp_path / dl.value.suggested_filename
        dl.value.save_as(path)
        return page_body(rq.value), path

    body, path = download("csv")
    assert path.name == "shop.zip" and "table" not in body
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["customers.csv", "orders.csv", "products.csv"]
    expect(pg.locator("#dl-saved")).to_contain_text("shop.zip")
    body, path = download("xlsx")
    assert path.name == "shop.xlsx" and path.read_bytes()[:2] == b"PK"
    expect(pg.get_by_label("SQL dialect")).to_be_hidden()
    pg.get_by_label("Format").select_option("sql")
    expect(pg.locator("#format-hint")).to_contain_text("shop.sql")
    body, path = download("sql", dialect="sqlite")
    assert body["format"] == "sql" and body["dialect"] == "sqlite"
    assert path.name == "shop.sql" and b"CREATE TABLE" in path.read_bytes()
    body, path = download("csv", table="orders")
    assert body["table"] == "orders" and path.name == "orders.csv"
    assert path.read_text().splitlines()[0].replace('"', "") == "order_id,customer_id,product_id,amount"
    page_shot(pg, "tables-downloaded")


def test_page_table_problem_marked_on_its_tab(page_ui):
    pg = page_ui
    page_shop(pg)
    page_tab(pg, "orders").click()
    pg.get_by_role("tabpanel").get_by_label("At least … each").fill("9")
    expect(pg.get_by_role("tabpanel").get_by_label("At least … each")).to_have_attribute("aria-invalid", "true")
    page_tab(pg, "customers").click()
    expect(page_tab(pg, "orders")).to_have_accessible_name(re.compile("needs fixing"))
    expect(page_status(pg)).to_contain_text("see table orders, At least … each")
    page_button(pg, "Preview").click()
    expect(pg.locator("#status")).to_contain_text("Preview stopped")
    expect(page_tab(pg, "orders")).to_have_attribute("aria-selected", "true")
    expect(pg.get_by_role("tabpanel").get_by_label("At least … each")).to_be_focused()
    pg.get_by_role("tabpanel").get_by_label("At least … each").fill("1")
    expect(page_status(pg)).to_contain_text("accepts")
    # a rule only the service knows, in a table not in view, marks that table's tab
    page_tab(pg, "customers").click()
    schema = page_schema(pg)
    schema["tables"][2]["columns"][3] = {"name": "amount", "type": "formula", "expr": "nope * 2"}
    page_apply(pg, schema, accepted=False)
    expect(page_tab(pg, "orders")).to_have_accessible_name(re.compile("needs fixing"))
    expect(page_status(pg)).to_contain_text("table orders")
    page_tab(pg, "orders").click()
    card = pg.get_by_role("list", name="Columns of orders").get_by_role("listitem").nth(3)
    expect(card).to_have_class(re.compile(r"\bhas-error\b"))
    page_shot(pg, "tables-problem")


# --- columns that depend on each other, series, hours and formats, in words ---

STAFF = {"name": "staff", "locale": "en_US", "columns": [
    {"name": "level", "type": "choice", "values": ["junior", "senior"], "weights": [3, 1]},
    {"name": "salary", "type": "int", "min": 30000, "max": 200000, "depends_on": "level",
     "cases": [{"when": "senior", "min": 90000, "mean": 140000}]},
    {"name": "remote", "type": "bool", "p": 0.3, "depends_on": "level", "cases": [{"when": "senior", "p": 0.8}]},
    {"name": "badge_at", "type": "datetime", "start": "2025-01-06", "end": "2025-01-12", "hours": "08:00-18:00",
     "weekdays": [1, 1, 1, 1, 1, 0, 0], "format": "%d/%m/%Y %H:%M"},
    {"name": "bonus", "type": "float", "min": 0, "max": 5000, "null_if": "level == 'junior'"}]}


def page_described_by(pg, field) -> str:
    return " ".join(pg.locator("#" + i).inner_text() for i in (field.get_attribute("aria-describedby") or "").split())


def test_page_cases_and_new_fields(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    page_apply(pg, STAFF)
    salary = page_column(pg, 1)
    cases = salary.get_by_role("group", name="Cases of column 2 (salary)")
    expect(cases).to_contain_text("where level has one of the values below")
    expect(cases.get_by_label("Case 1: when level is")).to_have_value("senior")
    expect(cases.get_by_label("Case 1: Minimum")).to_have_value("90000")
    expect(cases.get_by_label("Case 1: Mean")).to_have_value("140000")
    # a case added for the next value, edited, refused in words, removed
    cases.get_by_role("button", name="Add a case to column 2 (salary)").click()
    expect(cases.get_by_label("Case 2: when level is")).to_have_value("junior")
    expect(cases.get_by_label("Case 2: when level is")).to_be_focused()
    cases.get_by_label("Case 2: Maximum").fill("60000")
    expect(page_status(pg)).to_contain_text("accepts")
    assert page_schema(pg)["columns"][1]["cases"][1] == {"when": "junior", "max": 60000}
    cases.get_by_label("Case 2: Minimum").fill("70000")
    expect(page_field_error(pg, cases.get_by_label("Case 2: Minimum"))).to_contain_text("Above the maximum (60,000)")
    expect(page_status(pg)).to_contain_text("see column 2 (salary), case 2, Minimum")
    cases.get_by_label("Case 2: Minimum").fill("")
    expect(page_status(pg)).to_contain_text("accepts")
    page_shot(pg, "cases")
    cases.get_by_role("button", name="Remove case 2 of column 2 (salary)").click()
    assert page_schema(pg)["columns"][1]["cases"] == [{"when": "senior", "min": 90000, "mean": 140000}]
    expect(page_column(pg, 2).get_by_label("Case 1: Share true (0 to 1)")).to_have_value("0.8")
    # hours, weekdays and a date format, each said in words beside it
    badge = page_column(pg, 3)
    hours = badge.get_by_label("Hours of the day")
    expect(hours).to_have_value("08:00-18:00")
    assert "between 08:00 and 18:00" in page_described_by(pg, hours)
    weekdays = badge.get_by_label("Weekday weights (Mon first)")
    assert "none on Saturday, Sunday" in page_described_by(pg, weekdays)
    written = badge.get_by_label("Written as")
    assert "e.g. 07/03/2025 14:05" in page_described_by(pg, written)
    weekdays.fill("1, 1, 1")
    expect(page_field_error(pg, weekdays)).to_contain_text("Give 7 weights, Monday first (3 given)")
    weekdays.fill("1, 1, 1, 1, 1, 2, 0")
    assert "busiest: Saturday; none on Sunday" in page_described_by(pg, weekdays)
    badge.get_by_role("button", name="More settings for column 4 (badge_at)").click()
    step = badge.get_by_label("Series step")
    step.fill("2q")
    expect(page_field_error(pg, step)).to_contain_text("A step such as 15m, 1h, 1d, 1w or 1mo")
    step.fill("90m")
    assert "every 90 minutes" in page_described_by(pg, step)
    step.fill("")
    expect(page_column(pg, 4).get_by_label("Empty when (condition)")).to_have_value("level == 'junior'")
    expect(page_status(pg)).to_contain_text("accepts")
    # what the rows show
    pg.get_by_label("Seed").fill("5")
    page_preview(pg)
    levels = page_column_cells(pg, "level")
    salaries = [int(v) for v in page_column_cells(pg, "salary")]
    bonus = page_column_cells(pg, "bonus")
    assert all(s >= 90000 for lv, s in zip(levels, salaries) if lv == "senior")
    assert all(b == "" for lv, b in zip(levels, bonus) if lv == "junior")
    stamps = page_column_cells(pg, "badge_at")
    assert all(re.fullmatch(r"\d\d/01/2025 ((0[89]|1[0-7]):\d\d|18:00)", v) for v in stamps), stamps[:5]
    # a refusal naming a column and a case is placed at that case's field
    pg.route("**/check", page_refuse({"detail": "column 'salary': min 95000 is more than max 90000 (in the case when=senior)",
                                       "field": "schema.columns.1"}))
    cases.get_by_label("Case 1: Mean").fill("141000")
    expect(page_field_error(pg, cases.get_by_label("Case 1: Minimum"))).to_contain_text("Min 95,000 is more than max 90,000")
    pg.unroute("**/check")
    cases.get_by_label("Case 1: Mean").fill("140000")
    expect(page_status(pg)).to_contain_text("accepts")


# --- what the designer assumed, and a change asked for in words ---

def test_page_assumptions_and_asking_for_a_change(page_ui):
    pg = page_ui
    pg.get_by_label("Description").fill("An online shop with customers, products, orders and order items")
    with pg.expect_response(re.compile(r"/schema$")) as resp:
        page_button(pg, "Design").click()
    assumed = resp.value.json()["assumptions"]
    box = pg.get_by_role("list", name="What the designer assumed")
    if assumed:
        expect(box.get_by_role("listitem")).to_have_count(len(assumed))
        expect(box).to_contain_text(assumed[0][1:20])
    page_design(pg, description=PAGE_CUSTOMERS)
    ask = pg.get_by_label("Ask for a change")
    page_button(pg, "Ask").click()
    expect(page_field_error(pg, ask)).to_contain_text("Say what to change")
    # the real designer: the schema and the instruction go together, its answer is shown
    ask.fill("make ages 30 to 50")
    with pg.expect_response(re.compile(r"/schema$")) as resp:
        page_button(pg, "Ask").click()
    sent = page_body(resp.value.request)
    assert sent["instruction"] == "make ages 30 to 50" and sent["schema"]["columns"][2]["name"] == "age"
    answer = resp.value.json()
    if answer["schema"] == sent["schema"]:
        expect(pg.locator("#ask-status")).to_contain_text("Nothing changed")
    else:
        expect(pg.locator("#ask-status")).to_contain_text("Changed as asked")
    for line in answer["assumptions"]:
        expect(box).to_contain_text(line[1:30])
    # a change: said in words, shown in the editor with the assumptions, and undone
    before = page_schema(pg)
    changed = json.loads(json.dumps(before))
    changed["columns"][2].update({"min": 21, "max": 65, "mean": 40.5, "std": 7.5})
    changed["columns"].append({"name": "loyalty_tier", "type": "choice", "values": ["bronze", "silver", "gold"]})
    pg.route("**/schema", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(
        {"key": "k1", "source": "offline", "schema": changed,
         "assumptions": ["ages were read as 30 to 50", "a loyalty tier of bronze, silver and gold was added"]})))
    ask.fill("make ages 30 to 50 and add a loyalty tier")
    page_button(pg, "Ask").click()
    status = pg.locator("#ask-status")
    expect(status).to_contain_text("Changed as asked: added loyalty_tier; changed age (minimum, maximum, mean, spread")
    expect(page_column(pg, 4).get_by_label("Name", exact=True)).to_have_value("loyalty_tier")
    expect(page_column(pg, 2).get_by_label("Minimum")).to_have_value("21")
    expect(box.get_by_role("listitem")).to_have_count(2)
    expect(box).to_contain_text("A loyalty tier of bronze, silver and gold was added.")
    expect(page_status(pg)).to_contain_text("accepts")
    page_shot(pg, "asked")
    pg.unroute("**/schema")
    status.get_by_role("button", name="Undo this change").click()
    expect(pg.locator("li.col")).to_have_count(4)
    assert page_schema(pg) == before
    # a refusal of the instruction is said at the box
    pg.route("**/schema", page_refuse({"detail": "instruction: String should have at most 2000 characters", "field": "instruction"}))
    ask.fill("x")
    page_button(pg, "Ask").click()
    expect(page_field_error(pg, ask)).to_contain_text("Must be at most 2,000 characters")
    expect(ask).to_have_attribute("aria-invalid", "true")
    pg.unroute("**/schema")


# --- learning from a sample ---

def page_sample_csv(path: Path, rows: int = 300) -> Path:
    rng = random.Random(7)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["penguin_id", "species", "island", "bill_length_mm", "body_mass_g", "sex", "observed_on"])
        for i in range(rows):
            sp = rng.choice(["Adelie", "Gentoo", "Chinstrap"])
            mass = rng.gauss({"Adelie": 3700, "Gentoo": 5000, "Chinstrap": 3730}[sp], 350)
            w.writerow([i + 1, sp, rng.choice(["Biscoe", "Dream", "Torgersen"]), round(mass / 100 + rng.gauss(0, 2), 1),
                        round(mass), rng.choice(["male", "female", ""]), f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"])
    return path


def page_choose_sample(pg, path: Path) -> None:
    with pg.expect_file_chooser() as chooser:
        page_button(pg, "Choose a sample file…").click()
    chooser.value.set_files(str(path))


def page_drop(pg, name: str, data: str) -> None:
    """A file dropped on the sample box, as a drag from the desktop does."""
    transfer = pg.evaluate_handle("""([name, data]) => {
        const dt = new DataTransfer();
        dt.items.add(new File([data], name, {type: 'text/csv'}));
        return dt;
    }""", [name, data])
    zone = pg.get_by_role("group", name="Or learn from a sample of your own data")
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    zone.dispatch_event("drop", {"dataTransfer": transfer})


def test_page_learns_from_a_sample(page_ui, tmp_path):
    pg = page_ui
    sample = page_sample_csv(tmp_path / "penguins.csv")
    with pg.expect_response(re.compile(r"/fit$"), timeout=120_000) as resp:
        page_choose_sample(pg, sample)
    assert resp.value.status == 200, resp.value.text()
    report = resp.value.json()["report"]
    expect(pg.get_by_role("heading", name="How close new rows come to the sample")).to_be_visible(timeout=60_000)
    expect(page_column(pg, 0)).to_be_visible()
    names = [c["name"] for c in page_schema(pg)["columns"]]
    assert names == ["penguin_id", "species", "island", "bill_length_mm", "body_mass_g", "sex", "observed_on"]
    expect(pg.locator("#source")).to_contain_text("sample")
    expect(pg.locator("#sample-status")).to_contain_text("Learned from penguins.csv")
    expect(page_status(pg)).to_contain_text("accepts")
    # per column: sample against new rows in a picture, with its shape score
    cols = pg.get_by_role("list", name="Columns compared").get_by_role("listitem")
    expect(cols).to_have_count(len(report["columns"]))
    species = cols.filter(has=pg.get_by_role("heading", name="species"))
    expect(species.get_by_role("img")).to_have_attribute("aria-label", re.compile("Adelie \\d+% and \\d+%"))
    expect(species).to_contain_text(re.compile(r"Shape \d+%"))
    mass = cols.filter(has=pg.get_by_role("heading", name="body_mass_g"))
    expect(mass.get_by_role("img")).to_have_attribute("aria-label", re.compile("^Values of body_mass_g from"))
    dates = cols.filter(has=pg.get_by_role("heading", name="observed_on"))
    expect(dates.get_by_role("img")).to_have_attribute("aria-label", re.compile("from 2023-"))
    expect(cols.filter(has=pg.get_by_role("heading", name="penguin_id"))).to_contain_text("Made new, not compared")
    fit_card = pg.locator("#fit-card")
    expect(fit_card).to_contain_text(re.compile(r"\d+% overall"))
    # pairs, the weakest first, and privacy in words
    pairs = fit_card.get_by_role("table").get_by_role("row")
    expect(pairs).to_have_count(min(8, len(report["pairs"])) + 1)
    expect(fit_card).to_contain_text("are identical to a row of the sample")
    if report["privacy"].get("dcr"):
        expect(fit_card).to_contain_text("Distance to the closest sample row")
    page_shot(pg, "fitted")
    # then edit, preview and download as usual
    stale = pg.get_by_text(re.compile("^You changed the schema since it was learned"))
    expect(stale).to_be_hidden()
    page_column(pg, 4).get_by_label("Maximum", exact=True).fill("6500")
    expect(stale).to_be_visible()
    page_preview(pg)
    assert page_column_cells(pg, "species") is not None
    pg.get_by_label("Rows", exact=True).fill("500")
    with pg.expect_download() as dl:
        page_button(pg, "Download").click()
    assert dl.value.suggested_filename == "penguins.csv"


def test_page_sample_dropped_and_bad_files(page_ui, tmp_path):
    pg = page_ui
    err = pg.locator("#sample-err")
    page_drop(pg, "notes.txt", "hello\n")
    expect(err).to_contain_text("Cannot learn from notes.txt")
    assert "sample:" not in err.inner_text()
    page_drop(pg, "empty.csv", "")
    expect(err).to_contain_text("empty.csv is empty")
    page_drop(pg, "penguins.csv", page_sample_csv(tmp_path / "p.csv", rows=60).read_text())
    expect(pg.get_by_role("heading", name="How close new rows come to the sample")).to_be_visible(timeout=60_000)
    expect(err).to_be_empty()
    # a new design leaves the report behind
    page_design(pg, description=PAGE_CUSTOMERS)
    expect(pg.locator("#fit-card")).to_be_hidden()


def test_page_sample_too_large(page_browser, tmp_path):
    for base in page_start(tmp_path, MAX_SAMPLE_BYTES="4096"):
        ctx, pg, errors = page_open(page_browser, base)
        try:
            sample = page_sample_csv(tmp_path / "big.csv", rows=400)
            page_choose_sample(pg, sample)
            expect(pg.locator("#sample-err")).to_contain_text("too large")
            expect(pg.locator("#sample-err")).to_contain_text("big.csv")
            page_shot(pg, "sample-too-large")
        finally:
            ctx.close()
        assert errors == [], errors


# --- an older service: no samples, no SQL; the page leaves them out ---

def test_page_without_samples_or_sql(page_browser, page_server):
    ctx = page_browser.new_context(viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()

    def older(route):
        doc = json.loads(urllib.request.urlopen(page_server + "/openapi.json", timeout=10).read())
        doc["paths"].pop("/fit", None)
        doc["components"]["schemas"]["GenerateRequest"]["properties"]["format"]["enum"] = ["csv", "jsonl", "json"]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(doc))

    try:
        pg.route("**/openapi.json", older)
        pg.goto(page_server + "/")
        expect(pg.locator("#health")).to_contain_text("designer")
        expect(page_button(pg, "Choose a sample file…")).to_be_hidden()
        options = pg.get_by_label("Format").locator("option").all_inner_texts()
        assert options == ["CSV", "JSON Lines", "JSON array"]
    finally:
        ctx.close()


# --- a phone shows tables, cases and the report whole ---

def test_page_new_parts_on_a_phone(page_browser, page_server, tmp_path):
    ctx, pg, errors = page_open(page_browser, page_server, **PAGE_PHONE)
    try:
        page_choose_sample(pg, page_sample_csv(tmp_path / "penguins.csv"))
        expect(pg.get_by_role("heading", name="How close new rows come to the sample")).to_be_visible(timeout=60_000)
        assert pg.evaluate("document.documentElement.scrollWidth") <= PAGE_PHONE["width"]
        page_shot(pg, "phone-fitted")
        page_apply(pg, STAFF)
        expect(page_column(pg, 1).get_by_label("Case 1: Minimum")).to_be_visible()
        assert pg.evaluate("document.documentElement.scrollWidth") <= PAGE_PHONE["width"]
        page_apply(pg, SHOP)
        page_tab(pg, "orders").click()
        page_button(pg, "Preview").click()
        expect(pg.locator("#preview-wrap tbody tr").first).to_be_visible()
        assert pg.evaluate("document.documentElement.scrollWidth") <= PAGE_PHONE["width"]
        unlabeled = pg.evaluate("""[...document.querySelectorAll('input, select, textarea, button')]
            .filter(e => !e.hidden && e.type !== 'hidden' && e.offsetParent !== null)
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML.slice(0, 80))""")
        assert unlabeled == []
        page_shot(pg, "phone-tables")
    finally:
        ctx.close()
    assert errors == [], errors

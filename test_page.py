"""The page at `/`, in Debian's Chromium driven by Playwright against the real service, used the way a
person uses it: through labels, roles and the keyboard.

Set PAGE_SHOTS=dir to keep a screenshot of each state."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
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
    # settings carry words, not keys
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
    for _ in range(30):
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


# --- a dataset of several tables is kept whole: shown as JSON, previewed by its main table ---

SHOP = {"name": "shop", "locale": "en_US", "tables": [
    {"name": "customers", "rows": 100, "columns": [
        {"name": "customer_id", "type": "id"},
        {"name": "email", "type": "faker", "method": "email", "unique": True}]},
    {"name": "orders", "per": {"table": "customers", "min": 0, "max": 3}, "columns": [
        {"name": "order_id", "type": "id", "prefix": "ORD-"},
        {"name": "customer_id", "type": "ref", "table": "customers"},
        {"name": "amount", "type": "float", "min": 5, "max": 500}]}]}


def test_page_dataset_of_tables(page_ui):
    pg = page_ui
    page_design(pg, description=PAGE_CUSTOMERS)
    page_json(pg, True)
    pg.get_by_label("Schema as JSON").fill(json.dumps(SHOP))
    page_button(pg, "Apply JSON").click()
    expect(pg.get_by_text(re.compile("^This dataset has 2 tables"))).to_be_visible()
    expect(pg.get_by_label("Schema as JSON")).to_be_visible()
    expect(pg.locator("li.col")).to_have_count(0)
    expect(page_status(pg)).to_contain_text("accepts")
    page_button(pg, "Preview").click()
    expect(pg.locator("#preview-wrap thead th[data-name='email']")).to_be_visible()
    with pg.expect_download() as info:
        page_button(pg, "Download").click()
    assert info.value.suggested_filename == "shop.zip"
    assert json.loads(pg.get_by_label("Schema as JSON").input_value())["tables"][1]["name"] == "orders"

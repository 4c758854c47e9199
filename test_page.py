"""The page at `/`, in Debian's Chromium driven by Playwright against the real service.

Set PAGE_SHOTS=dir to keep a screenshot of each state."""

from __future__ import annotations

import csv
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

PAGE_HOTEL = "button[data-example='Hotel reservations']"


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
    for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SERVICE_TOKEN"):
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
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    pg = ctx.new_page()
    pg.set_default_timeout(20_000)
    errors = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(base + "/")
    expect(pg.locator("#health")).to_contain_text("designer")
    return ctx, pg, errors


@pytest.fixture
def page_ui(page_browser, page_server):
    ctx, pg, errors = page_open(page_browser, page_server)
    yield pg
    ctx.close()
    assert errors == [], errors


def page_design(pg, example=PAGE_HOTEL):
    pg.click(example)
    pg.click("#btn-design")
    expect(pg.locator("li.col").first).to_be_visible()
    expect(pg.locator("#schema-status")).to_contain_text("accepts")


def page_schema(pg) -> dict:
    """The schema as the page holds it, read through its JSON view."""
    if pg.locator("#json-panel").is_hidden():
        pg.click("#btn-json")
    pg.click("#btn-reset-json")
    schema = json.loads(pg.locator("#raw").input_value())
    pg.click("#btn-json")
    return schema


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
    buttons = pg.locator("button[data-example]")
    assert buttons.count() >= 6
    seen = set()
    for i in range(buttons.count()):
        buttons.nth(i).click()
        text = pg.locator("#description").input_value()
        assert len(text) > 20
        seen.add(text)
    assert len(seen) == buttons.count()
    pg.click(PAGE_HOTEL)
    assert "hotel" in pg.locator("#description").input_value().lower()
    page_shot(pg, "examples")


def test_page_edited_range_shows_in_preview(page_ui):
    pg = page_ui
    page_design(pg)
    expect(pg.locator("#source")).to_contain_text("offline")
    page_shot(pg, "designed")
    i = page_int_column(pg)
    card = pg.locator(f"li.col[data-index='{i}']")
    name = card.get_attribute("data-name")
    card.locator("[data-field=min]").fill("10")
    card.locator("[data-field=max]").fill("20")
    expect(pg.locator("#schema-status")).to_contain_text("accepts")
    col = page_schema(pg)["columns"][i]
    assert (col["min"], col["max"]) == (10, 20)
    started = time.monotonic()
    pg.click("#btn-preview")
    expect(pg.locator("#preview-wrap tbody tr")).to_have_count(100)
    assert time.monotonic() - started < 5
    cells = page_column_cells(pg, name)
    values = [int(v) for v in cells if v != ""]
    assert values, cells
    assert all(10 <= v <= 20 for v in values), sorted(set(values))
    # every column has its picture
    heads = pg.locator("#preview-wrap thead th[data-name]")
    assert heads.count() >= 3
    for k in range(heads.count()):
        assert heads.nth(k).locator("svg[role=img]").count() == 1
    page_shot(pg, "preview")


def test_page_invalid_edit_marked_beside_column(page_ui, page_server):
    pg = page_ui
    page_design(pg)
    i = page_int_column(pg)
    card = pg.locator(f"li.col[data-index='{i}']")
    card.locator("[data-field=min]").fill("30")
    card.locator("[data-field=max]").fill("20")
    expect(card).to_have_class(re.compile(r"\bhas-error\b"))
    shown = card.locator("[data-role=error]").inner_text()
    # the message is the service's own
    status, body = page_post(page_server, "/generate", {"schema": page_schema(pg), "rows": 1})
    assert status == 422
    detail = json.loads(body)["detail"]
    if isinstance(detail, str):
        assert detail in shown
    assert pg.locator("li.col.has-error").count() == 1
    expect(pg.locator("#schema-status")).to_contain_text("rejects")
    page_shot(pg, "invalid")
    card.locator("[data-field=min]").fill("10")
    expect(pg.locator("#schema-status")).to_contain_text("accepts")
    assert pg.locator("li.col.has-error").count() == 0


def test_page_download_arrives_whole(page_ui, tmp_path):
    pg = page_ui
    page_design(pg)
    pg.fill("#rows", "100000")
    pg.fill("#seed", "7")
    pg.select_option("#format", "csv")
    with pg.expect_download(timeout=180_000) as info:
        pg.click("#btn-download")
    dl = info.value
    assert dl.suggested_filename.endswith(".csv")
    path = tmp_path / dl.suggested_filename
    dl.save_as(path)
    with open(path, newline="", encoding="utf-8") as f:
        records = list(csv.reader(f))
    assert len(records) == 100_001
    assert len({len(r) for r in records}) == 1
    expect(pg.locator("#dl-saved")).to_contain_text("100,000 rows")
    page_shot(pg, "downloaded")


def test_page_cancel_stops_download(page_ui):
    pg = page_ui
    page_design(pg)
    pg.fill("#rows", "1000000")
    pg.select_option("#format", "csv")
    downloads = []
    pg.on("download", lambda d: downloads.append(d))
    pg.click("#btn-download")
    expect(pg.locator("#dl-figures")).to_contain_text(re.compile(r"of 1,000,000 rows"), timeout=60_000)
    page_shot(pg, "downloading")
    pg.click("#btn-cancel")
    expect(pg.locator("#status")).to_contain_text("cancelled")
    expect(pg.locator("#dl-panel")).to_be_hidden()
    pg.wait_for_timeout(1000)
    assert downloads == []
    assert pg.locator("#dl-saved").is_hidden()
    assert pg.locator("#btn-download").get_attribute("aria-disabled") == "false"
    page_shot(pg, "cancelled")


def test_page_service_error_shown(page_ui, page_server):
    pg = page_ui
    page_design(pg)
    pg.fill("#rows", "0")
    pg.click("#btn-download")
    alert = pg.locator("#alert")
    expect(alert).to_be_visible()
    assert alert.get_attribute("role") == "alert"
    status, body = page_post(page_server, "/generate", {"schema": page_schema(pg), "rows": 0})
    assert status == 422
    detail = json.loads(body)["detail"]
    expect(alert).to_contain_text("422")
    if isinstance(detail, str):
        expect(alert).to_contain_text(detail)
    page_shot(pg, "error")
    # a description the page cannot send is caught before the service
    pg.fill("#description", "")
    pg.click("#btn-design")
    expect(alert).to_contain_text("description")


def test_page_json_round_trip(page_ui):
    pg = page_ui
    page_design(pg)
    schema = page_schema(pg)
    schema["columns"][0]["name"] = "renamed_first"
    pg.click("#btn-json")
    pg.fill("#raw", json.dumps(schema))
    pg.click("#btn-apply-json")
    expect(pg.locator("li.col").first.locator("[data-field=name]")).to_have_value("renamed_first")
    expect(pg.locator("#schema-status")).to_contain_text("accepts")
    # and edits in the table show in the JSON
    pg.locator("li.col").first.locator("[data-field=name]").fill("first_again")
    assert page_schema(pg)["columns"][0]["name"] == "first_again"
    # reorder, delete, add
    n = pg.locator("li.col").count()
    second = pg.locator("li.col").nth(1).get_attribute("data-name")
    pg.locator("li.col").nth(1).locator("[data-act=up]").click()
    assert pg.locator("li.col").first.get_attribute("data-name") == second
    pg.locator("li.col").first.locator("[data-act=delete]").click()
    pg.click("#btn-add")
    expect(pg.locator("li.col")).to_have_count(n)
    names = [c["name"] for c in page_schema(pg)["columns"]]
    assert second not in names and names[-1].startswith("column_")
    pg.click("#btn-json")
    pg.fill("#raw", "{not json")
    pg.click("#btn-apply-json")
    expect(pg.locator("#raw-msg")).to_contain_text("Not valid JSON")
    expect(pg.locator("#raw")).to_have_attribute("aria-invalid", "true")


def test_page_narrow_layout(page_browser, page_server):
    ctx, pg, errors = page_open(page_browser, page_server, width=360, height=780)
    try:
        page_design(pg)
        pg.click("#btn-preview")
        expect(pg.locator("#preview-wrap tbody tr")).to_have_count(100)
        pg.click("#btn-json")
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
    pg.locator("#description").focus()
    for _ in range(10):
        pg.keyboard.press("Tab")
        if pg.evaluate("document.activeElement.dataset.example === 'Hotel reservations'"):
            break
    else:
        pytest.fail("Tab never reached the first example")
    outline = pg.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    pg.keyboard.press("Enter")
    assert "hotel" in pg.locator("#description").input_value().lower()
    pg.locator("#description").focus()
    pg.keyboard.press("Control+Enter")
    expect(pg.locator("li.col").first).to_be_visible()
    page_shot(pg, "keyboard")


def test_page_access_token_sent(page_ui):
    pg = page_ui
    pg.locator("#token-box summary").click()
    pg.fill("#token", "t-123")
    assert pg.evaluate("sessionStorage.getItem('accessToken')") == "t-123"
    assert pg.evaluate("localStorage.length") == 0
    pg.click(PAGE_HOTEL)
    with pg.expect_request(re.compile(r"/schema$")) as req:
        pg.click("#btn-design")
    assert req.value.headers.get("authorization") == "Bearer t-123"


def test_page_asks_for_token_when_service_needs_one(page_browser, tmp_path):
    for base in page_start(tmp_path, SERVICE_TOKEN="s3cret-token"):
        ctx, pg, errors = page_open(page_browser, base)
        try:
            pg.click(PAGE_HOTEL)
            pg.click("#btn-design")
            expect(pg.locator("#alert")).to_contain_text("401")
            expect(pg.locator("#token")).to_be_visible()
            page_shot(pg, "token-needed")
            pg.fill("#token", "s3cret-token")
            pg.click("#btn-design")
            expect(pg.locator("li.col").first).to_be_visible()
            expect(pg.locator("#schema-status")).to_contain_text("accepts")
            assert "s3cret-token" not in pg.content()
        finally:
            ctx.close()
        assert errors == [], errors

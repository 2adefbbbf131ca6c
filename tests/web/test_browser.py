"""The web view in a real browser: Debian's Chromium driven by Playwright over the demo run's
outputs. The page loads without console errors, the map draws every region in its level's
colour, a region chosen by mouse or keyboard shows its levels under each authority, the
language switch changes the texts, axe-core finds no accessibility violation, and a crisis
cell sees its consultations after logging in. Screenshots go to $CROSSWARN_TEST_ARTEFACTS
(else a temporary folder)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from pipeline.settings import DEFAULT_REGIONS_DIR

CHROMIUM = Path(os.environ.get("CROSSWARN_CHROMIUM", "/usr/bin/chromium"))
#: MeteoAlarm's level colours as the browser reports a computed fill.
COLOURS = {
    "none": "rgb(217, 217, 217)",
    "yellow": "rgb(255, 222, 0)",
    "orange": "rgb(255, 153, 0)",
    "red": "rgb(227, 0, 27)",
}
AUTHORITIES = {"BE": "KMI-IRM", "DE": "DWD", "FR": "Météo-France", "LU": "MeteoLux", "NL": "KNMI"}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium")
        pytest.skip(f"no Chromium at {CHROMIUM} (set CROSSWARN_CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    folder = os.environ.get("CROSSWARN_TEST_ARTEFACTS")
    target = Path(folder) if folder else tmp_path_factory.mktemp("web-screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) whose console errors are collected."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    yield page
    context.close()


def _regions() -> dict[str, str]:
    scope = yaml.safe_load((DEFAULT_REGIONS_DIR / "scope.yaml").read_text())
    return {r["id"]: r["country"] for r in scope["regions"]}


def _fills(root) -> dict[str, str]:
    """Each map region's computed fill, in a page or a part of it."""
    return dict(
        root.locator("svg.map-svg path.region").evaluate_all(
            "paths => paths.map(p => [p.dataset.region, getComputedStyle(p).fill])"
        )
    )


def _no_violations(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_map_draws_every_region_in_its_levels_colour_without_errors(web, page, outputs, artefacts):
    page.goto(f"{web}/?lang=en")
    page.wait_for_selector("svg.map-svg path.region")
    fills = _fills(page)
    expected = {r: COLOURS[outputs["own"].get(r, "none")] for r in _regions()}
    assert fills == expected  # one path per region; warned ones in their own level's colour
    assert page.errors == []
    page.screenshot(path=artefacts / "web-view-en.png", full_page=True)


def _check_panel(page, region: str, outputs) -> None:
    page.wait_for_selector(f"#panel h3:has-text('({region},')")
    expected = outputs["by_authority"][region]
    rows = page.eval_on_selector_all(
        "#panel table.levels tbody tr",
        """rows => rows.map(r => [r.dataset.hazard, Object.fromEntries(
            Array.from(r.querySelectorAll('td'), td => [td.dataset.authority,
                td.querySelector('.level').className.replace('level level-', '')]))])""",
    )
    assert rows, "no levels shown"
    for hazard, levels in rows:
        assert levels == expected[hazard], hazard
    shown = {hazard for hazard, _ in rows}
    warned = {h for h, by in expected.items() if any(v != "none" for v in by.values())}
    assert shown == warned
    headers = page.inner_text("#panel table.levels thead")
    for country in rows[0][1]:
        assert f"{AUTHORITIES[country]} ({country})" in headers


def test_clicking_a_region_shows_its_levels_under_each_authority(web, page, outputs, artefacts):
    page.goto(f"{web}/?lang=en")
    page.click("svg.map-svg path[data-region='DE258']")
    _check_panel(page, "DE258", outputs)
    assert "region=DE258" in page.url
    assert page.get_attribute(".regions a[data-region='DE258']", "aria-current") == "true"
    assert page.locator("svg.map-svg path.selected").get_attribute("data-region") == "DE258"
    bars = page.locator("#panel svg.timeline rect.bar").count()
    assert bars == page.locator("#panel table.warnings tbody tr").count() > 0
    assert page.errors == []
    page.screenshot(path=artefacts / "web-view-region.png", full_page=True)


def test_keyboard_alone_reaches_and_selects_a_region(web, page, outputs):
    page.goto(f"{web}/?lang=en")
    page.wait_for_selector("svg.map-svg path.region")
    for _ in range(300):  # Tab through the page until a warned region of the map has focus
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.dataset.region || ''")
        if focused and page.evaluate("document.activeElement.tagName") == "path":
            break
    else:
        pytest.fail("no region of the map is reachable with Tab")
    assert focused in outputs["own"]
    page.keyboard.press("Enter")
    _check_panel(page, focused, outputs)
    other = next(r for r in sorted(outputs["own"]) if r != focused)
    page.focus(f".regions a[data-region='{other}']")  # the list: the map's alternative
    page.keyboard.press("Enter")
    _check_panel(page, other, outputs)
    assert page.errors == []


def test_language_switch_changes_the_texts_and_keeps_the_region(web, page, outputs):
    page.goto(f"{web}/?lang=en")
    page.click("svg.map-svg path[data-region='BE001']")
    _check_panel(page, "BE001", outputs)
    words = {
        "nl": ("Gewaarschuwde regio's", "geel"),
        "fr": ("Régions en alerte", "jaune"),
        "de": ("Gewarnte Regionen", "gelb"),
        "en": ("Warned regions", "yellow"),
    }
    for lang, (heading, yellow) in words.items():
        page.click(f"header a[hreflang='{lang}']")
        page.wait_for_selector(f"html[lang='{lang}']")
        assert page.inner_text("#regions-title") == heading
        assert yellow in page.inner_text("ul.legend")
        _check_panel(page, "BE001", outputs)  # the chosen region stays chosen
    assert page.errors == []


def _contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two computed rgb() colours."""

    def luminance(colour: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_pages_pass_automated_accessibility_checks(web, page):
    for path in ("/?lang=en&region=DE258", "/?lang=fr&country=BE", "/login?lang=de"):
        page.goto(web + path)
        page.wait_for_load_state("networkidle")
        _no_violations(page)
        assert page.get_attribute("html", "lang") == re.search(r"lang=(\w+)", path)[1]
    page.goto(f"{web}/?lang=nl&region=DE258")
    page.wait_for_selector("svg.map-svg path.region")
    chips = page.eval_on_selector_all(
        "span.level",
        "spans => spans.map(s => [getComputedStyle(s).color, getComputedStyle(s).backgroundColor])",
    )
    assert {background for _, background in chips} == set(COLOURS.values())
    assert min(_contrast(*pair) for pair in chips) >= 4.5  # WCAG AA for text
    for path in page.locator("svg.map-svg path[tabindex='0']").all():
        assert path.get_attribute("role") == "button" and path.get_attribute("aria-label")


def test_overview_bulletins_pass_automated_accessibility_checks(web, page):
    """The public overview bulletins the view links to (level colours in tables: red needs white
    text)."""
    page.goto(f"{web}/?lang=fr&country=BE")
    links = page.locator("a[href^='/bulletins/'][href$='.html']").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert links
    for link in links[:3]:
        assert page.goto(web + link).status == 200
        _no_violations(page)


def test_a_crisis_cell_logs_in_and_sees_its_consultations(web, page, cells, outputs, artefacts):
    trigger = cells["trigger"]
    response = page.goto(f"{web}/consultations?lang=en")
    assert response.status == 401
    page.click("main a[href^='/login']")
    page.fill("#token", cells["tokens"][cells["own"]])
    page.click("form.login button")
    page.wait_for_url(re.compile(r"/consultations\?lang=en$"))
    page.errors.clear()  # the 401 above is logged as an error, as it should be
    article = page.locator(f"article[id='t-{trigger['id']}']")
    article.locator("svg.map-svg path.region").first.wait_for()
    fills = _fills(article)
    assert {r: f for r, f in fills.items() if r in trigger["regions"]} == {
        r: COLOURS[level] for r, level in trigger["regions"].items()
    }
    assert set(fills) - set(trigger["regions"]) and all(
        fill == COLOURS["none"] for r, fill in fills.items() if r not in trigger["regions"]
    )
    addresses = article.locator("table.convene a").evaluate_all("links => links.map(a => a.href)")
    assert sorted(addresses) == sorted(c["address"] for c in trigger["convene"])
    _no_violations(page)
    page.screenshot(path=artefacts / "web-view-consultations.png", full_page=True)
    bulletin = article.locator("a[hreflang='en']").get_attribute("href")
    shown = page.goto(web + bulletin)
    assert shown.status == 200 and page.get_attribute("html", "lang") == "en"
    assert page.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    _no_violations(page)
    assert page.errors == []


def test_another_cells_browser_is_refused_the_consultation(web, page, cells):
    trigger = cells["trigger"]
    page.goto(f"{web}/login?lang=en")
    page.fill("#token", cells["tokens"][cells["other"]])
    page.click("form.login button")
    page.wait_for_url(re.compile(r"/consultations"))
    assert page.locator(f"article[id='t-{trigger['id']}']").count() == 0
    response = page.goto(f"{web}/consultations/cap/{cells['cap']}.xml")
    assert response.status == 403

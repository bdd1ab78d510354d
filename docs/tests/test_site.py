# ruff: noqa: D103 - test functions, as in tests/ (pyproject ignores D there)
"""The built documentation site, as a reader meets it: in a real browser.

Run after building the site (``docs/build.sh`` does both)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
    SKLEARN_CONVLSTM_DOCS_HTML=docs/_build/html python -m pytest docs/tests

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y
chromium chromium-driver``) and selenium (the ``docs`` extra). The site is
served over HTTP from a local server, as a reader's browser would load it, so
the search page's JavaScript runs as it does online.

Without ``SKLEARN_CONVLSTM_DOCS_HTML`` every test here is skipped.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest

ENV = "SKLEARN_CONVLSTM_DOCS_HTML"
SITE = Path(os.environ[ENV]).resolve() if os.environ.get(ENV) else None

pytestmark = pytest.mark.skipif(
    SITE is None,
    reason=f"set {ENV} to a built site (docs/_build/html) to test it "
    "(docs/build.sh does)",
)

API_PAGE = "api/generated/sklearn_convlstm.ConvLSTMClassifier.html"


# --------------------------------------------------------------------------
# Links, read from the HTML files themselves
# --------------------------------------------------------------------------
class _LinksAndIds(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            if (name == "href" and tag in ("a", "link", "area")) or (
                name == "src" and tag in ("img", "script", "iframe", "source")
            ):
                self.links.append((name, value))


@functools.cache
def _parse(path: Path) -> _LinksAndIds:
    parser = _LinksAndIds()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _html_files() -> list[Path]:
    # _static/ holds the theme's assets, among them a Jinja template with an
    # .html name (webpack-macros.html) that no page loads.
    return sorted(
        p for p in SITE.rglob("*.html") if "_static" not in p.relative_to(SITE).parts
    )


def _is_external(link: str) -> bool:
    parts = urlsplit(link)
    return bool(parts.scheme or parts.netloc) or link.startswith(
        ("mailto:", "javascript:", "data:")
    )


def test_site_was_built():
    assert (SITE / "index.html").is_file(), f"no index.html in {SITE}"
    assert (SITE / API_PAGE).is_file(), f"no API page {API_PAGE}"
    assert list((SITE / "auto_examples").glob("plot_*.html")), "no gallery pages"
    assert (SITE / "evidence.html").is_file()


def test_every_internal_link_resolves():
    """Check every relative href and src of every page, and every anchor.

    Each names a file of the site that exists, and each #anchor an id of the
    page it points to.
    """
    broken: list[str] = []
    checked = 0
    for page in _html_files():
        for attribute, link in _parse(page).links:
            if _is_external(link) or link in ("", "#"):
                continue
            target, fragment = urldefrag(link)
            target = unquote(urlsplit(target).path)
            path = (page.parent / target).resolve() if target else page
            if path.is_dir():
                path = path / "index.html"
            checked += 1
            where = f"{page.relative_to(SITE)}: {attribute}={link!r}"
            if not path.exists():
                shown = path.relative_to(SITE) if path.is_relative_to(SITE) else path
                broken.append(f"{where} (no file {shown})")
                continue
            if not path.is_relative_to(SITE):
                broken.append(f"{where} (points outside the site)")
                continue
            if (
                fragment
                and path.suffix == ".html"
                and unquote(fragment) not in _parse(path).ids
            ):
                broken.append(f"{where} (no anchor #{fragment})")
    assert checked > 500, f"only {checked} internal links found: is the site complete?"
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(
        broken[:50]
    )


# --------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------
class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server():
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
    if chromium is None or not Path(driver_path).exists():
        pytest.fail(
            "Chromium and its driver are needed: "
            "apt-get install -y chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=driver_path)
    )
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _wait(browser, condition, timeout=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(condition)


def _open(browser, url):
    browser.get_log("browser")  # forget earlier pages' messages
    browser.get(url)
    _wait(
        browser, lambda b: b.execute_script("return document.readyState") == "complete"
    )


# pydata-sphinx-theme reports a reader's first visit (no colour mode saved in
# localStorage yet) as a console error before falling back to "auto"; it is
# the theme's notice, not a fault of the page.
_KNOWN_CONSOLE_NOTICES = ("Got invalid theme mode: . Resetting to auto.",)


def _console_errors(browser) -> list[str]:
    return [
        entry["message"]
        for entry in browser.get_log("browser")
        if entry["level"] == "SEVERE"
        and "favicon" not in entry["message"]
        and not any(notice in entry["message"] for notice in _KNOWN_CONSOLE_NOTICES)
    ]


def _broken_images(browser) -> list[str]:
    return browser.execute_script(
        "return Array.from(document.images)"
        ".filter(img => img.complete && img.naturalWidth === 0).map(img => img.src);"
    )


def test_index_page(browser, server):
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/index.html")
    assert "sklearn-convlstm" in browser.title
    heading = browser.find_element(By.TAG_NAME, "h1").text
    assert "sklearn-convlstm" in heading
    hrefs = [
        a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")
    ]
    for page in (
        "user_guide/index.html",
        "auto_examples/index.html",
        "api/index.html",
        "evidence.html",
        "changelog.html",
    ):
        assert any(h.split("#")[0].endswith(page) for h in hrefs), (
            f"index does not link {page}"
        )
    assert not _broken_images(browser)
    assert not _console_errors(browser)


def test_navigation_from_index_to_the_classifier_page(browser, server):
    """Click through as a reader: index -> API reference -> ConvLSTMClassifier."""
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/index.html")
    browser.find_element(By.PARTIAL_LINK_TEXT, "API reference").click()
    _wait(browser, lambda b: b.current_url.split("#")[0].endswith("api/index.html"))
    browser.find_element(By.LINK_TEXT, "ConvLSTMClassifier").click()
    _wait(browser, lambda b: b.current_url.split("#")[0].endswith(API_PAGE))


def test_api_page(browser, server):
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/{API_PAGE}")
    assert "ConvLSTMClassifier" in browser.find_element(By.TAG_NAME, "h1").text
    body = browser.find_element(By.TAG_NAME, "article").text
    for section in ("Parameters", "Attributes", "Methods"):
        assert section in body, f"no {section!r} section on the ConvLSTMClassifier page"
    ids = {
        el.get_attribute("id")
        for el in browser.find_elements(By.CSS_SELECTOR, "dt[id]")
    }
    for method in ("fit", "predict", "predict_proba", "score"):
        assert f"sklearn_convlstm.ConvLSTMClassifier.{method}" in ids, (
            f"{method} not documented"
        )
    assert not _console_errors(browser)


def test_gallery_pages(browser, server):
    """Check the gallery: a thumbnail per example, code, output and figures.

    The gallery index shows a thumbnail per example; an example page shows
    its code and its printed output or figures, all loaded.
    """
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/auto_examples/index.html")
    thumbnails = browser.find_elements(By.CSS_SELECTOR, ".sphx-glr-thumbcontainer")
    pages = sorted(p.name for p in (SITE / "auto_examples").glob("plot_*.html"))
    assert len(thumbnails) >= len(pages) > 0
    assert not _broken_images(browser)

    page = "plot_quickstart.html" if "plot_quickstart.html" in pages else pages[0]
    _open(browser, f"{server}/auto_examples/{page}")
    assert browser.find_elements(
        By.CSS_SELECTOR, "div.highlight-Python, div.highlight-python3"
    )
    outputs = browser.find_elements(
        By.CSS_SELECTOR,
        "img.sphx-glr-single-img, img.sphx-glr-multi-img, .sphx-glr-script-out",
    )
    assert outputs, f"{page} shows neither a figure nor printed output"
    assert not _broken_images(browser)
    assert not _console_errors(browser)

    figure = re.compile(r'class\s*=\s*"sphx-glr-(single|multi)-img')
    figures = [
        name
        for name in pages
        if figure.search((SITE / "auto_examples" / name).read_text())
    ]
    assert figures, "no gallery example shows a figure"


def test_search_finds_the_classifier(browser, server):
    """search.html runs in JavaScript: the index is loaded and queried in the page."""
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/search.html?q=ConvLSTMClassifier")

    def results(b):
        links = b.find_elements(By.CSS_SELECTOR, "#search-results li a")
        return links if any("ConvLSTMClassifier" in a.text for a in links) else False

    links = _wait(browser, results, timeout=60)
    targets = [a.get_attribute("href") for a in links]
    assert any(API_PAGE in (t or "") for t in targets), targets
    assert not _console_errors(browser)

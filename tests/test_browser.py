"""The browser view end to end: ``quotasim viz`` on a free port, driven by Playwright in
Debian's Chromium (no browser download). Skipped without Chromium, except in CI."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = Path(__file__).parents[1] / "docs" / "img" / "viz.png"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]

PLOTS = ".vue-grid-item img"  # the worker grid, the series and the histogram

pytestmark = pytest.mark.slow


def missing(reason: str):
    """Skip on a developer's machine; in CI, where .ci/run installs Chromium, fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, but CI must run the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The address of a ``quotasim viz`` started on a free port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path_factory.mktemp("viz") / "server.log"
    quotasim = Path(sys.executable).with_name("quotasim")
    with open(log, "w") as out:
        proc = subprocess.Popen([quotasim, "viz", "--port", str(port)], stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"quotasim viz did not start:\n{log.read_text()}")
                time.sleep(0.3)
        assert f"the browser view is at {url}" in log.read_text()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Session:
    """A page in its own browser context, recording errors and every request."""

    def __init__(self, browser, url):
        self.context = browser.new_context(viewport={"width": 1600, "height": 1100})
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.panel = self.page.locator(".quotasim-summary")
        self.expect_month(0)
        # the grid layout mounts its items anew once after the first paint: wait until
        # the three plots have stayed put for a second
        self.page.wait_for_function("""sel => {
            const now = [...document.querySelectorAll(sel)].map(img => img.src).join(" ");
            if (window.plotsSeen !== now) {
                window.plotsSeen = now;
                window.plotsSince = performance.now();
            }
            return now.split(" ").length === 3 && performance.now() - window.plotsSince > 1000;
        }""", arg=PLOTS, polling=100)

    def expect_month(self, month):
        from playwright.sync_api import expect

        expect(self.panel).to_contain_text(f"month {month} of", timeout=60_000)

    def step(self, times):
        """Click Step and wait for the month and every plot to be redrawn."""
        for month in range(self.month + 1, self.month + times + 1):
            before = self.sources()
            self.page.get_by_role("button", name="Step", exact=True).click()
            self.expect_month(month)
            # each plot is its own message from the server, and may land after the text
            self.page.wait_for_function(
                "([sel, before]) => [...document.querySelectorAll(sel)]"
                ".every((img, i) => img.src !== before[i])", arg=[PLOTS, before])

    def sources(self) -> list[str]:
        return self.page.locator(PLOTS).evaluate_all("imgs => imgs.map(img => img.src)")

    @property
    def month(self) -> int:
        return int(self.panel.inner_text().split("month ")[1].split()[0])

    def plots(self) -> list[bytes]:
        images = self.page.locator(PLOTS)
        return [images.nth(i).screenshot() for i in range(images.count())]

    def slider(self, label):
        return self.page.locator(".v-input", has_text=label).get_by_role("slider")


def test_the_page_in_a_real_browser(browser, server):
    from playwright.sync_api import expect

    from sim.app import CONTROLS, MAX_HIKE

    first = Session(browser, server)
    before = first.plots()
    assert len(before) == 3
    first.step(3)
    assert "April 2021, month 3 of" in first.panel.inner_text()
    after = first.plots()
    assert all(a != b for a, b in zip(before, after))

    # a second person on the same server gets a model of their own
    second = Session(browser, server)
    assert second.month == 0 and first.month == 3
    second.step(8)
    assert first.month == 3
    # Step would show hovered and focused
    second.page.mouse.move(0, 0)
    second.page.evaluate("document.activeElement.blur()")
    second.page.wait_for_timeout(500)  # the button's fade
    SCREENSHOT.parent.mkdir(exist_ok=True)
    second.page.screenshot(path=SCREENSHOT, full_page=True, animations="disabled")

    # a new hike takes effect on Reset: the largest hike, from the first month
    assert "Construction, Russian Far East 600 (833 from May 2021)" in first.panel.inner_text()
    first.slider(CONTROLS["hike"][0]).press("End")
    first.slider(CONTROLS["hike_month"][0]).press("Home")
    first.page.get_by_role("button", name="Reset", exact=True).click()
    first.expect_month(0)
    top = 600 * (1 + MAX_HIKE)  # 7,200 USD a year at the slider's largest hike
    expect(first.panel).to_contain_text(f"Construction, Russian Far East {top:,.0f};")

    # Play runs the months on by itself until paused
    second.page.get_by_role("button", name="▶").click()
    second.page.wait_for_function(
        "el => Number(el.innerText.match(/month (\\d+) of/)[1]) >= 12",
        arg=second.panel.element_handle())
    second.page.get_by_role("button", name="❚❚").click()
    second.page.wait_for_timeout(500)  # a few play intervals: a month in flight lands
    paused = second.month
    second.page.wait_for_timeout(500)
    assert 12 <= second.month == paused < 42 and first.month == 0

    for session in (first, second):
        assert session.errors == []
        # everything, the front end included, came from the local server: works offline
        # (blob: and data: URLs are the page's own images)
        fetched = [u for u in session.requests if u.startswith(("http:", "https:"))]
        assert fetched and [u for u in fetched if not u.startswith(server)] == []
        session.context.close()

"""Driving the browser view (``quotasim viz``) in headless Chromium with Playwright.

Shared by the end-to-end test (``tests/test_browser.py``) and the README screenshot
(``python -m sim.docs``). Playwright is imported only when a browser is launched, so
importing this module needs nothing beyond quotasim's own dependencies; Chromium is
Debian's (``apt-get install chromium``), not a Playwright download.

Every wait here is on the page's state (the month beside the buttons, the pixels of the
plots, a button's label), never a fixed pause: on a loaded machine a frame may take
several times as long as on an idle one. The page is read through locators and
in-page functions that query the DOM afresh each time, as each plot swaps its image
every month.
"""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 800}  # a laptop
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 60_000  # how long any one wait may take before it fails: generous, for load
SERVER_START_S = 60
PLOTS = ".qs-plot img"  # A's and B's workers, the series and the ledgers
N_PLOTS = 4
SUMMARY = ".qs-summary"  # the answer panel
DATE = ".qs-date"  # "April 2021, month 3 of 42", beside the buttons
README_MONTHS = 18  # the README's screenshot shows the default preset after this many steps
SETTLE_POLLS = 10  # after Pause: the page unchanged across this many polls ...
SETTLE_POLL_MS = 200  # ... this far apart

# A fingerprint of each plot's pixels, or null until there are N_PLOTS plots, all loaded.
# Compares what is drawn, not the image's URL: the grid's remount gives the same picture
# a new blob: URL. Cached by URL, as a blob: URL's content never changes.
_PRINTS_JS = """([sel, count]) => {
    const imgs = [...document.querySelectorAll(sel)];
    if (imgs.length !== count || !imgs.every(img => img.complete && img.naturalWidth > 0))
        return null;
    const cache = window.__quotasimPrints ??= new Map();
    return imgs.map(img => {
        if (!cache.has(img.src)) {
            const canvas = document.createElement("canvas");
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            const ctx = canvas.getContext("2d");
            ctx.drawImage(img, 0, 0);
            const words = new Uint32Array(
                ctx.getImageData(0, 0, canvas.width, canvas.height).data.buffer);
            let a = 0x811c9dc5, b = 0x01000193;  // two 32-bit FNV-1a style lanes
            for (let k = 0; k < words.length; k++) {
                a = Math.imul(a ^ words[k], 16777619);
                b = Math.imul(b ^ words[k], 2246822519) + k;
            }
            cache.set(img.src, `${canvas.width}x${canvas.height}:` +
                               `${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}`);
        }
        return cache.get(img.src);
    });
}"""

# True once the page says month m or later
_MONTH_AT_LEAST_JS = """([sel, month]) => {
    const el = document.querySelector(sel);
    const m = el && el.innerText.match(/month (\\d+) of/);
    return m !== null && Number(m[1]) >= month;
}"""


class BrowserMissing(RuntimeError):
    """Playwright or Chromium is not installed."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(log: Path, port: int | None = None) -> Iterator[str]:
    """``quotasim viz`` on ``port`` (a free one by default), its output in ``log``: yields
    the page's address once the server answers, and stops the server afterwards."""
    port = port or free_port()
    quotasim = Path(sys.executable).with_name("quotasim")
    command = [quotasim, "viz", "--port", str(port)] if quotasim.exists() else \
        [sys.executable, "-m", "sim.cli", "viz", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"quotasim viz did not start:\n{log.read_text()}")
                time.sleep(0.3)  # the interval between two tries, not a condition
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def chromium() -> Iterator:
    """A headless Chromium driven by Playwright; ``BrowserMissing`` without either."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise BrowserMissing("playwright is not installed (pip install -e '.[test]')") from None
    if not os.access(CHROMIUM, os.X_OK):
        raise BrowserMissing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


class Session:
    """The page in its own browser context (so its own models on the server), recording
    the page's errors (uncaught, or logged to the console as errors) and every request
    it makes."""

    def __init__(self, browser, url: str, viewport: dict = VIEWPORT):
        self.context = browser.new_context(viewport=viewport)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors, self.requests = [], []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # a widget's template that fails in Vue is logged, not raised
        self.page.on("console", self._console)
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url)
        self.panel = self.page.locator(SUMMARY)
        self.date = self.page.locator(DATE)
        self.expect_month(0)
        self.plots()  # all three drawn

    def _console(self, message):
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def close(self):
        self.context.close()

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def slider(self, name: str):
        """The slider of a control (``sim.app.Slider``'s name: "hike-A", "n_workers")."""
        return self.page.locator(f".qs-control-{name}").get_by_role("slider")

    def cell(self, row: str, policy: str) -> str:
        """The answer panel's text for an outcome and a policy ("A", "B" or "B-A")."""
        return self.panel.locator(f'td[data-row="{row}"][data-policy="{policy}"]').inner_text()

    def answers(self) -> dict[str, dict[str, str]]:
        """Every cell of the answer panel: {policy: {row: text}}."""
        return self.page.eval_on_selector_all(
            f"{SUMMARY} td[data-row]",
            """cells => cells.reduce((out, td) => {
                (out[td.dataset.policy] ??= {})[td.dataset.row] = td.innerText;
                return out; }, {})""")

    def expect_month(self, month: int):
        expect(self.date).to_contain_text(f"month {month} of", timeout=TIMEOUT_MS)

    def wait_for_month_at_least(self, month: int):
        self.page.wait_for_function(_MONTH_AT_LEAST_JS, arg=[DATE, month],
                                    polling=50, timeout=TIMEOUT_MS)

    @property
    def month(self) -> int:
        """The month the page shows now."""
        return int(re.search(r"month (\d+) of", self.date.inner_text())[1])

    def plots(self) -> list[str]:
        """A fingerprint of what each plot shows, once all are drawn."""
        return self.page.wait_for_function(_PRINTS_JS, arg=[PLOTS, N_PLOTS], polling=100,
                                           timeout=TIMEOUT_MS).json_value()

    def step(self, times: int = 1):
        """Click Step ``times`` times, each time waiting for the next month in the text
        and a new picture in every plot that changed (each its own message from the
        server, which may land before or after the text): A's workers and the series
        always change, B's workers and the ledgers may not."""
        for _ in range(times):
            month, before = self.month, self.plots()
            self.button("Step").click()
            self.expect_month(month + 1)
            self.page.wait_for_function(
                f"([sel, count, before]) => {{ const now = ({_PRINTS_JS})([sel, count]);"
                " return now !== null && now[0] !== before[0] && now[2] !== before[2]; }",
                arg=[PLOTS, N_PLOTS, before], polling=100, timeout=TIMEOUT_MS)

    def settle(self):
        """Wait until the answer panel and the plots have stayed the same over
        ``SETTLE_POLLS`` consecutive polls: after Pause, the play loop may still run
        the month it had started (or was about to start)."""
        token = f"settle{time.monotonic_ns()}"
        self.page.wait_for_function(
            f"""([sel, count, summary, token, polls]) => {{
                const el = document.querySelector(summary);
                const prints = ({_PRINTS_JS})([sel, count]);
                const now = JSON.stringify([el && el.innerText, prints]);
                const seen = window[token] ??= {{state: null, same: 0}};
                seen.same = prints !== null && now === seen.state ? seen.same + 1 : 0;
                seen.state = now;
                return seen.same >= polls;
            }}""", arg=[PLOTS, N_PLOTS, ".qs-side", token, SETTLE_POLLS],
            polling=SETTLE_POLL_MS, timeout=TIMEOUT_MS)

    def screenshot(self, path: Path) -> Path:
        """The whole page as a PNG at ``path``, with no button hovered, focused or
        rippling."""
        self.page.mouse.move(0, 0)
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        # Vuetify removes a click's ripple a moment after the click
        self.page.wait_for_function("() => !document.querySelector('.v-ripple__container')",
                                    polling=50, timeout=TIMEOUT_MS)
        self.settle()
        self.page.screenshot(path=path, full_page=True, animations="disabled")
        return path


def readme_screenshot(browser, url: str, path: Path) -> Path:
    """The README's picture of the browser view: the default preset after
    ``README_MONTHS`` steps."""
    session = Session(browser, url)
    try:
        session.step(README_MONTHS)
        return session.screenshot(path)
    finally:
        session.close()

"""Driving the browser view (``quotasim viz``) in headless Chromium with Playwright.

Shared by the end-to-end test (``tests/test_browser.py``) and the README screenshot
(``python -m sim.docs``). Playwright is imported only when a browser is launched, so
importing this module needs nothing beyond quotasim's own dependencies; Chromium is
Debian's (``apt-get install chromium``), not a Playwright download.

Every wait here is on the page's state, never a fixed pause or a stretch of time with
nothing happening: on a loaded machine a frame may take several times as long as on an
idle one. The page reports its state on its button bar (``sim/app.py``): ``data-seq``,
the frame it shows, set once every part of that frame has been sent; ``data-playing``,
whether its Play loop runs; ``data-computing``, whether a change is being applied. Each
part of a frame (the date, the answer, each plot's image) carries the frame's number
too, so a wait can tell when the browser shows all of one frame. The page is read
through locators and in-page functions that query the DOM afresh each time, as each plot
swaps its image every month.
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
BAR = ".qs-bar"  # the buttons, and the page's state in data- attributes

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

# The page's state once the browser shows all of one frame: {seq, playing, computing};
# null while some part (the date, the answer, an image) is of another frame or loading
_STATE_JS = """([bar, plots, count]) => {
    const el = document.querySelector(bar);
    if (!el || el.dataset.seq === undefined) return null;
    const seq = el.dataset.seq;
    const parts = [...document.querySelectorAll(".qs-date, .qs-summary, .qs-headline")];
    if (!parts.length || !parts.every(part => part.dataset.seq === seq)) return null;
    const imgs = [...document.querySelectorAll(plots)];
    if (imgs.length !== count || !imgs.every(img => img.classList.contains(`qs-seq-${seq}`)
                                             && img.complete && img.naturalWidth > 0))
        return null;
    return {seq: Number(seq), playing: el.dataset.playing === "true",
            computing: el.dataset.computing === "true"};
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
        self.settle()
        self.expect_month(0)

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

    def state(self, after: int = -1, settled: bool = False) -> dict:
        """The page's state (``{seq, playing, computing}``) once the browser shows all
        of a frame later than ``after``; with ``settled``, once moreover neither the
        Play loop runs nor a change is being applied, so that nothing more will change
        until the next action."""
        return self.page.wait_for_function(
            f"""([bar, plots, count, after, settled]) => {{
                const state = ({_STATE_JS})([bar, plots, count]);
                return state !== null && state.seq > after
                    && (!settled || (!state.playing && !state.computing)) && state;
            }}""", arg=[BAR, PLOTS, N_PLOTS, after, settled], polling=50,
            timeout=TIMEOUT_MS).json_value()

    def settle(self) -> dict:
        """Wait until the page has settled: the Play loop has ended (after Pause it may
        still finish the month it was in), no change is being applied and the browser
        shows all of the last frame."""
        return self.state(settled=True)

    def act(self, action) -> dict:
        """Do ``action`` (a function), which makes a new frame (a click, a control
        moved), and wait until the page has settled on a frame made after it."""
        before = self.settle()["seq"]
        action()
        return self.state(after=before, settled=True)

    def step(self, times: int = 1):
        """Click Step ``times`` times, each time waiting until the page shows the next
        month, whole."""
        for _ in range(times):
            month = self.month
            self.act(self.button("Step").click)
            assert self.month == month + 1

    def screenshot(self, path: Path) -> Path:
        """The whole page as a PNG at ``path``, with no button hovered, focused or
        rippling."""
        self.page.mouse.move(0, 0)
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        # Vuetify removes a click's ripple a moment after the click
        self.page.wait_for_function("() => !document.querySelector('.v-ripple__container')",
                                    polling=50, timeout=TIMEOUT_MS)
        self.settle()
        # the document scrolls (no inner scrolling box), so this is the whole page
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

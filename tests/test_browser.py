"""The browser view end to end: ``quotasim viz`` on a free port, driven by Playwright in
Debian's Chromium (no browser download). Skipped without Chromium, except in CI.

The page is driven with the helpers in ``sim/browser.py``, which ``python -m sim.docs``
also uses for the README's screenshot; every wait is on the page's state, not on time."""

import os

import pytest

from sim import browser as view

pytestmark = pytest.mark.slow


def missing(reason: str):
    """Skip on a developer's machine; in CI, where .ci/run installs Chromium, fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, but CI must run the browser test")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        with view.chromium() as browser:
            yield browser
    except view.BrowserMissing as e:
        missing(str(e))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The address of a ``quotasim viz`` started on a free port."""
    log = tmp_path_factory.mktemp("viz") / "server.log"
    try:
        with view.serve(log) as url:
            assert f"the browser view is at {url}" in log.read_text()
            yield url
    except RuntimeError as e:
        pytest.fail(str(e))


def test_the_page_in_a_real_browser(browser, server, tmp_path):
    from sim.app import CONTROLS, MAX_HIKE

    first = view.Session(browser, server)
    before = first.plots()
    assert len(before) == 3
    first.step(3)
    assert "April 2021, month 3 of" in first.panel.inner_text()
    after = first.plots()
    assert all(a != b for a, b in zip(before, after))

    # a second person on the same server gets a model of their own
    second = view.Session(browser, server)
    assert second.month == 0 and first.month == 3
    second.step(view.README_MONTHS)
    assert first.month == 3
    # the README's screenshot, taken as `python -m sim.docs` takes it, but not into
    # the checkout
    shot = second.screenshot(tmp_path / "viz.png")
    assert shot.read_bytes().startswith(b"\x89PNG")

    # a new hike takes effect on Reset: the largest hike, from the first month
    assert "Construction, Russian Far East 600 (833 from May 2021)" in first.panel.inner_text()
    first.slider(CONTROLS["hike"][0]).press("End")
    first.slider(CONTROLS["hike_month"][0]).press("Home")
    first.button("Reset").click()
    first.expect_month(0)
    top = 600 * (1 + MAX_HIKE)  # 7,200 USD a year at the slider's largest hike
    view.expect(first.panel).to_contain_text(f"Construction, Russian Far East {top:,.0f};",
                                             timeout=view.TIMEOUT_MS)

    # Play runs the months on by itself until paused
    second.button("▶").click()
    second.wait_for_month_at_least(12)
    second.button("❚❚").click()
    view.expect(second.button("▶")).to_be_visible(timeout=view.TIMEOUT_MS)
    # a month Mesa's play loop had started, or was about to, may still land: read the
    # month once the page has stopped changing (it never would, were it still playing,
    # until the last month)
    second.settle()
    assert 12 <= second.month < 42 and first.month == 0
    view.expect(second.button("Step")).to_be_enabled(timeout=view.TIMEOUT_MS)

    for session in (first, second):
        assert session.errors == []
        # everything, the front end included, came from the local server: works offline
        # (blob: and data: URLs are the page's own images)
        fetched = [u for u in session.requests if u.startswith(("http:", "https:"))]
        assert fetched and [u for u in fetched if not u.startswith(server)] == []
        session.close()

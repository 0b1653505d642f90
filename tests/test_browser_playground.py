"""Browser tests: Playwright driving Debian's Chromium against `streamlit run` on 127.0.0.1."""

import pathlib
import urllib.parse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from playground.spec import RunSpec
from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow


EPOCH_JS = "() => parseInt(document.querySelector('.pg-epoch b').innerText.replace(/,/g, ''))"


def epoch_of(page) -> int:
    return page.evaluate(EPOCH_JS)


def wait_for_epoch(page, condition: str, timeout: float = 60_000) -> None:
    """Wait until the page's epoch counter satisfies a JS condition on `epoch`, e.g. 'epoch >= 20'."""
    page.wait_for_function(f"() => {{ const el = document.querySelector('.pg-epoch b');"
                           f" if (!el) return false; const epoch = parseInt(el.innerText.replace(/,/g, ''));"
                           f" return {condition}; }}", timeout=timeout)


# Points on the loss curve: epochs drawn by the SVG chart while training, or by Plotly's chart when paused.
CURVE_POINTS_JS = """() => { const live = document.querySelector('.pg-curve [data-points]');
  if (live) return parseInt(live.dataset.points);
  const plot = document.querySelector('.st-key-loss_curve .js-plotly-plot');
  const trace = plot && plot._fullData && plot._fullData[0]; return trace ? trace._length : 0; }"""


def wait_for_app(page) -> None:
    page.locator(".pg-epoch").wait_for()


def test_shared_url_play_pause_step_reset(page, app_url):
    page.goto(f"{app_url}/?dataset=spiral&layers=6,4&activation=tanh&lr=0.03&seed=7&samples=300")
    wait_for_app(page)
    assert epoch_of(page) == 0
    spec = RunSpec.from_query(urllib.parse.urlparse(page.url).query).spec  # the page rewrote the URL in full
    assert (spec.dataset, spec.layers, spec.seed, spec.samples) == ("spiral", (6, 4), 7, 300)

    page.get_by_role("button", name="Play", exact=True).click()
    wait_for_epoch(page, "epoch >= 20", timeout=90_000)
    page.wait_for_function(f"() => ({CURVE_POINTS_JS})() >= 2")  # the loss curve is drawn live...
    drawn = page.evaluate(CURVE_POINTS_JS)
    page.wait_for_function(f"() => ({CURVE_POINTS_JS})() > {drawn}")  # ...and keeps advancing
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1500)
    held = epoch_of(page)
    page.wait_for_timeout(1500)
    assert epoch_of(page) == held  # Pause holds the counter

    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_epoch(page, f"epoch === {held + 1}")
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1000)
    assert epoch_of(page) == held + 1  # exactly one epoch

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(700, 700)  # no tooltip in the picture
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "playground.png"))

    page.get_by_role("button", name="Reset", exact=True).click()
    wait_for_epoch(page, "epoch === 0")
    assert epoch_of(page) == 0


def download(page, button: str, attempts: int = 3):
    """Click a download button until the file comes. A click that lands while the page is still re-running
    (a loaded machine: CI with a browser and a server per test) can be lost, as it would be for a user, who
    clicks again; three lost clicks in a row fail."""
    for attempt in range(attempts):
        try:
            with page.expect_download(timeout=20_000) as started:
                page.get_by_role("button", name=button).click()
            return started.value
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def test_downloads_spec_json_and_keras_script(page, app_url):
    page.goto(f"{app_url}/?dataset=xor&layers=3&activation=relu&seed=4")
    wait_for_app(page)
    page.get_by_text("Share and export").click()
    link = page.locator(".stCode").first
    link.wait_for()
    shared = RunSpec.from_query(urllib.parse.urlparse(link.inner_text().strip()).query)
    assert shared.ok and shared.spec.dataset == "xor" and shared.spec.layers == (3,)

    spec_download = download(page, "Spec JSON")
    parsed = RunSpec.from_json(pathlib.Path(spec_download.path()).read_text())
    assert parsed.ok and parsed.spec == shared.spec

    script_download = download(page, "Keras script")
    script = pathlib.Path(script_download.path()).read_text()
    assert script_download.suggested_filename.endswith(".py")
    compile(script, "exported.py", "exec")
    assert "model.fit(" in script and "import playground" not in script


def test_presentation_mode_hides_the_sidebar(page, app_url):
    page.goto(f"{app_url}/?present=true")
    wait_for_app(page)
    page.get_by_test_id("stSidebar").wait_for(state="hidden", timeout=15_000)
    page.wait_for_url(lambda url: "present=true" in url, timeout=15_000)
    page.screenshot(path=str(SCREENSHOTS / "presentation.png"))

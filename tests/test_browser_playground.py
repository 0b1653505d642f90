"""Browser tests: Playwright driving Debian's Chromium against `streamlit run` on 127.0.0.1."""

import urllib.parse

import pytest

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
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1500)
    held = epoch_of(page)
    page.wait_for_timeout(1500)
    assert epoch_of(page) == held  # Pause holds the counter

    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_epoch(page, f"epoch === {held + 1}")
    page.wait_for_timeout(1000)
    assert epoch_of(page) == held + 1  # exactly one epoch

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playground.png"))

    page.get_by_role("button", name="Reset", exact=True).click()
    wait_for_epoch(page, "epoch === 0")
    assert epoch_of(page) == 0

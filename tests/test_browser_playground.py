"""Browser tests: Playwright driving Debian's Chromium against `streamlit run` on 127.0.0.1."""

import urllib.parse

import pytest

from playground.spec import RunSpec

from tests.conftest import SCREENSHOTS

pytestmark = pytest.mark.slow


def epoch_of(page) -> int:
    text = page.get_by_test_id("stMetric").filter(has_text="Epoch").get_by_test_id("stMetricValue").inner_text()
    return int(text.replace(",", ""))


def wait_for_app(page) -> None:
    page.get_by_test_id("stMetric").filter(has_text="Epoch").wait_for()


def test_shared_url_play_pause_step_reset(page, app_url):
    page.goto(f"{app_url}/?dataset=spiral&layers=6,4&activation=tanh&lr=0.03&seed=7&samples=300")
    wait_for_app(page)
    assert epoch_of(page) == 0
    spec = RunSpec.from_query(urllib.parse.urlparse(page.url).query).spec  # the page rewrote the URL in full
    assert (spec.dataset, spec.layers, spec.seed, spec.samples) == ("spiral", (6, 4), 7, 300)

    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
              .some(m => m.innerText.startsWith('Epoch') && parseInt(m.innerText.split('\\n').pop()
              .replace(/,/g, '')) >= 20)""", timeout=90_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1500)
    held = epoch_of(page)
    page.wait_for_timeout(1500)
    assert epoch_of(page) == held  # Pause holds the counter

    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stMetric"]')]
              .some(m => m.innerText.startsWith('Epoch') && m.innerText.endsWith('{held + 1:,}'))""")
    page.wait_for_timeout(1000)
    assert epoch_of(page) == held + 1  # exactly one epoch

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "playground.png"))

    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
              .some(m => m.innerText.startsWith('Epoch') && m.innerText.endsWith('\\n0'))""")
    assert epoch_of(page) == 0

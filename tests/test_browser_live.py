"""Browser tests of the live views while training: nothing on screen disappears or jumps between two updates, and
the views do not overlap on common laptop screens."""

import pytest

from tests.conftest import ARTIFACTS
from tests.test_browser_playground import wait_for_app, wait_for_epoch

pytestmark = pytest.mark.slow

BOXES = {"network": ".pg-network", "boundary": ".pg-output", "curve": ".pg-curve"}

# Samples the page every 100 ms from inside it: a timer task sees the page between two renderings, as painted.
SAMPLE_JS = """(boxes) => {
  const state = window.__live = {samples: [], epochs: new Set()};
  const size = element => { if (!element) return null; const r = element.getBoundingClientRect();
                             return [Math.round(r.width), Math.round(r.height)]; };
  state.timer = setInterval(() => {
    const img = document.querySelector('.pg-output img');
    // The loss curve is an inline SVG.
    const chart = document.querySelector('.pg-curve');
    const svg = chart && chart.querySelector('svg');
    const drawn = svg && getComputedStyle(chart).visibility !== 'hidden' && getComputedStyle(svg).visibility !== 'hidden'
      && svg.querySelectorAll('polyline').length >= 2;
    const sizes = {};
    for (const [name, selector] of Object.entries(boxes)) sizes[name] = size(document.querySelector(selector));
    const epoch = document.querySelector('.pg-epoch b');
    if (epoch) state.epochs.add(epoch.innerText);
    state.samples.push({
      picture: !!img && img.complete && img.naturalWidth > 0,
      chart: !!drawn && size(svg)[0] > 0 && size(svg)[1] > 0,
      sizes: JSON.stringify(sizes),
    });
  }, 100);
}"""
STOP_JS = "() => { clearInterval(window.__live.timer); " \
          "return {samples: window.__live.samples, updates: window.__live.epochs.size}; }"


def test_the_picture_and_the_loss_chart_never_blink_or_jump_while_training(page, app_url):
    page.goto(f"{app_url}/?epochs=100000")  # the default problem, with room to train through the whole window
    wait_for_app(page)
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for_epoch(page, "epoch >= 5", timeout=90_000)
    page.evaluate(SAMPLE_JS, BOXES)
    page.wait_for_timeout(6_000)
    result = page.evaluate(STOP_JS)
    page.screenshot(path=str(ARTIFACTS / "live-views-training.png"))
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()

    samples = result["samples"]
    assert len(samples) >= 15 and result["updates"] >= 5, result  # the page was sampled across many updates
    broken = [index for index, sample in enumerate(samples) if not sample["picture"]]
    missing = [index for index, sample in enumerate(samples) if not sample["chart"]]
    assert not broken, f"the output picture was missing or not loaded in samples {broken} of {len(samples)}"
    assert not missing, f"the loss chart was missing or hidden in samples {missing} of {len(samples)}"
    sizes = {sample["sizes"] for sample in samples}
    assert len(sizes) == 1, f"the boxes changed size: {sizes}"


@pytest.mark.parametrize("width, height", [(1366, 768), (1280, 720)])
def test_the_live_views_do_not_overlap(page, app_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(app_url)
    wait_for_app(page)
    page.locator(".pg-curve svg").wait_for()
    page.locator(".pg-output img").wait_for()
    boxes = page.evaluate("""() => ['.pg-network svg', '.pg-output img', '.pg-curve svg'].map(selector => {
        const r = document.querySelector(selector).getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom]; })""")
    page.screenshot(path=str(ARTIFACTS / f"live-views-{width}x{height}.png"))
    for first in range(len(boxes)):
        for second in range(first + 1, len(boxes)):
            (left, top, right, bottom), (left2, top2, right2, bottom2) = boxes[first], boxes[second]
            overlap = min(right, right2) - max(left, left2), min(bottom, bottom2) - max(top, top2)
            assert min(overlap) <= 0, f"views {first} and {second} overlap by {overlap} px at {width}x{height}"

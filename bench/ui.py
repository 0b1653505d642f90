"""Page speed, measured in Chromium: how soon Play shows a loss point, how often the page updates while
training, and how many epochs per second the run reaches while the page is open and refreshing.

Usage::

    python -m bench.ui            # a short table
    python -m bench.ui --json     # one JSON line on stdout

Method: `streamlit run app.py` on 127.0.0.1 and Debian's Chromium through Playwright, at 1366x768, on
TensorFlow Playground's default problem (circle, 2-4-2-1 tanh, SGD 0.03, batch 10). A first Play (then Reset)
imports TensorFlow, so the measured Play finds it imported, as the target assumes; building the model and
compiling its functions are part of the measured time. In the page, a click listener on Play stamps the click
and a requestAnimationFrame loop watches the loss curve's data: the first point drawn is epoch 0 (the
untrained model's loss, evaluated once the model is built), the second is the first trained epoch. Updates per
second count the changes of the "Epoch N" counter seen by a MutationObserver over a window of training;
epochs per second come from the counter itself over the same window.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

from bench.server import chromium, streamlit_server

QUERY = "dataset=circle&layers=4,2&activation=tanh&lr=0.03&batch=10&optimizer=sgd&epochs=100000&seed=1"
WATCH_JS = """() => {
  const state = {click: null, firstPoint: null, firstEpoch: null, updates: 0};
  window.__bench = state;
  const play = [...document.querySelectorAll('button')].find(b => b.innerText.trim().endsWith('Play'));
  play.addEventListener('click', () => { state.click = performance.now(); }, {capture: true});
  const watch = () => {
    // While training the loss curve is an SVG whose data-points says how many epochs it draws; paused, Plotly's
    // chart, which decodes the figure's typed arrays into _fullData (_length: the number of points drawn).
    const live = document.querySelector('.pg-curve [data-points]');
    const plot = document.querySelector('.st-key-loss_curve .js-plotly-plot');
    const trace = plot && plot._fullData && plot._fullData[0];
    const n = live ? parseInt(live.dataset.points) : trace ? (trace._length ?? (trace.x ? trace.x.length : 0)) : 0;
    if (state.click !== null) {
      if (n >= 1 && state.firstPoint === null) state.firstPoint = performance.now();
      if (n >= 2 && state.firstEpoch === null) state.firstEpoch = performance.now();
    }
    if (state.firstEpoch === null) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
}"""
COUNT_UPDATES_JS = """() => {
  const state = window.__bench;
  const counter = () => document.querySelector('.pg-epoch b');
  let last = counter() ? counter().innerText : '';
  state.updates = 0;
  state.observer = new MutationObserver(() => {
    const now = counter() ? counter().innerText : '';
    if (now !== last) { state.updates += 1; last = now; }
  });
  state.observer.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""
EPOCH_JS = "() => { const el = document.querySelector('.pg-epoch b'); return el ? " \
           "parseInt(el.innerText.replace(/,/g, '')) : -1; }"


def _wait_epoch(page, at_least: int, timeout_ms: float = 120_000) -> None:
    page.wait_for_function(f"() => ({EPOCH_JS})() >= {at_least}", timeout=timeout_ms)


def measure(window_seconds: float = 8.0) -> dict[str, float]:
    with streamlit_server() as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.set_default_timeout(120_000)

        # Warm-up: import TensorFlow in the server process (the first Play of a fresh server pays for it).
        page.goto(f"{url}/?{QUERY}")
        page.locator(".pg-epoch").wait_for()
        page.get_by_role("button", name="Play", exact=True).click()
        _wait_epoch(page, 3)
        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for()
        page.get_by_role("button", name="Reset", exact=True).click()
        page.wait_for_function(f"() => ({EPOCH_JS})() === 0")

        # Play to the first loss point, in a fresh session.
        page.goto(f"{url}/?{QUERY}")
        page.locator(".pg-epoch").wait_for()
        page.get_by_role("button", name="Play", exact=True).wait_for()
        page.wait_for_timeout(500)
        page.evaluate(WATCH_JS)
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function("() => window.__bench.firstEpoch !== null", timeout=120_000)
        timings = page.evaluate("() => window.__bench")

        # While training: page updates per second and epochs per second, over one window.
        _wait_epoch(page, 20)
        page.evaluate(COUNT_UPDATES_JS)
        start_epoch, start = page.evaluate(EPOCH_JS), time.monotonic()
        page.wait_for_timeout(window_seconds * 1000)
        end_epoch, end = page.evaluate(EPOCH_JS), time.monotonic()
        updates = page.evaluate("() => window.__bench.updates")
        page.get_by_role("button", name="Pause", exact=True).click()
        context.close()
    elapsed = end - start
    return {
        "play_to_first_point_s": round((timings["firstPoint"] - timings["click"]) / 1000, 3),
        "play_to_first_epoch_s": round((timings["firstEpoch"] - timings["click"]) / 1000, 3),
        "updates_per_s": round(updates / elapsed, 2),
        "epochs_per_s_while_open": round((end_epoch - start_epoch) / elapsed, 1),
        "window_s": round(elapsed, 2),
        "query": QUERY,
        "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ui", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    parser.add_argument("--window", type=float, default=8.0, help="seconds of training to watch")
    args = parser.parse_args(argv)
    result = measure(args.window)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

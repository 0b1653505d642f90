"""Browser tests of the live views drawn in the browser (playground/ui/live_component.py, fed over the live
channel): frames arrive and are drawn without page reruns, hovering shows weights and biases, the view options
change the picture, no sampled animation frame lacks a view while training, Step adds exactly one epoch and
Pause freezes the drawing."""

import math

import pytest

from tests.conftest import ARTIFACTS
from tests.test_browser_playground import epoch_of, wait_for_app, wait_for_epoch

pytestmark = pytest.mark.slow

ROOT = ".pg-live-component"
FRAMES_JS = f"() => parseInt(document.querySelector('{ROOT}')?.dataset.frames || '0')"

# Every animation frame for a while: is each view there, drawn and of its size? (rAF callbacks run just before
# the browser renders, so each sample is what a frame shows.)
SAMPLER_JS = """(milliseconds) => new Promise(resolve => {
  const samples = [];
  const end = performance.now() + milliseconds;
  const check = () => {
    const root = document.querySelector('.pg-live-component');
    const img = root && root.querySelector('.pg-output img');
    const curve = root && root.querySelector('.pg-curve svg');
    const neurons = root ? [...root.querySelectorAll('.pg-neuron')] : [];
    const box = element => element ? element.getBoundingClientRect() : {width: 0, height: 0};
    samples.push({
      picture: !!img && img.complete && img.naturalWidth > 0 && box(img).width > 0,
      chart: !!curve && curve.querySelectorAll('polyline').length >= 2 && box(curve).height > 0,
      neurons: neurons.length > 0 && neurons.every(canvas => !canvas.hidden && box(canvas).width >= 40),
      links: !!root && root.querySelectorAll('.pg-network .link').length > 0,
      epoch: !!document.querySelector('.pg-epoch b')?.innerText,
      frames: root ? parseInt(root.dataset.frames || '0') : -1,
    });
    if (performance.now() < end) requestAnimationFrame(check); else resolve(samples);
  };
  requestAnimationFrame(check);
})"""

# The output picture's distinct colours (the data points are a separate layer over it).
PICTURE_COLOURS_JS = """() => {
  const img = document.querySelector('.pg-live-component .pg-output img');
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const colours = new Set();
  for (let index = 0; index < data.length; index += 4) colours.add(`${data[index]},${data[index + 1]},${data[index + 2]}`);
  return colours.size;
}"""
# The loss axis' labels: [value, y] of each labelled tick.
TICK_LABELS_JS = """() => [...document.querySelectorAll('.pg-live-component .pg-curve svg g[fill] text[text-anchor=end]')]
  .filter(text => text.textContent).map(text => [parseFloat(text.textContent), parseFloat(text.getAttribute('y'))])"""


def evenly_spaced(ticks, transform) -> bool:
    """Whether the ticks' y positions are linear in transform(value) (to half a pixel)."""
    (v0, y0), (v1, y1) = ticks[0], ticks[-1]
    slope = (y1 - y0) / (transform(v1) - transform(v0))
    return all(abs(y0 + slope * (transform(v) - transform(v0)) - y) <= 0.5 for v, y in ticks)


def open_component(page, app_url, query="epochs=100000"):
    page.goto(f"{app_url}/?{query}")
    wait_for_app(page)
    page.locator(ROOT).wait_for()
    # The views are complete at once: the first frame rides with the scene.
    page.wait_for_function(f"() => ({FRAMES_JS})() >= 1")
    page.locator(f"{ROOT} .pg-output img").wait_for()


def play(page):
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()


def pause(page):
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()


def test_frames_arrive_over_the_channel_and_are_drawn_with_no_blank_view(page, app_url):
    open_component(page, app_url)
    page.evaluate(f"() => {{ document.querySelector('{ROOT}').__marked = true; }}")
    play(page)
    wait_for_epoch(page, "epoch >= 20", timeout=90_000)
    samples = page.evaluate(SAMPLER_JS, 4000)
    page.screenshot(path=str(ARTIFACTS / "component-training.png"))
    # The same element throughout: the views were updated in place, not re-rendered by a script rerun.
    assert page.evaluate(f"() => document.querySelector('{ROOT}').__marked === true")
    frames = [sample["frames"] for sample in samples]
    assert frames[-1] - frames[0] >= 20, f"only {frames[-1] - frames[0]} paints in 4 s"
    for view in ("picture", "chart", "neurons", "links", "epoch"):
        blank = [index for index, sample in enumerate(samples) if not sample[view]]
        assert not blank, f"{view} missing in {len(blank)} of {len(samples)} animation frames"
    # The curve's data-points attribute follows the history, as bench/ui.py reads it.
    points = page.evaluate("() => parseInt(document.querySelector('.pg-curve [data-points]').dataset.points)")
    assert points >= 20
    pause(page)


# The epochs of the channel's messages as they arrive: each message's own and those of its earlier frames.
CHANNEL_EPOCHS_JS = """(() => {
  const Native = window.WebSocket;
  window.__channelEpochs = [];
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      if (!String(args[0]).includes('/_playground/live')) return;
      this.addEventListener('message', event => {
        const message = JSON.parse(event.data);
        const epochs = [...(message.earlier || []), message].map(frame => frame.status?.epoch).filter(Boolean);
        window.__channelEpochs.push(epochs);
      });
    }
  };
})();"""
# The epoch counter's texts shown in animation frames, for a while.
SHOWN_EPOCHS_JS = """(milliseconds) => new Promise(resolve => {
  const shown = new Set(), end = performance.now() + milliseconds;
  const check = () => {
    shown.add(document.querySelector('.pg-epoch b')?.innerText || '');
    if (performance.now() < end) requestAnimationFrame(check); else resolve([...shown]);
  };
  requestAnimationFrame(check);
})"""


def test_a_message_with_two_states_of_the_run_draws_both_one_after_the_other(page, app_url):
    """A training worker sends two ticks' states in one batch and the channel both in one message (the earlier
    as a frame of its own): the page draws each, so it shows more epochs than it gets messages."""
    page.add_init_script(CHANNEL_EPOCHS_JS)
    open_component(page, app_url)
    play(page)
    wait_for_epoch(page, "epoch >= 20", timeout=90_000)
    received = page.evaluate("() => window.__channelEpochs.length")
    shown = set(page.evaluate(SHOWN_EPOCHS_JS, 3000))
    messages = page.evaluate("() => window.__channelEpochs")[received:]
    pause(page)
    paired = [epochs for epochs in messages if len(epochs) == 2]
    # About 15 a second; a busy machine may skip a tick now and then.
    assert len(paired) >= 10 and len(paired) >= len(messages) // 2, f"{len(paired)} of {len(messages)} paired"
    drawn = [epochs for epochs in paired[:-1] if set(epochs) <= shown]  # the last one may still be drawing
    # Drawn a share of the message interval apart (20 ms at least): most pairs are seen in two animation frames.
    assert len(drawn) >= 0.6 * (len(paired) - 1), f"both states drawn for {len(drawn)} of {len(paired) - 1}"


def test_pause_freezes_and_step_adds_exactly_one_epoch(page, app_url):
    open_component(page, app_url)
    play(page)
    wait_for_epoch(page, "epoch >= 10", timeout=90_000)
    pause(page)
    page.wait_for_timeout(1000)
    held, frames = epoch_of(page), page.evaluate(FRAMES_JS)
    page.wait_for_timeout(1500)
    assert epoch_of(page) == held and page.evaluate(FRAMES_JS) == frames  # nothing moves while paused
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_epoch(page, f"epoch === {held + 1}")
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(1000)
    assert epoch_of(page) == held + 1
    page.get_by_role("button", name="Reset", exact=True).click()
    wait_for_epoch(page, "epoch === 0")


# What the page sends on its live channel, recorded.
CHANNEL_SENDS_JS = """(() => {
  const send = WebSocket.prototype.send;
  window.__channelSends = [];
  WebSocket.prototype.send = function (data) {
    if (String(this.url).includes('/_playground/live')) window.__channelSends.push(String(data));
    return send.call(this, data);
  };
})();"""
RESYNCS_JS = "() => window.__channelSends.filter(data => JSON.parse(data).resync).length"


def test_each_page_run_is_followed_by_a_full_message_from_the_channel(page, app_url):
    """A regression: the channel said "Paused", then the page's own frame (taken at the Pause click, while the
    worker still trained) arrived and drew "Training" again; the channel sends only what changed, so Play never
    came back. After each page run's new frame the component now asks the channel for a full message."""
    page.add_init_script(CHANNEL_SENDS_JS)
    open_component(page, app_url)
    play(page)
    wait_for_epoch(page, "epoch > 0")
    resyncs = page.evaluate(RESYNCS_JS)
    # A live option while training: the page runs again with the same scene (nothing is rebuilt) and a new frame.
    limit = page.get_by_role("spinbutton", name="Epoch limit")
    limit.fill("50000")
    limit.press("Enter")
    page.wait_for_function(f"() => ({RESYNCS_JS})() > {resyncs}")
    pause(page)
    page.get_by_role("button", name="Play", exact=True).wait_for()


def test_hovering_a_link_shows_its_weight_and_a_node_its_bias(page, app_url):
    open_component(page, app_url)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_epoch(page, "epoch === 1")
    page.get_by_role("button", name="Play", exact=True).wait_for()
    tip = page.locator(f"{ROOT} .pg-tip")
    page.locator(f"{ROOT} .pg-network .link").nth(4).hover()
    tip.wait_for(state="visible")
    assert " → " in tip.inner_text() and "w = " in tip.inner_text()
    page.locator(f"{ROOT} .pg-network .pg-node-hidden").first.hover(force=True)
    page.wait_for_function(f"() => document.querySelector('{ROOT} .pg-tip').innerText.includes('bias = ')")
    assert tip.inner_text().startswith("hidden_1[0], bias = ")


def test_the_component_draws_the_loss_curve_in_every_state_and_hovering_it_shows_an_epochs_values(page, app_url):
    """No Plotly chart on the first paint nor after Step (its 4.7 MB of JavaScript would hold both up): the
    component's curve is there at epoch 0, after each Step, and paused; hovering reads an epoch's values."""
    open_component(page, app_url)
    curve = page.locator(f"{ROOT} .pg-curve svg")
    curve.wait_for()
    assert page.locator(".st-key-live_area .stPlotlyChart").count() == 0
    for epoch in (1, 2, 3):
        page.get_by_role("button", name="Step", exact=True).click()
        wait_for_epoch(page, f"epoch === {epoch}")
        page.get_by_role("button", name="Play", exact=True).wait_for()
    # the epoch-0 record (the initial weights' losses) and one per Step
    page.wait_for_function(f"() => document.querySelector('{ROOT} .pg-curve [data-points]').dataset.points === '4'")
    assert page.locator(".st-key-live_area .stPlotlyChart").count() == 0
    # The chart's box, not the chart: each paint of the curve swaps in a new chart (a full message after the
    # page's run re-draws it), which a box asked for in between would not find.
    box = page.locator(f"{ROOT} .pg-curve").bounding_box()
    # right of the last point, inside the plot (the metric axis is further right): the last epoch's values
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    tip = page.locator(f"{ROOT} .pg-tip")
    tip.wait_for(state="visible")
    text = tip.inner_text()
    train_loss = page.locator(f"{ROOT} .pg-metric").first.locator(".pg-metric-value").inner_text()
    assert text.startswith("Epoch 3 · train loss ") and f"train loss {train_loss} " in text, (text, train_loss)
    assert "test acc. " in text and page.locator(f"{ROOT} .pg-curve-guide").is_visible()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] + 60)  # away: the tip goes
    tip.wait_for(state="hidden")


def test_discretize_and_show_test_change_the_picture(page, app_url):
    open_component(page, app_url)
    play(page)
    wait_for_epoch(page, "epoch >= 30", timeout=90_000)
    pause(page)
    page.wait_for_timeout(500)
    smooth = page.evaluate(PICTURE_COLOURS_JS)
    rings = page.locator(f"{ROOT} .pg-points-layer path").count()
    assert smooth > 10  # a gradient from orange to blue
    page.get_by_text("Discretize output").click()
    page.wait_for_function(f"() => ({PICTURE_COLOURS_JS})() <= 2")
    page.get_by_text("Show test data").click()
    page.wait_for_function(f"() => document.querySelectorAll('{ROOT} .pg-points-layer path').length > {rings}")
    assert page.locator(f"{ROOT} .pg-points-layer path[stroke='#333333']").count() == 1  # the test points' rings
    page.get_by_text("Discretize output").click()
    page.wait_for_function(f"() => ({PICTURE_COLOURS_JS})() > 10")


def test_log_scale_redraws_the_live_curve_on_a_log_axis(page, app_url):
    open_component(page, app_url)
    play(page)
    wait_for_epoch(page, "epoch >= 100", timeout=90_000)
    page.locator(f"{ROOT} .pg-curve svg[data-scale=linear]").wait_for()
    page.get_by_text("Log scale").click()
    page.locator(f"{ROOT} .pg-curve svg[data-scale=log]").wait_for()
    page.wait_for_function(f"() => ({TICK_LABELS_JS})().length >= 3")
    ticks = page.evaluate(TICK_LABELS_JS)
    assert evenly_spaced(ticks, math.log10) and not evenly_spaced(ticks, float), ticks
    pause(page)


# A live channel that never opens (a proxy without websockets, say): every attempt fails before it opens.
FAILING_CHANNEL_JS = """(() => {
  const Real = window.WebSocket;
  window.WebSocket = function (url, protocols) {
    if (!String(url).includes('/_playground/live')) return new Real(url, protocols);
    const fake = {readyState: 0, send() {}, close() {}};
    setTimeout(() => { fake.readyState = 3; fake.onclose?.({code: 1006}); }, 50);
    return fake;
  };
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
})();"""


def test_a_channel_that_never_opens_falls_back_to_the_refreshing_fragment(page, app_url):
    page.add_init_script(FAILING_CHANNEL_JS)
    page.goto(f"{app_url}/?epochs=100000")
    wait_for_app(page)
    # After three failed attempts the component says so and the page draws the fragment's views instead.
    page.wait_for_function(f"() => !document.querySelector('{ROOT}') && !!document.querySelector('.pg-live .pg-output img')",
                           timeout=30_000)
    play(page)
    wait_for_epoch(page, "epoch >= 5", timeout=90_000)
    held = epoch_of(page)
    wait_for_epoch(page, f"epoch > {held}")  # the fragment keeps refreshing the counter
    assert page.locator(ROOT).count() == 0
    pause(page)


def test_the_diagrams_plus_and_minus_buttons_change_the_hidden_layers(page, app_url):
    open_component(page, app_url, "layers=4,2")
    hidden = f"() => document.querySelectorAll('{ROOT} .pg-node-hidden').length"
    page.get_by_role("button", name="Add a unit to hidden layer 1").click()
    page.wait_for_function(f"() => ({hidden})() === 7")
    assert page.get_by_role("spinbutton", name="Layer 1 units").input_value() == "5"  # the sidebar follows
    page.get_by_role("button", name="Add a hidden layer").click()
    page.wait_for_function(f"() => ({hidden})() === 9")
    assert "layers=5%2C2%2C2" in page.url  # a new layer copies the one before it, as the sidebar's
    page.get_by_role("button", name="Remove a unit from hidden layer 2").click()
    page.wait_for_function(f"() => ({hidden})() === 8")
    page.get_by_role("button", name="Remove the last hidden layer").click()
    page.wait_for_function(f"() => ({hidden})() === 6")
    assert "layers=5%2C1&" in page.url


def test_hidden_layer_controls_hide_the_diagrams_buttons(page, app_url):
    open_component(page, app_url, "layers=4,2&layers_hide=true")
    assert page.locator(f"{ROOT} .pg-edit-button").count() == 0


BOXES_JS = f"""() => Object.fromEntries(Object.entries({{network: '.pg-net-box', neuron: '.pg-neuron',
    output: '.pg-output-box', curve: '.pg-curve', plotly: '.st-key-loss_curve .main-svg'}}).map(([name, selector]) => {{
  const element = document.querySelector('{ROOT} ' + selector) || document.querySelector(selector);
  const box = element && element.getBoundingClientRect();
  return [name, box && box.width ? [box.left, box.top, box.right, box.bottom] : null]; }}))"""


def overlapping(boxes: dict) -> list:
    found = [(name, box) for name, box in boxes.items() if box and name != "neuron"]
    return [(first, second) for index, (first, a) in enumerate(found) for second, b in found[index + 1:]
            if min(a[2], b[2]) - max(a[0], b[0]) > 0 and min(a[3], b[3]) - max(a[1], b[1]) > 0]


@pytest.mark.parametrize("width, height, query, neuron", [(1366, 768, "", 40), (1280, 720, "&present=true", 48)])
def test_the_network_is_the_centrepiece_with_readable_neurons(page, app_url, width, height, query, neuron):
    page.set_viewport_size({"width": width, "height": height})
    open_component(page, app_url, f"epochs=100000{query}")
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_epoch(page, "epoch === 1")
    page.locator(f"{ROOT} .pg-neuron:not([hidden])").first.wait_for()
    boxes = page.evaluate(BOXES_JS)
    page.screenshot(path=str(ARTIFACTS / f"component-{width}x{height}.png"))
    size = lambda box: (box[2] - box[0]) * (box[3] - box[1])  # noqa: E731
    curve = boxes["curve"] or boxes["plotly"]
    assert size(boxes["network"]) > max(size(boxes["output"]), size(curve)), boxes
    assert boxes["neuron"][2] - boxes["neuron"][0] >= neuron, boxes["neuron"]
    assert not overlapping(boxes), boxes
    assert max(box[2] for box in boxes.values() if box) <= width  # nothing off the side of the screen

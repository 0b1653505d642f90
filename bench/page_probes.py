"""The JavaScript that bench/ui.py installs in and evaluates on the page: finding the live views (also inside
shadow roots), stamping Play and the first trained epoch, and counting updates, frames, picture changes and the
main thread's busy time over a window of training. The method is in bench/ui.py's docstring."""

# Installed in every page before its own scripts: helpers that find elements also inside shadow roots (custom
# components v2 may isolate their DOM), and a watcher stamping the first frame with the controls and the output
# view visible.
HELPERS_JS = """
(() => {
  const find = (selector, root = document) => {
    const found = root.querySelector(selector);
    if (found) return found;
    for (const host of root.querySelectorAll('*')) {
      if (host.shadowRoot) {
        const inner = find(selector, host.shadowRoot);
        if (inner) return inner;
      }
    }
    return null;
  };
  const cached = {};
  const el = (selector) => {  // the element, found again when the page replaced it
    const known = cached[selector];
    if (known && known.isConnected) return known;
    return (cached[selector] = find(selector));
  };
  const visible = (node) => {
    if (!node) return false;
    const box = node.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && (!node.checkVisibility || node.checkVisibility());
  };
  const playButton = () => [...document.querySelectorAll('button')].find(b => b.innerText.trim().endsWith('Play'));
  const epoch = () => {
    const node = el('.pg-epoch b');
    return node ? parseInt(node.textContent.replace(/,/g, '')) : -1;
  };
  const counterText = () => { const node = el('.pg-epoch b'); return node ? node.textContent : ''; };
  const frames = () => { const node = el('[data-frames]'); return node ? parseInt(node.dataset.frames) : null; };
  const curvePoints = () => {
    // While training the loss curve is an SVG whose data-points says how many epochs it draws; paused, Plotly's
    // chart, which decodes the figure's typed arrays into _fullData (_length: the number of points drawn).
    const live = el('.pg-curve [data-points]');
    if (live) return parseInt(live.dataset.points);
    const plot = document.querySelector('.st-key-loss_curve .js-plotly-plot');
    const trace = plot && plot._fullData && plot._fullData[0];
    return trace ? (trace._length ?? (trace.x ? trace.x.length : 0)) : 0;
  };
  const outputPicture = () => {
    // What the output view shows: the component's grids (its state, on the nearest ancestor holding it: live.js's
    // __pgLive) or the fragment's picture (its data URI).
    for (let node = el('.pg-live-component'); node; node = node.parentElement) {
      if (node.__pgLive) return node.__pgLive.grids;
    }
    const picture = el('.pg-output img.pg-boundary');
    return picture ? picture.getAttribute('src') : null;
  };
  window.__pg = {find, el, visible, playButton, epoch, counterText, frames, curvePoints, outputPicture,
                 firstPaint: null};
  const watch = () => {
    if (visible(playButton()) && visible(el('.pg-output'))) {
      window.__pg.firstPaint = {sinceNavigation: performance.now(), wall: Date.now()};
      return;
    }
    requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
})();
"""
# Stamps the next Play click and the first frames showing a loss point and an epoch >= 1.
WATCH_PLAY_JS = """() => {
  const pg = window.__pg;
  const state = pg.play = {click: null, firstPoint: null, firstEpoch: null};
  document.addEventListener('click', (event) => {
    const button = event.target.closest && event.target.closest('button');
    if (state.click === null && button && button.innerText.trim().endsWith('Play')) state.click = performance.now();
  }, {capture: true});
  const watch = () => {
    if (state.click !== null) {
      const now = performance.now();
      if (state.firstPoint === null && pg.curvePoints() >= 1) state.firstPoint = now;
      if (state.firstEpoch === null && pg.epoch() >= 1) state.firstEpoch = now;
    }
    if (state.firstEpoch === null || state.firstPoint === null) requestAnimationFrame(watch);
  };
  requestAnimationFrame(watch);
}"""
# One window while training: counter changes per animation frame, frame delays, long tasks.
WINDOW_START_JS = """() => {
  const pg = window.__pg;
  const w = pg.window = {start: performance.now(), end: null, updates: 0, frames0: pg.frames(), longTasks: 0,
                         longTaskCount: 0, rafBusy: 0, rafFrames: 0, epoch0: pg.epoch()};
  try {
    w.count = (entry) => {
      const from = Math.max(entry.startTime, w.start);
      const to = Math.min(entry.startTime + entry.duration, w.end ?? Infinity);
      if (to > from) { w.longTasks += to - from; w.longTaskCount += 1; }
    };
    w.observer = new PerformanceObserver((list) => list.getEntries().forEach(w.count));
    w.observer.observe({type: 'longtask'});
  } catch (error) { w.observer = null; w.longTasks = null; }
  const FRAME = 1000 / 60;  // a frame at 60 Hz, in ms
  let last = pg.counterText(), lastPicture = pg.outputPicture(), previous = w.start;
  w.pictures = 0;
  const loop = (now) => {
    if (w.end !== null) return;
    const text = pg.counterText();
    if (text !== last) { w.updates += 1; last = text; }
    const picture = pg.outputPicture();
    if (picture !== lastPicture) { w.pictures += 1; lastPicture = picture; }
    const gap = now - previous;
    if (gap > 1.5 * FRAME) w.rafBusy += gap - FRAME;
    previous = now;
    w.rafFrames += 1;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""
WINDOW_STOP_JS = """() => {
  const pg = window.__pg, w = pg.window;
  w.end = performance.now();
  w.epoch1 = pg.epoch();
  w.frames1 = pg.frames();
}"""
WINDOW_END_JS = """async () => {
  const pg = window.__pg, w = pg.window;
  if (w.observer) {
    await new Promise(resolve => setTimeout(resolve, 100));  // long-task entries are delivered late
    w.observer.takeRecords().forEach(w.count);
    w.observer.disconnect();
  }
  return {elapsedMs: w.end - w.start, updates: w.updates, pictures: w.pictures, epoch0: w.epoch0, epoch1: w.epoch1,
          frames: w.frames1 === null || w.frames0 === null ? null : w.frames1 - w.frames0,
          longTasksMs: w.longTasks, longTaskCount: w.longTaskCount, rafBusyMs: w.rafBusy, rafFrames: w.rafFrames};
}"""

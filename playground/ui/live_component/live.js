// The Playground page's live views, drawn in the browser (playground/ui/live_component.py mounts this).
//
// `data` = {scene, frame, ticket}: the scene (playground/views/live_scene.py) is the static description of the
// views for one page run; frames (playground/views/live_frames.py) carry what moves: status texts, history
// records, weights (float32) and grids (uint8 palette levels). The first frame rides in `data`; the next ones
// come over the live channel's websocket (playground/ui/live_channel.py) when there is a ticket.
//
// Streamlit calls the default export on mount and again whenever `data` changes (the returned cleanup runs only
// at unmount), so all state lives on the parent element: one websocket per mount, at most one paint per
// animation frame, applying the latest message. `data-frames` on the root counts the paints that changed
// something (tests and bench/ui.py read it).

const SVG = "http://www.w3.org/2000/svg";
const FONT_FAMILY = "'Source Sans', sans-serif";
const FONT = 12, LEGEND_FONT = 10, TITLE_FONT = 14;
const TICK_COLOR = "#808495", LEGEND_COLOR = "#262730", AXIS_COLOR = "#ccc", GRID_COLOR = "#eee";
const TITLE_ROOM = 24, PAD = 8.5, LABEL_GAP = 11, LEGEND_ROW = 19, BOTTOM = 51;
const CHARACTER_EMS = {".": 0.25, "-": 0.33, "%": 0.83, "k": 0.5};
const PADDING = 0.05, MIN_EPOCH_RANGE = 10;
const TRAIN_COLOR = "#333333", TEST_COLOR = "#0877bd";
const COLORS = [TRAIN_COLOR, TEST_COLOR, TRAIN_COLOR, TEST_COLOR];
const RECONNECT_TRIES = 3;

function el(tag, attributes = {}, parent = null, namespace = null) {
  const element = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (parent) parent.appendChild(element);
  return element;
}
const svgEl = (tag, attributes, parent) => el(tag, attributes, parent, SVG);

function decode(text, Type) {
  if (!text) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return Type === Uint8Array ? bytes : new Type(bytes.buffer);
}

// ---- numbers as Python writes them ---------------------------------------------------------------------------
function pyG(value) {  // Python's f"{value:g}" for the values the axes use
  if (value === 0) return "0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 6) {
    const mantissa = Number((value / 10 ** exponent).toPrecision(6));
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return String(Number(value.toPrecision(6)));
}
const withCommas = value => value.toLocaleString("en-US");

// ---- the loss curve's axes, as curve_svg.py (Plotly's rules) -------------------------------------------------
function roundUp(value) {
  const power = 10 ** Math.floor(Math.log10(value));
  const base = [2, 5].find(candidate => candidate > value / power);
  return power * (base ?? 10);
}
function linearTicks(low, high, pixels, perTick) {
  if (!(high > low)) return [[low], 1];
  const count = Math.min(Math.max(pixels / perTick, 4), 9) + 1;
  const step = roundUp((high - low) / count);
  const first = Math.ceil(low / step - 1e-9), last = Math.floor(high / step + 1e-9);
  const ticks = [];
  for (let index = first; index <= last; index++) ticks.push(index * step);
  return [ticks, step];
}
function tickLabel(value, step) {
  if (Math.abs(value) >= 10000 && step >= 1000) return `${pyG(value / 1000)}k`;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  let text = value.toFixed(decimals);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" || text === "" ? "0" : text;
}
function logTicks(low, high, pixels, perTick) {
  const count = Math.min(Math.max(pixels / perTick, 4), 9) + 1;
  const rough = (high - low) / count;
  const ticks = [];
  if (rough <= 0.7 && high - low < 1) {
    const step = roundUp((10 ** high - 10 ** low) / (1.5 * count));
    const first = Math.ceil(10 ** low / step - 1e-9), last = Math.floor(10 ** high / step + 1e-9);
    for (let index = Math.max(first, 1); index <= last; index++) {
      ticks.push([Math.log10(index * step), tickLabel(index * step, step)]);
    }
    return ticks;
  }
  if (rough > 0.7) {
    const step = Math.ceil(rough);
    for (let power = Math.ceil(low / step) * step; power <= Math.floor(high); power += step) {
      ticks.push([power, pyG(10 ** power)]);
    }
    return ticks;
  }
  const mantissas = rough > 0.3 ? [1, 2, 5] : [1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (let power = Math.floor(low); power <= Math.ceil(high); power++) {
    for (const mantissa of mantissas) {
      const position = power + Math.log10(mantissa);
      if (low <= position && position <= high) {
        ticks.push([position, [1, 2, 5].includes(mantissa) ? pyG(mantissa * 10 ** power) : ""]);
      }
    }
  }
  return ticks;
}
function paddedRange(rows) {
  let low = Infinity, high = -Infinity;
  for (const row of rows) for (const value of row) {
    if (Number.isFinite(value)) { if (value < low) low = value; if (value > high) high = value; }
  }
  if (!(Number.isFinite(low) && Number.isFinite(high))) return null;
  if (high === low) return [low - 1, high + 1];
  const pad = (high - low) * PADDING / (1 - 2 * PADDING);
  return [low - pad, high + pad];
}
const textWidth = text => FONT * [...text].reduce((sum, character) => sum + (CHARACTER_EMS[character] ?? 0.5), 0);

// ---- state on the parent element -----------------------------------------------------------------------------
function stateOf(parentElement) {
  if (!parentElement.__pgLive) {
    parentElement.__pgLive = {
      root: null, scene: null, sceneId: null, jobId: null, ws: null, wsTries: 0, wsOpened: false, closed: false,
      cols: [[], [], [], [], []], curveCache: null, status: null, weights: null, grids: null, dirty: new Set(), raf: 0, frames: 0,
      triggered: null, resyncSentFor: null, ticket: null, retry: 0, pageFrame: null,
    };
  }
  return parentElement.__pgLive;
}

// ---- building the views from the scene -----------------------------------------------------------------------
function buildViews(state) {
  const scene = state.scene, root = state.root;
  root.replaceChildren();
  root.classList.toggle("pg-presenting", !!scene.present);
  root.classList.toggle("pg-wide-network", !!scene.network.wide);
  const views = state.views = {};

  const status = el("div", {class: "pg-status"}, root);
  const epoch = el("div", {class: "pg-epoch"}, status);
  epoch.append("Epoch ");
  views.epoch = el("b", {}, epoch);
  views.metrics = [0, 1, 2].map(() => {
    const box = el("div", {class: "pg-metric"}, status);
    return [el("div", {class: "pg-metric-label"}, box), el("div", {class: "pg-metric-value"}, box)];
  });
  views.line = el("p", {class: "pg-caption pg-status-line"}, root);
  views.alert = el("div", {class: "pg-alert", role: "alert", hidden: ""}, root);
  views.note = el("p", {class: "pg-caption pg-note", hidden: ""}, root);

  buildNetwork(state, el("div", {class: "pg-network"}, root));
  buildOutput(state, el("div", {class: "pg-output"}, root));
  const curve = scene.curve;
  views.curve = el("div", {class: "pg-curve", style: `width:${curve.width}px;height:${curve.height}px`}, root);
  views.curveGuide = null;
  views.curve.addEventListener("pointermove", event => showCurveTip(state, event));
  views.curve.addEventListener("pointerleave", () => hideCurveTip(state));
  views.tip = el("div", {class: "pg-tip", hidden: ""}, root);
  root.addEventListener("pointerover", event => showTip(state, event));
  root.addEventListener("pointermove", event => moveTip(state, event));
  root.addEventListener("pointerout", event => {
    const next = event.relatedTarget;
    if (!next?.closest?.("[data-tip]") && !views.curve.contains(next)) views.tip.hidden = true;
  });
  state.dirty = new Set(["status", "weights", "grids", "curve"]);
}

function buildNetwork(state, box) {
  const network = state.scene.network, views = state.views;
  const widest = Math.min(network.width, network.max_height * network.width / network.height);
  const wrap = el("div", {class: "pg-net-wrap", style: `max-width:${widest.toFixed(1)}px`}, box);
  const frame = el("div", {class: "pg-net-box", style: `aspect-ratio:${network.width} / ${network.height}`}, wrap);
  if (network.edit) buildEditor(state, el("div", {class: "pg-net-edit"}, wrap));
  const svg = svgEl("svg", {viewBox: `0 0 ${network.width} ${network.height}`, role: "img",
                            "aria-label": "network diagram", "font-family": "sans-serif"}, frame);
  const links = svgEl("g", {class: "pg-links", fill: "none"}, svg);
  views.links = network.links.map(([x1, y1, x2, y2], index) => {
    const group = svgEl("g", {class: "link", "data-tip": `l${index}`}, links);
    const d = `M${x1} ${y1}L${x2} ${y2}`;
    svgEl("path", {d, class: "pg-hit"}, group);
    return svgEl("path", {d, stroke: network.no_weight[0], "stroke-width": network.no_weight[1]}, group);
  });
  views.tiles = [];
  const r = network.radius;
  network.nodes.forEach(([x, y, kind, , label, anchor, labelX, tile], index) => {
    const [fill, edge] = network.kinds[kind];
    const group = svgEl("g", {class: `node pg-node-${["input", "hidden", "output"][kind]}`, "data-tip": `n${index}`}, svg);
    svgEl("circle", {cx: x, cy: y, r, fill, stroke: edge, "stroke-width": 1.5}, group);
    if (label) {
      const text = svgEl("text", {x: labelX, y: y + 4, "font-size": 13, fill: "#444", "text-anchor": anchor}, svg);
      text.textContent = label;
    }
    if (tile >= 0) {
      // The neuron's picture: a canvas over the node (the SVG's box has the diagram's aspect ratio, so
      // percentages of it are the diagram's own coordinates), its outline drawn by CSS.
      const canvas = el("canvas", {class: "pg-neuron", width: network.cells, height: network.cells,
                                   style: `left:${(x - r) / network.width * 100}%;top:${(y - r) / network.height * 100}%;`
                                     + `width:${2 * r / network.width * 100}%;height:${2 * r / network.height * 100}%;`
                                     + `border-color:${edge}`}, frame);
      canvas.hidden = true;
      views.tiles[tile] = canvas;
    }
  });
  for (const [x, y] of network.ellipses) {
    svgEl("text", {x, y: y + 6, "font-size": 18, fill: "#444", "text-anchor": "middle"}, svg).textContent = "⋮";
  }
  for (const [x, y, first, second] of network.titles) {
    const text = svgEl("text", {x, y, "font-size": network.font, fill: "#222", "text-anchor": "middle"}, svg);
    text.append(first);
    const next = svgEl("tspan", {x, dy: network.font * 1.17}, text);
    next.textContent = second;
  }
  el("p", {class: "pg-caption"}, box).textContent = network.caption;
}

// The +/- buttons of TensorFlow Playground: a hidden layer more or less (under the inputs), a unit more or less
// (under each hidden layer). The page applies them to its controls (a trigger value, then a page run).
function buildEditor(state, row) {
  const network = state.scene.network, edit = network.edit;
  const button = (parent, text, label, change, disabled) => {
    const element = el("button", {type: "button", class: "pg-edit-button", "aria-label": label, title: label}, parent);
    element.textContent = text;
    element.disabled = disabled;
    element.addEventListener("click", () => state.setTriggerValue?.("spec_change", {...change, at: Date.now()}));
  };
  const place = x => `left:${x / network.width * 100}%`;
  const layers = el("span", {class: "pg-edit-group pg-edit-layers", style: place(network.titles[0][0])}, row);
  const count = edit.units.length;
  button(layers, "−", "Remove the last hidden layer", {layers: -1}, count === 0);
  el("span", {class: "pg-edit-label"}, layers).textContent = "layers";
  button(layers, "+", "Add a hidden layer", {layers: 1}, count >= edit.max_layers);
  edit.units.forEach((units, index) => {
    const group = el("span", {class: "pg-edit-group", style: place(network.titles[index + 1][0])}, row);
    button(group, "−", `Remove a unit from hidden layer ${index + 1}`, {units: [index, -1]}, units <= 1);
    button(group, "+", `Add a unit to hidden layer ${index + 1}`, {units: [index, 1]}, units >= edit.max_units);
  });
}

function buildOutput(state, box) {
  const output = state.scene.output, views = state.views;
  const size = output.pixels;
  if (output.mode === "none") {
    el("p", {class: "pg-caption"}, box).textContent = output.caption;
    return;
  }
  const frame = el("div", {class: "pg-output-box", style: `width:${size}px;height:${size}px`}, box);
  views.picture = el("img", {class: "pg-boundary", width: size, height: size, alt: output.alt}, frame);
  views.canvas = el("canvas", {width: output.resolution, height: output.resolution});
  views.pixels = views.canvas.getContext("2d").createImageData(output.resolution, output.resolution);
  const points = svgEl("svg", {class: "pg-points-layer", viewBox: "0 0 300 300"}, frame);
  points.innerHTML = `<g transform="translate(0.5 0.5)" fill="none" stroke-linecap="round">${output.points}</g>`;
  views.palette = decode(output.palette, Uint8Array);
  if (output.legend.length) {
    const legend = el("div", {class: "pg-class-legend"}, box);
    for (const [name, color] of output.legend) {
      const entry = el("span", {}, legend);
      el("span", {class: "pg-swatch", style: `background:${color}`}, entry);
      entry.append(name);
    }
  }
  el("p", {class: "pg-caption"}, box).textContent = output.caption;
}

// ---- the tooltip: a link's weight, a node's bias ---------------------------------------------------------------
function tipText(state, key) {
  const network = state.scene.network, index = parseInt(key.slice(1));
  if (key[0] === "l") {
    const weight = state.linkWeights ? state.linkWeights[index] : null;
    return network.links[index][4] + (weight === null || weight === undefined ? "no weight yet" : `w = ${weight.toFixed(4)}`);
  }
  const bias = state.biases ? state.biases[index] : NaN;
  return network.nodes[index][3] + (Number.isFinite(bias) ? `, bias = ${bias.toFixed(4)}` : "");
}
function showTip(state, event) {
  const target = event.target.closest?.("[data-tip]");
  if (!target || !state.root.contains(target)) return;
  state.tipKey = target.dataset.tip;
  state.views.tip.textContent = tipText(state, state.tipKey);
  state.views.tip.hidden = false;
  moveTip(state, event);
}
function moveTip(state, event) {
  const tip = state.views.tip;
  if (tip.hidden) return;
  tip.style.left = `${event.clientX + 12}px`;
  tip.style.top = `${event.clientY + 14}px`;
}

// ---- applying messages ----------------------------------------------------------------------------------------
function accept(state, message) {
  if (!message || message.scene_id !== state.sceneId) {
    if (message && state.resyncSentFor !== message.scene_id) {  // another scene's frame: ask for a full one
      state.resyncSentFor = message.scene_id;
      send(state, {resync: true});
    }
    return;
  }
  if (message.job_id !== state.jobId && !message.full) {
    send(state, {resync: true});
    return;
  }
  state.jobId = message.job_id;
  if (message.status) { state.status = message.status; state.dirty.add("status"); }
  if (message.reset_history) {
    state.cols = [[], [], [], [], []];
    state.curveCache = null;
    const columns = message.history_columns;
    if (columns && columns.length) {
      const values = decode(columns.data, Float32Array), n = columns.length;
      state.cols = [0, 1, 2, 3, 4].map(column => Array.from(values.subarray(column * n, (column + 1) * n)));
    }
    state.dirty.add("curve");
  }
  if (message.history && message.history.length) {
    for (const row of message.history) row.forEach((value, column) => state.cols[column].push(value === null ? NaN : value));
    state.dirty.add("curve");
  }
  if (message.weights) { state.weights = message.weights; state.dirty.add("weights"); }
  if (message.grids) { state.grids = message.grids; state.dirty.add("grids"); }
  schedule(state);
}

function schedule(state) {
  if (!state.raf && state.dirty.size) state.raf = requestAnimationFrame(() => paint(state));
}

function paint(state) {
  state.raf = 0;
  if (!state.root || !state.root.isConnected || !state.dirty.size) return;
  const dirty = state.dirty;
  state.dirty = new Set();
  if (dirty.has("status") && state.status) paintStatus(state);
  if (dirty.has("weights") && state.weights) paintWeights(state);
  if (dirty.has("grids") && state.grids) paintGrids(state);
  if (dirty.has("curve")) paintCurve(state);
  state.frames += 1;
  state.root.dataset.frames = String(state.frames);
  state.root.dataset.epoch = state.status ? state.status.epoch.replace(/,/g, "") : "";
}

function paintStatus(state) {
  const status = state.status, views = state.views;
  views.epoch.textContent = status.epoch;
  status.metrics.forEach(([label, value], index) => {
    views.metrics[index][0].textContent = label;
    views.metrics[index][1].textContent = value;
  });
  views.line.textContent = status.line;
  views.line.hidden = !status.line;
  views.alert.hidden = !status.alert;
  if (status.alert) {
    views.alert.className = `pg-alert pg-alert-${status.alert[0]}`;
    views.alert.textContent = status.alert[1];
  }
  views.note.hidden = !status.note;
  views.note.textContent = status.note || "";
  if (status.ended && state.triggered !== status.ended && state.scene.training) {
    state.triggered = status.ended;  // the run paused or ended: the page re-runs (Play instead of Pause, ...)
    state.setTriggerValue?.("run_ended", status.ended);
  }
}

function paintWeights(state) {
  const network = state.scene.network, links = state.views.links;
  const weights = decode(state.weights.links, Float32Array);
  state.linkWeights = weights;
  state.biases = decode(state.weights.biases, Float32Array);
  if (!weights || weights.length !== links.length) {
    state.linkWeights = null;
    for (const line of links) { line.setAttribute("stroke", network.no_weight[0]); line.setAttribute("stroke-width", network.no_weight[1]); }
  } else {
    let largest = 0;
    for (const weight of weights) largest = Math.max(largest, Math.abs(weight));
    const [thin, wide] = network.link_width;
    weights.forEach((weight, index) => {
      const share = largest > 0 ? Math.abs(weight) / largest : 0;
      links[index].setAttribute("stroke", weight >= 0 ? network.signs[0] : network.signs[1]);
      links[index].setAttribute("stroke-width", (thin + (wide - thin) * share).toFixed(2));
    });
  }
  if (!state.views.tip.hidden && state.tipKey && state.tipKey !== "curve") state.views.tip.textContent = tipText(state, state.tipKey);
}

function paintGrids(state) {
  const views = state.views, scene = state.scene;
  const palette = views.palette;
  const scale = views.scale || (views.scale = decode(scene.network.palette, Uint8Array));
  const neurons = decode(state.grids.neurons, Uint8Array);
  const cells = scene.network.cells, tileSize = cells * cells;
  views.tiles.forEach((canvas, tile) => {
    if (!canvas) return;
    if (!neurons || neurons.length < (tile + 1) * tileSize) { canvas.hidden = true; return; }
    const context = canvas.getContext("2d");
    const image = canvas.__image || (canvas.__image = context.createImageData(cells, cells));
    fillLevels(image.data, neurons.subarray(tile * tileSize, (tile + 1) * tileSize), scale);
    context.putImageData(image, 0, 0);
    canvas.hidden = false;
  });
  const output = decode(state.grids.output, Uint8Array);
  if (output && views.picture) {
    const data = views.pixels.data;
    if (scene.output.mode === "classes") {
      const count = output.length / 2, neutral = scene.output.neutral;
      for (let cell = 0; cell < count; cell++) {
        const colour = output[cell] * 3, confidence = output[count + cell] / 255;
        for (let channel = 0; channel < 3; channel++) {
          const base = neutral[channel];
          data[4 * cell + channel] = Math.round(base + (palette[colour + channel] - base) * confidence);
        }
        data[4 * cell + 3] = 255;
      }
    } else {
      fillLevels(data, output, palette);
    }
    views.canvas.getContext("2d").putImageData(views.pixels, 0, 0);
    // A data URL loads at once in Chromium: the picture is never without its pixels between two updates.
    views.picture.src = views.canvas.toDataURL();
  }
}

function fillLevels(data, levels, palette) {
  for (let cell = 0; cell < levels.length; cell++) {
    const colour = levels[cell] * 3;
    data[4 * cell] = palette[colour];
    data[4 * cell + 1] = palette[colour + 1];
    data[4 * cell + 2] = palette[colour + 2];
    data[4 * cell + 3] = 255;
  }
}

// ---- the loss curve: curve_svg.py's chart, drawn from the history ---------------------------------------------
// The smoothed series (curves.smooth, as HistoryColumns.column) and their extremes, grown with the new epochs
// only: a paint costs the points drawn (one per pixel of the plot's width), not the length of the history.
function curveSeries(state) {
  const smoothing = state.scene.curve.smoothing, cols = state.cols, length = cols[0].length;
  let cache = state.curveCache;
  if (!cache || cache.smoothing !== smoothing || cache.n > length) {
    cache = state.curveCache = {smoothing, n: 0, hasMetric: false,
      series: smoothing > 0 ? [[], [], [], []] : cols.slice(1),
      last: [NaN, NaN, NaN, NaN],
      ext: [0, 1, 2, 3].map(() => ({lo: Infinity, hi: -Infinity, loPos: Infinity, hiPos: -Infinity}))};
  }
  for (let index = cache.n; index < length; index++) {
    if (Number.isFinite(cols[3][index])) cache.hasMetric = true;
    for (let series = 0; series < 4; series++) {
      const raw = cols[series + 1][index];
      let value = raw;
      if (smoothing > 0) {
        let last = index === 0 ? raw : cache.last[series];
        if (Number.isFinite(raw)) last = last * smoothing + (1 - smoothing) * raw;
        cache.last[series] = last;
        cache.series[series].push(last);
        value = last;
      }
      if (Number.isFinite(value)) {
        const ext = cache.ext[series];
        if (value < ext.lo) ext.lo = value;
        if (value > ext.hi) ext.hi = value;
        if (value > 0 && value < ext.loPos) ext.loPos = value;
        if (value > 0 && value > ext.hiPos) ext.hiPos = value;
      }
    }
  }
  cache.n = length;
  return cache;
}

function rangeOf(exts, log) {  // curve_svg._range over the series of exts (log: of their positive values)
  let low = Infinity, high = -Infinity;
  for (const ext of exts) {
    const [lo, hi] = log ? [Math.log10(ext.loPos), Math.log10(ext.hiPos)] : [ext.lo, ext.hi];
    if (Number.isFinite(lo) && lo < low) low = lo;
    if (Number.isFinite(hi) && hi > high) high = hi;
  }
  if (!(Number.isFinite(low) && Number.isFinite(high))) return null;
  if (high === low) return [low - 1, high + 1];
  const pad = (high - low) * PADDING / (1 - 2 * PADDING);
  return [low - pad, high + pad];
}

function paintCurve(state) {
  const curve = state.scene.curve, epochs = state.cols[0], length = epochs.length;
  const {width, height, metric} = curve;
  const cache = curveSeries(state);
  const hasMetric = length > 0 && cache.hasMetric;
  const data = cache.series.slice(0, hasMetric ? 4 : 2);
  const lossRange = rangeOf(cache.ext.slice(0, 2), curve.log) || (curve.log ? [-1, 0] : [0, 1]);
  const metricRange = metric === "accuracy" ? [0, 1.02] : hasMetric ? rangeOf(cache.ext.slice(2), false) : null;
  const xHigh = Math.max(length ? epochs[length - 1] : 0, MIN_EPOCH_RANGE);
  const top = 20 + LEGEND_ROW * (hasMetric ? 2 : 1), bottom = height - BOTTOM, plotHeight = bottom - top;
  let lossTicks;
  if (curve.log) lossTicks = logTicks(lossRange[0], lossRange[1], plotHeight, 40);
  else { const [ticks, step] = linearTicks(lossRange[0], lossRange[1], plotHeight, 40); lossTicks = ticks.map(tick => [tick, tickLabel(tick, step)]); }
  let metricTicks = [];
  if (hasMetric && metric === "accuracy") metricTicks = [0, 0.25, 0.5, 0.75, 1].map(value => [value, `${Math.round(value * 100)}%`]);
  else if (hasMetric && metricRange) { const [ticks, step] = linearTicks(metricRange[0], metricRange[1], plotHeight, 40); metricTicks = ticks.map(tick => [tick, tickLabel(tick, step)]); }
  const left = TITLE_ROOM + LABEL_GAP + Math.max(FONT, ...lossTicks.map(([, text]) => textWidth(text)));
  const right = width - (hasMetric ? TITLE_ROOM + LABEL_GAP + Math.max(FONT, ...metricTicks.map(([, text]) => textWidth(text))) : 10);
  const plotWidth = right - left;

  const svg = svgEl("svg", {width, height, viewBox: `0 0 ${width} ${height}`, "font-family": FONT_FAMILY, "font-size": FONT,
                            role: "img", "aria-label": "loss curve", style: "display:block;background:white",
                            "data-scale": curve.log ? "log" : "linear"});
  const edges = `M${(left - PAD).toFixed(1)} ${top}V${bottom + PAD}M${(left - PAD).toFixed(1)} ${bottom + PAD}H${(right + PAD).toFixed(1)}`
    + (hasMetric ? `M${(right + PAD).toFixed(1)} ${top}V${bottom + PAD}` : "");
  svgEl("path", {d: edges, stroke: AXIS_COLOR, "stroke-width": 1, fill: "none"}, svg);
  const texts = svgEl("g", {fill: TICK_COLOR}, svg);
  const text = (attributes, content) => { svgEl("text", attributes, texts).textContent = content; };
  const middle = (top + bottom) / 2;
  text({x: ((left + right) / 2).toFixed(1), y: bottom + 42, "text-anchor": "middle", "font-size": TITLE_FONT}, "epoch");
  text({transform: `translate(20 ${middle.toFixed(1)}) rotate(-90)`, "text-anchor": "middle", "font-size": TITLE_FONT}, "loss");
  if (hasMetric) {
    text({transform: `translate(${width - 15} ${middle.toFixed(1)}) rotate(-90)`, "text-anchor": "middle", "font-size": TITLE_FONT}, curve.label);
    for (const [tick, label] of metricTicks) {
      text({x: (right + LABEL_GAP).toFixed(1), y: (bottom - (tick - metricRange[0]) / (metricRange[1] - metricRange[0]) * plotHeight + 4).toFixed(1)}, label);
    }
  }
  const [xTicks, xStep] = linearTicks(0, xHigh, plotWidth, 80);
  for (const tick of xTicks) text({x: (left + tick / xHigh * plotWidth).toFixed(1), y: bottom + 23, "text-anchor": "middle"}, tickLabel(tick, xStep));
  const [low, high] = lossRange;
  const lossY = value => bottom - (value - low) / (high - low) * plotHeight;
  let grid = "";
  for (const [tick, label] of lossTicks) {
    const y = lossY(tick);
    grid += `M${left.toFixed(1)} ${y.toFixed(1)}H${right.toFixed(1)}`;
    if (label) text({x: (left - LABEL_GAP).toFixed(1), y: (y + 4).toFixed(1), "text-anchor": "end"}, label);
  }
  svgEl("path", {d: grid, stroke: GRID_COLOR, "stroke-width": 1, fill: "none"}, svg);
  const clip = svgEl("clipPath", {id: `pg-live-plot-${state.key}`}, svg);
  svgEl("rect", {x: left.toFixed(1), y: top, width: plotWidth.toFixed(1), height: plotHeight}, clip);
  const plot = svgEl("g", {"clip-path": `url(#pg-live-plot-${state.key})`, "data-points": length, fill: "none", "stroke-linejoin": "round"}, svg);
  const step = Math.max(1, Math.ceil(length / Math.max(Math.floor(plotWidth), 2)));
  const shown = [];
  for (let index = 0; index < length; index += step) shown.push(index);
  if (length && shown[shown.length - 1] !== length - 1) shown.push(length - 1);
  data.forEach((row, series) => {
    const toY = series < 2 ? lossY : value => bottom - (value - metricRange[0]) / (metricRange[1] - metricRange[0]) * plotHeight;
    let points = [];
    const flush = () => {
      if (points.length) {
        svgEl("polyline", {points: points.join(" "), stroke: COLORS[series], "stroke-width": series < 2 ? 2 : 1.5,
                           ...(series < 2 ? {} : {"stroke-dasharray": "3 3"})}, plot);
      }
      points = [];
    };
    for (const index of shown) {
      const value = series < 2 && curve.log ? (row[index] > 0 ? Math.log10(row[index]) : NaN) : row[index];
      if (!Number.isFinite(value)) { flush(); continue; }
      points.push(`${(left + epochs[index] / xHigh * plotWidth).toFixed(1)},${toY(value).toFixed(1)}`);
    }
    flush();
  });
  const names = ["train loss", "test loss", `train ${curve.short}`, `test ${curve.short}`].slice(0, hasMetric ? 4 : 2);
  const entryWidth = (right - left) / 2;
  names.forEach((name, index) => {
    const x = left + 5 + (index % 2) * entryWidth, y = 23 + LEGEND_ROW * Math.floor(index / 2);
    svgEl("path", {d: `M${x.toFixed(1)} ${y}h30`, stroke: COLORS[index], "stroke-width": index < 2 ? 2 : 1.5,
                   ...(index >= 2 ? {"stroke-dasharray": "3 3"} : {})}, svg);
    svgEl("text", {x: (x + 35).toFixed(1), y: y + 4.5, "font-size": LEGEND_FONT, fill: LEGEND_COLOR}, svg).textContent = name;
  });
  state.curveGeometry = {left, plotWidth, top, bottom, xHigh};
  const guide = state.views.curveGuide;
  state.views.curve.replaceChildren(svg);  // one swap: never a frame without the chart
  if (guide && !guide.hidden) state.views.curve.appendChild(guide);
  if (state.curveTipX !== undefined && !state.views.tip.hidden && state.tipKey === "curve") {
    curveTipAt(state, state.curveTipX, state.curveTipEvent);
  }
}

// Hovering the curve: a vertical guide at the nearest drawn epoch and its values (the role Plotly's hover had).
function nearestIndex(epochs, epoch) {
  let low = 0, high = epochs.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (epochs[middle] < epoch) low = middle + 1; else high = middle;
  }
  return low > 0 && epoch - epochs[low - 1] < epochs[low] - epoch ? low - 1 : low;
}
function curveTipText(state, index) {
  const curve = state.scene.curve, cols = state.cols;
  const number = value => Number.isFinite(value) ? value.toFixed(4) : "–";
  const metric = value => !Number.isFinite(value) ? "–" : curve.metric === "accuracy" ? `${(100 * value).toFixed(1)}%` : value.toFixed(3);
  const parts = [`Epoch ${withCommas(cols[0][index])}`, `train loss ${number(cols[1][index])}`, `test loss ${number(cols[2][index])}`];
  if (Number.isFinite(cols[3][index]) || Number.isFinite(cols[4][index])) {
    parts.push(`train ${curve.short} ${metric(cols[3][index])}`, `test ${curve.short} ${metric(cols[4][index])}`);
  }
  return parts.join(" · ");
}
function curveTipAt(state, x, event) {
  const geometry = state.curveGeometry, epochs = state.cols[0], views = state.views;
  if (!geometry || !epochs.length || x < geometry.left - 4 || x > geometry.left + geometry.plotWidth + 4) {
    hideCurveTip(state);
    return;
  }
  const epoch = (x - geometry.left) / geometry.plotWidth * geometry.xHigh;
  const index = nearestIndex(epochs, epoch);
  if (!views.curveGuide) views.curveGuide = el("div", {class: "pg-curve-guide"});
  const guide = views.curveGuide;
  guide.style.left = `${(geometry.left + epochs[index] / geometry.xHigh * geometry.plotWidth).toFixed(1)}px`;
  guide.style.top = `${geometry.top}px`;
  guide.style.height = `${geometry.bottom - geometry.top}px`;
  guide.hidden = false;
  if (guide.parentElement !== views.curve) views.curve.appendChild(guide);
  state.tipKey = "curve";
  views.tip.textContent = curveTipText(state, index);
  views.tip.hidden = false;
  views.curve.dataset.hoverEpoch = String(epochs[index]);
  if (event) moveTip(state, event);
}
function showCurveTip(state, event) {
  const x = event.clientX - state.views.curve.getBoundingClientRect().left;
  state.curveTipX = x;
  state.curveTipEvent = {clientX: event.clientX, clientY: event.clientY};
  curveTipAt(state, x, event);
}
function hideCurveTip(state) {
  const views = state.views;
  state.curveTipX = undefined;
  if (views.curveGuide) views.curveGuide.hidden = true;
  if (state.tipKey === "curve") { views.tip.hidden = true; state.tipKey = null; }
  delete views.curve.dataset.hoverEpoch;
}

// ---- the live channel ---------------------------------------------------------------------------------------
function send(state, message) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
}

function connect(state) {
  const ticket = state.ticket;
  if (!ticket || state.closed) return;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${scheme}//${location.host}${ticket.path}?token=${encodeURIComponent(ticket.token)}`);
  state.ws = ws;
  ws.onopen = () => {
    state.wsOpened = true;
    state.wsTries = 0;
    ws.send(JSON.stringify({resync: true}));
  };
  ws.onmessage = event => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    accept(state, message);
  };
  ws.onclose = event => {
    if (state.ws !== ws) return;
    state.ws = null;
    if (state.closed || event.code === 4410) { state.retry = 0; return; }  // the session is over
    if (event.code === 4401 || event.code === 1011) {
      // The server forgot this page's token, or could not build its frames: refresh the fragment instead of
      // waiting, frozen, for a page run that nothing would start.
      state.retry = 0;
      state.setStateValue?.("channel_failed", true);
      return;
    }
    state.wsTries += 1;
    if (!state.wsOpened && state.wsTries >= RECONNECT_TRIES) {
      state.setStateValue?.("channel_failed", true);  // the page falls back to refreshing its fragment
      return;
    }
    clearTimeout(state.retry);
    state.retry = setTimeout(() => connect(state), Math.min(5000, 250 * 2 ** state.wsTries));
  };
}

export default function (component) {
  const {data, parentElement, setTriggerValue, setStateValue, key} = component;
  const state = stateOf(parentElement);
  state.setTriggerValue = setTriggerValue;
  state.setStateValue = setStateValue;
  state.key = key;
  if (!data || !data.scene) return;
  let root = parentElement.querySelector(".pg-live-component");
  if (!root) root = el("div", {class: "pg-live pg-live-component"}, parentElement);
  const newRoot = state.root !== root;
  state.root = root;
  const scene = data.scene;
  let rebuilt = false;
  if (newRoot || state.sceneId !== scene.scene_id) {
    rebuilt = true;
    const keep = state.sceneId !== null && !newRoot;
    state.scene = scene;
    state.sceneId = scene.scene_id;
    const previous = {status: state.status, weights: state.weights, grids: state.grids};
    buildViews(state);
    if (keep && data.frame?.job_id === state.jobId) Object.assign(state, previous);  // no blank until the frame
    state.resyncSentFor = null;
  }
  const frame = data.frame;
  const newFrame = !!frame && frame !== state.pageFrame;
  if (newFrame) {
    state.pageFrame = frame;
    // The page's own frame (a full one, taken at this page run): newer than what the channel drew unless the
    // channel is ahead in the same run.
    const drawn = state.cols[0].length;
    const behind = frame.job_id === state.jobId && (frame.history_columns?.length ?? 0) < drawn;
    if (!behind || frame.scene_id !== state.sceneId) accept(state, frame);
  }
  // New views, or a new page frame: ask the channel for a full message. Which came first, a page frame or the
  // channel's last message, is not known: the channel may have said "Paused" before this frame (taken while
  // training) arrived, and it sends only what changed since its own last message.
  if (rebuilt || newFrame) send(state, {resync: true});
  const ticket = data.ticket || null;
  // A new ticket, or the same one after the channel closed for good (the session lost its connection for a
  // while, or the server forgot the token): this page run is the page coming back, so try again.
  if (ticket && (!state.ticket || state.ticket.token !== ticket.token || (!state.ws && !state.retry))) {
    state.ticket = ticket;
    if (state.ws) { const old = state.ws; state.ws = null; old.close(); }
    state.wsTries = 0;
    state.wsOpened = false;
    connect(state);
  } else if (!ticket && state.ws) {
    state.ticket = null;
    const old = state.ws; state.ws = null; old.close();
  }
  if (rebuilt) {  // new elements: drawn now, so that no frame (nor a script) ever sees them empty
    if (state.raf) { cancelAnimationFrame(state.raf); state.raf = 0; }
    paint(state);
  }
  schedule(state);
  return () => {  // at unmount only
    state.closed = true;
    clearTimeout(state.retry);
    if (state.ws) { const old = state.ws; state.ws = null; old.close(); }
    if (state.raf) cancelAnimationFrame(state.raf);
    delete parentElement.__pgLive;
  };
}

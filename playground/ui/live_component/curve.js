// The live views' loss curve (part of the live component's script: playground/ui/live_component.py joins
// dom.js, curve.js, views.js and live.js into one module): curve_svg.py's chart, drawn from the history
// columns, with its axes' numbers as Python writes them and a hover for an epoch's values.

const FONT_FAMILY = "'Source Sans', sans-serif";
const FONT = 12, LEGEND_FONT = 10, TITLE_FONT = 14;
const TICK_COLOR = "#808495", LEGEND_COLOR = "#262730", AXIS_COLOR = "#ccc", GRID_COLOR = "#eee";
const TITLE_ROOM = 24, PAD = 8.5, LABEL_GAP = 11, LEGEND_ROW = 19, BOTTOM = 51;
const CHARACTER_EMS = {".": 0.25, "-": 0.33, "%": 0.83, "k": 0.5};
const PADDING = 0.05, MIN_EPOCH_RANGE = 10;
const TRAIN_COLOR = "#333333", TEST_COLOR = "#0877bd";
const COLORS = [TRAIN_COLOR, TEST_COLOR, TRAIN_COLOR, TEST_COLOR];

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

// The live views built from the scene and painted from the latest frame: the network diagram with its
// tooltips and +/- buttons, the output view and the neuron thumbnails, the status texts (part of the live
// component's script: playground/ui/live_component.py joins dom.js, curve.js, views.js and live.js).

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

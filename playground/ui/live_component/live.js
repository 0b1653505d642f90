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
//
// This part: the state on the parent element, applying messages and scheduling paints, the live channel, and
// the entry point; dom.js, curve.js and views.js hold the rest (playground/ui/live_component.py joins them).

const RECONNECT_TRIES = 3;
// The frames of one message (`earlier` ones, then the message) are drawn a share of the time since the message
// before apart, so that they spread until the next one: at most this much, and at least one animation frame
// (60 Hz), or the first would never be seen.
const MAX_FRAME_GAP_MS = 100;
const MIN_FRAME_GAP_MS = 20;

// ---- state on the parent element -----------------------------------------------------------------------------
function stateOf(parentElement) {
  if (!parentElement.__pgLive) {
    parentElement.__pgLive = {
      root: null, scene: null, sceneId: null, jobId: null, ws: null, wsTries: 0, wsOpened: false, closed: false,
      cols: [[], [], [], [], []], curveCache: null, status: null, weights: null, grids: null, dirty: new Set(), raf: 0, frames: 0,
      triggered: null, resyncSentFor: null, ticket: null, retry: 0, pageFrame: null,
      pending: [], pendingTimer: 0, lastMessageAt: 0,
    };
  }
  return parentElement.__pgLive;
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
    appendColumns(state, message.history_columns);
    state.dirty.add("curve");
  }
  if (message.history_added && message.history_added.length) {
    appendColumns(state, message.history_added);
    state.dirty.add("curve");
  }
  if (message.weights) { state.weights = message.weights; state.dirty.add("weights"); }
  if (message.grids) { state.grids = message.grids; state.dirty.add("grids"); }
  schedule(state);
}

// A message may carry the frames to draw before it (`earlier`: a training worker's states a tick apart, which
// the server sends together, one message for two pictures): the first is drawn at once, the next ones spread
// over the time until the next message. A message that arrives meanwhile draws what is left first, in order.
function play(state, message) {
  flushPending(state);
  const now = performance.now();
  const since = state.lastMessageAt ? now - state.lastMessageAt : 0;
  state.lastMessageAt = now;
  const earlier = message.earlier;
  if (!Array.isArray(earlier) || !earlier.length) { accept(state, message); return; }
  delete message.earlier;
  const frames = [...earlier, message];
  const gap = Math.min(MAX_FRAME_GAP_MS, Math.max(MIN_FRAME_GAP_MS, since / frames.length));
  accept(state, frames[0]);
  state.pending = frames.slice(1);
  const next = () => {
    state.pendingTimer = 0;
    const frame = state.pending.shift();
    if (frame) accept(state, frame);
    if (state.pending.length) state.pendingTimer = setTimeout(next, gap);
  };
  state.pendingTimer = setTimeout(next, gap);
}

function flushPending(state) {
  clearTimeout(state.pendingTimer);
  state.pendingTimer = 0;
  const pending = state.pending;
  state.pending = [];
  for (const frame of pending) accept(state, frame);
}

function appendColumns(state, columns) {  // {length: n, data: base64 of five float32 columns of n records}
  if (!columns || !columns.length) return;
  const values = decode(columns.data, Float32Array), n = columns.length;
  for (let column = 0; column < 5; column++) {
    const target = state.cols[column];
    for (let index = column * n; index < (column + 1) * n; index++) target.push(values[index]);
  }
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
    if (message) play(state, message);
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
    flushPending(state);  // the channel's frames of its last message, drawn now: they count as drawn below
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
    clearTimeout(state.pendingTimer);
    if (state.ws) { const old = state.ws; state.ws = null; old.close(); }
    if (state.raf) cancelAnimationFrame(state.raf);
    delete parentElement.__pgLive;
  };
}

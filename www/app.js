// The playground: wires the page to one model-hotload Server on the real clock.
// Every request goes through server.handleRequest; the module validates, the
// page only shows what it answers.
import init, { Server } from "./pkg/model_hotload.js";
import { $, h, alertIn } from "./dom.js";
import { Loads } from "./loads.js";
import { renderCapacity, renderCurrent, renderMetrics, renderModels } from "./panels.js";
import { clockText, logEvent } from "./events.js";
import { setUpConsole } from "./console.js";

const STANDARD_CAPABILITIES = ["text-generation", "text-classification", "chat", "code-generation", "embeddings"];
/** Where the server saves its state (localStorage), and the page its time scale. */
const STATE_KEY = "model-hotload-playground";
const SCALE_KEY = `${STATE_KEY}.time-scale`;

await init();
const savedScale = localStorage.getItem(SCALE_KEY);
if (savedScale && [...$("time-scale").options].some((o) => o.value === savedScale)) $("time-scale").value = savedScale;
const server = new Server({ timeScale: Number($("time-scale").value), persist: STATE_KEY });
let dirty = true; // panels need a refresh
let lastJob = null;

// --- capabilities: the five standard tags, plus custom ones ---
const capabilityList = $("capability-list");
function addCapability(tag, checked) {
  const existing = [...capabilityList.querySelectorAll("input")].find((i) => i.value === tag);
  if (existing) { existing.checked = true; return existing; }
  const box = h("input", { type: "checkbox", name: "capability", value: tag, checked });
  capabilityList.append(h("label", { class: "chip-check" }, box, h("span", { text: tag })));
  return box;
}
for (const tag of STANDARD_CAPABILITIES) addCapability(tag, tag === "text-generation" || tag === "chat");
function addCustomTag() {
  const input = $("custom-tag");
  const tag = input.value.trim();
  if (!tag) return;
  addCapability(tag, true); // the module judges the tag when the model is loaded
  input.value = "";
}
$("add-tag").addEventListener("click", addCustomTag);
$("custom-tag").addEventListener("keydown", (e) => {
  if (e.key === "Enter") { e.preventDefault(); addCustomTag(); }
});

// --- loads ---
const loads = new Loads({
  list: $("loads"), empty: $("loads-empty"), counter: $("active-count"),
  onCancel: async (jobId, name) => {
    const r = await server.handleRequest({ cancel_load: jobId });
    if (r.status === "error") alertIn($("hot-load-error"), `${name}: ${r.reason}`);
  },
});

// --- events drive the views ---
server.subscribe((e) => {
  if (e.type === "state_recovered") {
    const notice = $("notice");
    notice.textContent = `The saved state could not be used, so the playground started afresh (${e.reason}). The old text is kept in localStorage under "${STATE_KEY}.corrupt".`;
    notice.hidden = false;
    return;
  }
  logEvent($("events"), e);
  if (e.type === "load_started") { loads.add(e.job_id, e.model_name); lastJob = e.job_id; }
  if (e.type === "load_succeeded" || e.type === "load_failed") loads.jobEnded(e.job_id);
  dirty = true;
});

// --- hot load form ---
const nextName = (name) => {
  const m = name.match(/^(.*?)-(\d+)$/);
  return m ? `${m[1]}-${Number(m[2]) + 1}` : `${name}-2`;
};
$("hot-load-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const sizeText = $("size-gb").value.trim();
  const request = {
    hot_load: {
      model_name: $("model-name").value,
      model_config: {
        // Sent as typed: an empty or non-numeric size is the module's to reject.
        size_gb: sizeText === "" || Number.isNaN(Number(sizeText)) ? sizeText : Number(sizeText),
        tier: $("tier").value,
        capabilities: [...capabilityList.querySelectorAll("input:checked")].map((i) => i.value),
      },
    },
  };
  if ($("simulate-on").checked) {
    request.hot_load.simulate = { fail_at_progress: Number($("fail-at").value), error: $("fail-message").value };
  }
  const r = await server.handleRequest(request);
  if (r.status === "error") {
    alertIn($("hot-load-error"), r.reason);
    return;
  }
  alertIn($("hot-load-error"), "");
  $("model-name").value = nextName(r.model_name);
});
$("tier").addEventListener("change", () => {
  const size = $("size-gb");
  if ($("tier").value === "swap" && Number(size.value) <= 3) size.value = "6.5";
  if ($("tier").value === "ram" && Number(size.value) > 3) size.value = "1.2";
});

// --- selection ---
async function select(request, label) {
  const result = $("selection-result");
  const error = request.model !== undefined ? $("models-error") : $("select-error");
  alertIn($("models-error"), "");
  alertIn($("select-error"), "");
  result.hidden = false;
  result.dataset.state = "pending";
  result.replaceChildren(h("p", { text: `Selecting ${label}…` }));
  dirty = true;
  const r = await server.handleRequest(request);
  if (r.status === "error") {
    result.hidden = true;
    alertIn(error, r.reason);
    return;
  }
  result.dataset.state = "done";
  result.replaceChildren(
    h("p", { class: "chosen" }, h("strong", { text: r.model }), ` · ${r.size_gb} GB · ${r.tier}`),
    h("p", { class: "reason", text: r.selection_reason }),
    h("dl", { class: "figures" },
      h("dt", { text: "Selection time" }), h("dd", { text: `${r.selection_time_ms.toFixed(3)} ms` }),
      h("dt", { text: "Hot-swap" }), h("dd", { text: r.swap_executed ? `${r.swap_time} s (simulated)` : "none needed" }),
      h("dt", { text: "Targets met" }), h("dd", { text: r.performance_target_met ? "yes" : "no" })));
  dirty = true;
}
$("select-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const capabilities = $("select-caps").value.split(",").map((s) => s.trim()).filter(Boolean);
  const request = { priority: $("priority").value };
  if (capabilities.length) request.capabilities = capabilities;
  select(request, "by need");
});
const onUse = (name) => select({ model: name }, name);
async function onUnload(name) {
  const r = await server.handleRequest({ unload_model: name });
  alertIn($("models-error"), r.status === "error" ? r.reason : "");
  dirty = true;
}

// --- time scale, reset ---
$("time-scale").addEventListener("change", () => {
  server.setTimeScale(Number($("time-scale").value));
  localStorage.setItem(SCALE_KEY, $("time-scale").value);
  dirty = true;
});
$("reset").addEventListener("click", () => {
  stopped = true; // no more frames read the server
  server.free(); // before clearing, so that no timer saves the state again
  for (const key of [STATE_KEY, `${STATE_KEY}.corrupt`, SCALE_KEY]) localStorage.removeItem(key);
  location.reload();
});

// --- console ---
setUpConsole(() => server, {
  lastJob: () => lastJob,
  afterSend: () => { dirty = true; },
});

// --- one refresh per animation frame ---
async function refreshPanels() {
  const [list, status, metrics] = await Promise.all([
    server.handleRequest({ list_models: true }),
    server.handleRequest({ system_status: true }),
    server.handleRequest({ metrics: true }),
  ]);
  renderModels(list, status, { onUse, onUnload });
  renderCurrent(status);
  renderCapacity(status);
  renderMetrics(metrics);
}

let lastClock = "";
let stopped = false;
async function frame() {
  if (stopped) return;
  requestAnimationFrame(frame);
  await loads.refresh(server);
  if (dirty) { dirty = false; await refreshPanels(); }
  const clock = clockText(server.now()).slice(0, 8);
  if (clock !== lastClock) { $("sim-clock").textContent = clock; lastClock = clock; }
}
// Loads still in flight from before a reload get their bars back.
for (const job of (await server.handleRequest({ list_jobs: true })).jobs) {
  if (job.status === "loading") { loads.add(job.job_id, job.model_name); lastJob = job.job_id; }
}
await refreshPanels();
requestAnimationFrame(frame);
document.body.dataset.ready = "true";
// For tests and curious readers: the server, and the script time of the last bar refresh.
window.playground = { server, loads };

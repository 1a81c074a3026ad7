// The read-only panels: models table, capacity, metrics, current model. Each
// re-renders only when its data changed, so keyboard focus is not lost.
import { $, h, gb } from "./dom.js";

let lastModels = "";

/** The library table, with Use / Unload per row. */
export function renderModels(list, status, { onUse, onUnload }) {
  const key = JSON.stringify([list.models, status.current_model, status.swapping_to]);
  if (key === lastModels) return;
  lastModels = key;
  const tbody = $("models").tBodies[0];
  const focused = document.activeElement?.getAttribute("aria-label");
  const rows = Object.entries(list.models).map(([name, m]) => {
    const current = status.current_model === name;
    const incoming = status.swapping_to === name;
    return h("tr", { class: current ? "current" : incoming ? "incoming" : "" },
      h("th", { scope: "row" },
        h("span", { class: "model-name", text: name }),
        current ? h("span", { class: "badge", text: "current" }) : null,
        incoming ? h("span", { class: "badge incoming", text: "swapping in" }) : null),
      h("td", { class: "num", text: gb(m.size_gb) }),
      h("td", {}, h("span", { class: `tier-tag ${m.tier}`, text: m.tier })),
      h("td", {}, h("span", { class: "chips" }, m.capabilities.map((c) => h("span", { class: "chip", text: c })))),
      h("td", { class: "row-actions" },
        h("button", { type: "button", class: "small", "aria-label": `Use ${name}`, onclick: () => onUse(name), disabled: current }, "Use"),
        h("button", { type: "button", class: "small secondary", "aria-label": `Unload ${name}`, onclick: () => onUnload(name) }, "Unload")));
  });
  tbody.replaceChildren(...rows);
  if (focused) {
    const again = [...tbody.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused);
    if (again && !again.disabled) again.focus();
  }
  if (rows.length === 0) {
    tbody.append(h("tr", {}, h("td", { colspan: 5, class: "empty", text: "The library is empty." })));
  }
}

/** Current model and any swap in progress, in the header. */
export function renderCurrent(status) {
  $("current-model").textContent = status.current_model ?? "none";
  const swapping = $("swapping");
  swapping.hidden = !status.swapping_to;
  swapping.textContent = status.swapping_to ? `swapping to ${status.swapping_to}…` : "";
}

function renderTier(prefix, t) {
  const used = t.total_gb > 0 ? (t.resident_gb + t.reserved_gb) / t.total_gb : 0;
  $(`${prefix}-meter`).value = Math.min(1, used);
  $(`${prefix}-used`).textContent = `${Math.round(used * 100)}% used`;
  $(`${prefix}-figures`).textContent =
    `${gb(t.resident_gb)} resident · ${gb(t.reserved_gb)} reserved · ${gb(Math.max(0, t.free_gb))} free of ${gb(t.total_gb)}. Next load: up to ${gb(t.safe_limit_gb)}.`;
}

export function renderCapacity(status) {
  renderTier("ram", status.ram);
  renderTier("swap", status.swap);
}

export function renderMetrics(m) {
  const ms = (x) => `${x.toFixed(3)} ms`;
  const rows = [
    ["Loads started", m.loads.started],
    ["Succeeded", m.loads.succeeded],
    ["Failed", m.loads.failed],
    ["Cancelled", m.loads.cancelled],
    ["Mean load time", `${m.load_time_s.mean.toFixed(2)} s`],
    ["Selections", m.selections.count],
    ["Selection time (mean / p99)", `${ms(m.selections.mean_ms)} / ${ms(m.selections.p99_ms)}`],
    ["Hot-swaps", `${m.swaps.count} (${m.swaps.total_time_s.toFixed(2)} s)`],
  ];
  $("metrics").replaceChildren(...rows.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: String(v) })]));
}

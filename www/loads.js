// Active loads: one progress bar per job. Each frame, the bars on screen read
// their progress from the module (load_status is computed from the simulated
// clock when read); bars scrolled out of view are not read at all, and a job's
// end is learnt from its event. Only values that changed touch the DOM.
import { h } from "./dom.js";

/** How long a finished load stays visible, in real ms. */
const LINGER_MS = 5000;

export class Loads {
  constructor({ list, empty, counter, onCancel }) {
    Object.assign(this, { list, empty, counter, onCancel });
    this.items = new Map(); // job_id -> item
    this.frameMs = 0; // script time of the last refresh, for the README's figure
    this.onScreen = new Set(); // job ids whose bar is visible in the list
    this.ended = new Set(); // job ids whose end event came and whose final status is not shown yet
    this.observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const id = entry.target.dataset.job;
        if (entry.isIntersecting) this.onScreen.add(id); else this.onScreen.delete(id);
      }
    }, { root: list });
  }

  /** A job's end event: read its final status on the next frame, on screen or not. */
  jobEnded(jobId) {
    if (this.items.has(jobId)) this.ended.add(jobId);
  }

  /** A job started (from any source): give it a bar. */
  add(jobId, modelName) {
    if (this.items.has(jobId)) return;
    const fill = h("span", { class: "fill" });
    const bar = h("div", {
      class: "bar", role: "progressbar", "aria-label": `${modelName} loading progress`,
      "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 20,
    }, fill);
    const phase = h("span", { class: "phase", text: "preparing" });
    const detail = h("span", { class: "detail" });
    const pct = h("span", { class: "pct", text: "20%" });
    const time = h("span", { class: "time" });
    const outcome = h("span", { class: "outcome" });
    const cancel = h("button", {
      type: "button", class: "secondary small", "aria-label": `Cancel ${modelName}`,
      onclick: () => this.onCancel(jobId, modelName),
    }, "Cancel");
    const li = h("li", { class: "load", "data-state": "loading", "data-job": jobId },
      h("div", { class: "load-head" }, h("strong", { class: "name", text: modelName }), detail, phase, cancel),
      bar,
      h("div", { class: "load-foot" }, pct, time, outcome));
    this.list.prepend(li);
    this.items.set(jobId, { li, bar, fill, phase, detail, pct, time, outcome, cancel, last: {}, doneAt: 0 });
    this.onScreen.add(jobId); // new bars are at the top; the observer corrects this
    this.observer.observe(li);
    this.updateCount();
  }

  updateCount() {
    const active = [...this.items.values()].filter((i) => !i.doneAt).length;
    this.counter.textContent = String(active);
    this.empty.hidden = this.items.size > 0;
  }

  /** Reads every shown job's status and updates its bar. */
  async refresh(server) {
    if (this.items.size === 0) return;
    const t0 = performance.now();
    const now = Date.now();
    const live = [...this.items].filter(([id, item]) => !item.doneAt && (this.onScreen.has(id) || this.ended.has(id)));
    this.ended.clear();
    const statuses = await Promise.all(live.map(([id]) => server.handleRequest({ load_status: id })));
    live.forEach(([, item], i) => this.apply(item, statuses[i], now));
    for (const [id, item] of this.items) {
      if (item.doneAt && now - item.doneAt > LINGER_MS) {
        this.observer.unobserve(item.li);
        this.onScreen.delete(id);
        item.li.remove();
        this.items.delete(id);
        this.updateCount();
      }
    }
    this.frameMs = performance.now() - t0;
  }

  apply(item, s, now) {
    if (s.status === "error") return;
    const last = item.last;
    const pct = Math.round(s.progress * 1000) / 10;
    if (last.pct !== pct) {
      item.fill.style.transform = `scaleX(${s.progress})`;
      item.bar.setAttribute("aria-valuenow", String(Math.round(s.progress * 100)));
      item.pct.textContent = `${pct.toFixed(1)}%`;
      last.pct = pct;
    }
    const time = `${s.elapsed_time.toFixed(1)} s of ${s.estimated_time}`;
    if (last.time !== time) { item.time.textContent = time; last.time = time; }
    if (last.phase !== s.phase) {
      item.phase.textContent = s.phase;
      item.detail.textContent = `${s.size_gb} GB · ${s.tier}`;
      last.phase = s.phase;
    }
    if (s.status !== "loading" && !item.doneAt) {
      item.doneAt = now;
      item.li.dataset.state = s.cancelled ? "cancelled" : s.status;
      item.outcome.textContent = s.status === "success" ? "Loaded: now in the library"
        : s.cancelled ? "Cancelled" : `Failed: ${s.error}`;
      item.cancel.remove();
      this.updateCount();
    }
  }
}

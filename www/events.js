// The event log, fed by Server.subscribe. Newest last; the oldest scroll away.
import { h } from "./dom.js";

const KEEP = 200;

const describe = (e) => {
  switch (e.type) {
    case "load_started": return `${e.model_name}: hot load started (${e.estimated_seconds} s)`;
    case "load_succeeded": return `${e.model_name}: loaded in ${e.load_time_s} s`;
    case "load_failed": return `${e.model_name}: ${e.cancelled ? "cancelled" : `failed: ${e.error}`} at ${Math.round(e.progress * 100)}%`;
    case "model_unloaded": return `${e.model_name}: unloaded, ${e.freed_gb} GB freed`;
    case "swap_started": return `hot-swap ${e.from} → ${e.to} (${e.swap_time} s)`;
    case "swap_finished": return `hot-swap done: ${e.to} is current`;
    default: return e.type;
  }
};

export const clockText = (ms) => new Date(ms).toISOString().slice(11, 23);

export function logEvent(list, e) {
  const item = h("li", { class: `event ${e.type}` },
    h("time", { text: clockText(e.time) }),
    h("span", { class: "type", text: e.type }),
    h("span", { class: "what", text: describe(e) }));
  list.append(item);
  while (list.children.length > KEEP) list.firstElementChild.remove();
  list.scrollTop = list.scrollHeight;
}

// The request console: any JSON request, its response, and the seed's examples as presets.
import { $, h } from "./dom.js";

const SEED_LOAD = {
  hot_load: {
    model_name: "my-custom-model",
    model_config: { size_gb: 2.5, tier: "ram", capabilities: ["text-generation", "chat"] },
  },
};

/** Preset buttons are named after their request key so they never clash with the page's own buttons. */
const presets = (lastJob) => [
  ["hot_load", SEED_LOAD],
  ["load_status", { load_status: lastJob() ?? "load_my-custom-model_0" }],
  ["list_models", { list_models: true }],
  ["model", { model: "my-custom-model" }],
  ["quality", { hot_load: { model_name: "high-quality-model", model_config: { size_gb: 6.5, tier: "swap", capabilities: ["text-generation", "high-quality"] } } }],
  ["priority", { capabilities: ["text-generation"], priority: "quality" }],
  ["cancel_load", { cancel_load: lastJob() ?? "load_my-custom-model_0" }],
  ["unload_model", { unload_model: "my-custom-model" }],
  ["list_jobs", { list_jobs: true }],
  ["metrics", { metrics: true }],
  ["system_status", { system_status: true }],
];

export function setUpConsole(server, { lastJob, afterSend }) {
  const request = $("request");
  const response = $("response");
  request.value = JSON.stringify(SEED_LOAD, null, 2);
  const group = $("presets");
  for (const [name] of presets(lastJob)) {
    group.append(h("button", {
      type: "button", class: "chip-button",
      onclick: () => {
        const body = presets(lastJob).find(([n]) => n === name)[1];
        request.value = JSON.stringify(body, null, 2);
        request.focus();
      },
    }, name));
  }
  const send = async () => {
    response.value = "…";
    // The module takes the text as it is: malformed JSON is its to report.
    const r = await server().handleRequest(request.value);
    response.value = JSON.stringify(r, null, 2);
    response.dataset.status = r.status;
    afterSend(r);
  };
  $("send").addEventListener("click", send);
  request.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); }
  });
}

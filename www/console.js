// The request console: any JSON request, its response, and the seed's examples as presets;
// sent to handleRequest, or as POST /hotload through server.fetch.
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
  // The same request over the server's HTTP façade (SPEC §6): POST /hotload.
  const sendHttp = async () => {
    response.value = "…";
    const r = await server().fetch("/hotload", { method: "POST", body: request.value });
    const body = await r.json();
    response.value = `HTTP ${r.status}\n${JSON.stringify(body, null, 2)}`;
    response.dataset.status = body.status;
    afterSend(body);
  };
  $("send").addEventListener("click", send);
  $("send-http").addEventListener("click", sendHttp);
  request.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); send(); }
  });
}

// Runs the seed's usage example against the module and shows each request and
// response. All text reaches the DOM through textContent.
import init, { Server } from "./pkg/model_hotload.js";

const steps = document.getElementById("steps");
const outcome = document.getElementById("outcome");
const button = document.getElementById("run");

function show(request, response) {
  const item = document.createElement("li");
  const req = document.createElement("pre");
  req.className = "request";
  req.textContent = JSON.stringify(request);
  const res = document.createElement("pre");
  res.className = response.status === "error" ? "response error" : "response";
  res.textContent = JSON.stringify(response, null, 2);
  item.append(req, res);
  steps.append(item);
}

async function send(server, request) {
  const response = await server.handleRequest(request);
  show(request, response);
  return response;
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function runSeedExample() {
  button.disabled = true;
  steps.replaceChildren();
  outcome.textContent = "Running…";
  const server = new Server({ timeScale: 10 });
  try {
    const started = await send(server, {
      hot_load: {
        model_name: "chat-assistant",
        model_config: { size_gb: 1.2, tier: "ram", capabilities: ["text-generation", "chat"] },
      },
    });
    let status;
    for (;;) {
      status = await server.handleRequest({ load_status: started.job_id });
      if (status.status === "success" || status.status === "failed") break;
      await sleep(50); // asyncio.sleep(0.5) in simulated time at 10×
    }
    show({ load_status: started.job_id }, status);
    await send(server, { list_models: true });
    await send(server, { model: "chat-assistant" });
    outcome.textContent = `Done: chat-assistant loaded in ${status.elapsed_time}s of simulated time and is now the current model.`;
    document.body.dataset.state = "done";
  } catch (error) {
    outcome.textContent = `Failed: ${error}`;
    document.body.dataset.state = "failed";
  } finally {
    server.free();
    button.disabled = false;
  }
}

await init();
button.addEventListener("click", runSeedExample);
runSeedExample();

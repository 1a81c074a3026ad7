// The responses on the speed targets, built as object literals from values the
// Rust side passes (src/wasm/respond.rs says why); key order is the order of the
// Rust structs, which tests/web.rs checks against their Serialize form.
// This file is an ES module; the Node build gets a CommonJS copy (tools/build.mjs).

export function hotLoadStarted(job_id, model_name, estimated_time, estimated_seconds) {
  return { status: "hot_load_started", job_id, model_name, estimated_time, estimated_seconds };
}

export function jobStatus(job_id, model_name, status, progress, elapsed_time, error, phase, tier,
  size_gb, estimated_time, estimated_seconds, cancelled) {
  return { job_id, model_name, status, progress, elapsed_time, error, phase, tier, size_gb,
    estimated_time, estimated_seconds, cancelled };
}

export function modelList(models, total_models, active_hot_loads) {
  return { status: "success", models: copyModels(models), total_models, active_hot_loads };
}

export function selected(model, size_gb, tier, capabilities, selection_reason, selection_time_ms,
  swap_executed, swap_time, performance_target_met) {
  return { status: "success", model, size_gb, tier, capabilities, selection_reason,
    selection_time_ms, swap_executed, swap_time, performance_target_met };
}

export function cancelled(job_id, model_name, progress) {
  return { status: "success", job_id, model_name, cancelled: true, progress };
}

// Appends the echoed request_id (last, as in the JSON form).
export function withRequestId(response, request_id) {
  response.request_id = request_id;
  return response;
}

// Arrays of strings, built without one boundary crossing per item.
export function array1(a) { return [a]; }
export function array2(a, b) { return [a, b]; }
export function push(array, item) { array.push(item); }

// The library's view, made once per change of the library from its JSON
// text: [name, model] pairs, which copy faster than an object's keys.
export function libraryView(json) {
  try {
    return Object.entries(JSON.parse(json));
  } catch {
    return [];
  }
}

// A fresh copy of the library's view: every response owns its objects, so a
// caller that mutates one changes nothing else.
function copyModels(entries) {
  const out = {};
  for (let i = 0; i < entries.length; i++) {
    const name = entries[i][0], m = entries[i][1];
    const copy = { size_gb: m.size_gb, tier: m.tier, capabilities: m.capabilities.slice() };
    // A model may be called "__proto__": define it, never set the prototype.
    if (name === "__proto__") Object.defineProperty(out, name, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[name] = copy;
  }
  return out;
}

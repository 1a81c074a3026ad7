// Shared by the Node suites: the nodejs build, and small request builders.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export const { Server, handleRequest } = require("../../pkg/node/model_hotload.js");

export const hotLoad = (model_name, size_gb, tier = "ram", capabilities = ["chat"], simulate) => ({
  hot_load: { model_name, model_config: { size_gb, tier, capabilities }, ...(simulate ? { simulate } : {}) },
});

export const manual = (options = {}) => new Server({ clock: "manual", ...options });

/** Counts JS timers armed at once while `fn` runs (patching the globals the module calls). */
export async function countTimers(fn) {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: globalThis.setInterval };
  const armed = new Set();
  let calls = 0, max = 0, intervals = 0;
  globalThis.setTimeout = (cb, ms, ...rest) => {
    calls++;
    const id = real.setTimeout(() => { armed.delete(id); cb(...rest); }, ms);
    armed.add(id);
    max = Math.max(max, armed.size);
    return id;
  };
  globalThis.clearTimeout = (id) => { armed.delete(id); real.clearTimeout(id); };
  globalThis.setInterval = (...args) => { intervals++; return real.setInterval(...args); };
  try {
    await fn(armed);
  } finally {
    Object.assign(globalThis, real);
  }
  return { calls, max, intervals, armedAtEnd: armed.size };
}

export const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

export const { wasmMemoryBytes } = require("../../pkg/node/model_hotload.js");

/** A `{getItem, setItem}` storage over a Map, as Node persists. */
export function memoryStorage() {
  const map = new Map();
  return { map, getItem: (k) => (map.has(k) ? map.get(k) : null), setItem: (k, v) => map.set(k, String(v)) };
}

// Node ESM entry of model-hotload: the CommonJS build (which instantiates the
// module synchronously on load), re-exported with an `init` that has nothing
// to do, so that `await init()` written for browsers also runs in Node.
import wasm from "./model_hotload.js";

export const { Server, handleRequest, wasmMemoryBytes } = wasm;

/** Node needs no initialisation: the module is ready on import. */
export default async function init() {}

/** Node needs no initialisation: the module is ready on import. */
export function initSync() {}

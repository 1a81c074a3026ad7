// Values reach the core's one reader as JSON text: a string as it is, anything
// else as JSON.stringify writes it (getters, toJSON, undefined and NaN behave
// as they do there). This module only makes the text and copies it into WASM
// memory, which costs less than wasm-bindgen's own string return in Node 20; it
// knows nothing of what a request holds. Used by src/wasm/convert.rs. This file
// is an ES module; the Node build gets a CommonJS copy (tools/build.mjs).

let pending; // the text not yet copied, or what JSON.stringify threw

// 0: the text is ready for copyText; 1: the value has no JSON form (its
// `typeof` says why); 2: JSON.stringify threw (takeThrown gives what).
export function toText(value) {
  const type = typeof value;
  if (type === "string") {
    pending = value;
    return 0;
  }
  if (type === "undefined" || type === "function" || type === "symbol" || type === "bigint") return 1;
  try {
    pending = JSON.stringify(value);
    return 0;
  } catch (thrown) {
    pending = thrown;
    return 2;
  }
}

export function takeThrown() {
  const thrown = pending;
  pending = undefined;
  return thrown;
}

let memory = null;
let bytes = new Uint8Array(0);
const encoder = new TextEncoder();

export function setMemory(wasmMemory) {
  memory = wasmMemory;
  bytes = new Uint8Array(memory.buffer);
}

// Writes the pending text as UTF-8 at `ptr` (room for `room` bytes) and
// returns its length in bytes; or, when it may not fit, minus the room it
// needs (the text stays pending for the next call).
export function copyText(ptr, room) {
  const text = typeof pending === "string" ? pending : "";
  if (bytes.byteLength === 0) bytes = new Uint8Array(memory.buffer); // memory grew: the old view is detached
  const n = text.length;
  if (n <= room) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[ptr + i] = c;
    }
    if (i === n) {
      pending = undefined;
      return n;
    }
  }
  if (n * 3 > room) return -(n * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
  pending = undefined;
  return encoder.encodeInto(text, bytes.subarray(ptr, ptr + room)).written;
}

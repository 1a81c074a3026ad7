// Helpers for src/wasm/respond.rs; the response objects themselves are
// object literals generated from the Rust types (model-hotload-literal).
// This file is an ES module; the Node build gets a CommonJS copy (tools/build.mjs).

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

// The repository's listing as a view, made once per change of the server's state.
export function listView(json) {
  try {
    return JSON.parse(json);
  } catch {
    return [];
  }
}

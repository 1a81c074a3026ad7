// The commonest requests, read without JSON: an object with one key, a command
// that takes a text ({load_status: id}) or `true` ({list_models: true}). Called
// by src/wasm/convert.rs, which maps each index to its command in this order.
// Anything else goes the general way (JSON.stringify, then the validator), and
// a value read here is never read twice: the general way gets a copy of it.
// This file is an ES module; the Node build gets a CommonJS copy (tools/build.mjs).

const COMMANDS = ["load_status", "cancel_load", "unload_model", "model",
  "list_models", "list_jobs", "metrics", "system_status"];
const TAKES_TEXT = 4; // the first four take a text; the others take `true`

let taken;

// The command's index (its text is then `takeText()`); -1: read the request as
// JSON; -2: read `takeCopy()` instead (a value was read here, and is not read twice).
export function simpleCommand(request) {
  try {
    if (Object.getPrototypeOf(request) !== Object.prototype || Object.prototype.toJSON !== undefined) return -1;
    const keys = Object.keys(request);
    if (keys.length !== 1) return -1;
    const index = COMMANDS.indexOf(keys[0]);
    if (index < 0) return -1;
    const value = request[keys[0]];
    if (index < TAKES_TEXT ? typeof value === "string" : value === true) {
      taken = value;
      return index;
    }
    taken = { [keys[0]]: value };
    return -2;
  } catch {
    // A throwing getter or proxy trap: the general way reports it.
    return -1;
  }
}

export function takeText() {
  const text = taken;
  taken = undefined;
  return text;
}

export function takeCopy() {
  const copy = taken;
  taken = undefined;
  return copy;
}

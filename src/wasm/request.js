// Reading requests, for src/wasm/convert.rs. The commonest objects are read
// here without JSON, and their index returned (convert.rs maps each index to
// its command, in this order):
// - one key, a command that takes a text ({load_status: id}) or `true`
//   ({list_models: true});
// - a selection by need ({capabilities: [...], priority, auto_select}) whose
//   values are texts (and `true`): handed over as one text, then validated in
//   Rust like any request;
// - either of those with a request_id that is a text or a safe integer.
// Anything else goes the general way (JSON.stringify, then the validator), and
// a value read here is never read twice: the general way then gets a copy.
// Texts (these values, and requests that are JSON text) are written straight
// into WASM memory. This file is an ES module; the Node build gets a CommonJS
// copy (tools/build.mjs).

const COMMANDS = ["load_status", "cancel_load", "unload_model", "model",
  "list_models", "list_jobs", "metrics", "system_status"];
const TAKES_TEXT = 4; // the first four take a text; the others take `true`
const SELECTION = COMMANDS.length; // the index of a selection by need
const SELECT_KEYS = ["capabilities", "priority", "auto_select"];
const SEP = "\u0000"; // ends each text of a selection; texts holding it go the general way

const ID_TEXT = 0x100, ID_NUMBER = 0x200; // flags: the request has a request_id

let taken; // the command's text, a selection's text, or the copy for the general way
let takenId; // the request_id

// The command's index (its text is then `takeTextInto`), plus ID_TEXT or
// ID_NUMBER when the request has a request_id (`takeIdInto`, `takeIdNumber`);
// -1: read the request as JSON; -2: read `takeCopy()` instead; -3: neither an
// object nor text (bad input); -4: the request is text (JSON), taken.
export function simpleCommand(request) {
  if (typeof request === "string") {
    taken = request;
    return -4;
  }
  if (typeof request !== "object" || request === null) return -3;
  try {
    if (Object.getPrototypeOf(request) !== Object.prototype || Object.prototype.toJSON !== undefined) return -1;
    const keys = Object.keys(request);
    const index = keys.length === 1 ? COMMANDS.indexOf(keys[0]) : -1;
    if (index >= 0) {
      const value = request[keys[0]];
      if (index < TAKES_TEXT ? typeof value === "string" : value === true) {
        taken = value;
        return index;
      }
      return copyOf({ [keys[0]]: value });
    }
    if (keys.length === 0 || keys.length > 4) return -1;
    // Every value read once, in key order: the general way gets a copy if this one gives up.
    const values = [];
    for (let i = 0; i < keys.length; i++) values.push(request[keys[i]]);
    let flags = 0, name = -1, selects = 0, other = false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k === "request_id") {
        const id = values[i];
        if (typeof id === "string") {
          takenId = id;
          flags = ID_TEXT;
        } else if (Number.isSafeInteger(id)) {
          takenId = id === 0 ? 0 : id; // -0 reads as 0 in JSON
          flags = ID_NUMBER;
        } else {
          other = true;
        }
      } else if (COMMANDS.includes(k)) {
        name = name === -1 ? i : -2; // -2: more than one command
      } else if (SELECT_KEYS.includes(k)) {
        selects++;
      } else {
        other = true;
      }
    }
    if (!other && name >= 0 && selects === 0) {
      const taken = command(COMMANDS.indexOf(keys[name]), values[name], flags);
      if (taken !== undefined) return taken;
    } else if (!other && name === -1 && selects > 0) {
      const taken = selection(keys, values, flags);
      if (taken !== undefined) return taken;
    }
    return copyOf(copyOfValues(keys, values));
  } catch {
    // A throwing getter or proxy trap: the general way reports it.
    takenId = undefined;
    return -1;
  }
}

// A command whose value this reader takes, or undefined.
function command(index, value, flags) {
  if (index < TAKES_TEXT ? typeof value === "string" : value === true) {
    taken = value;
    return index | flags;
  }
  return undefined;
}

// Hands the general way what was read (and forgets a request_id taken).
function copyOf(copy) {
  taken = copy;
  takenId = undefined;
  return -2;
}

// The object the general way reads instead of the request: the values as read.
function copyOfValues(keys, values) {
  const copy = {};
  for (let i = 0; i < keys.length; i++) {
    // An own "__proto__" key is a key: define it, never set the prototype.
    if (keys[i] === "__proto__") Object.defineProperty(copy, keys[i], { value: values[i], enumerable: true, writable: true, configurable: true });
    else copy[keys[i]] = values[i];
  }
  return copy;
}

// {capabilities, priority, auto_select} as one text: a digit saying which keys
// are present (1 capabilities, 2 priority, 4 auto_select), then the priority,
// then each capability, every text followed by SEP. Undefined if a value is
// not a text (or `true`); a capabilities array is then replaced in `values`
// by its elements as read, so that they are not read twice.
function selection(keys, values, flags) {
  let mask = 0, caps = "", priority = "";
  for (let i = 0; i < keys.length; i++) {
    const value = values[i];
    switch (keys[i]) {
      case "capabilities": {
        mask |= 1;
        if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype
          || Array.prototype.toJSON !== undefined || value.toJSON !== undefined) return undefined;
        const items = value.slice(); // each element read once
        values[i] = items;
        for (let j = 0; j < items.length; j++) {
          const item = items[j];
          if (typeof item !== "string" || item.includes(SEP)) return undefined;
          caps += item + SEP;
        }
        break;
      }
      case "priority":
        mask |= 2;
        if (typeof value !== "string" || value.includes(SEP)) return undefined;
        priority = value + SEP;
        break;
      case "auto_select":
        mask |= 4;
        if (value !== true) return undefined;
        break;
    }
  }
  taken = mask + priority + caps;
  return SELECTION | flags;
}

// Texts are written straight into WASM memory: wasm-bindgen's own string
// return goes through a DataView that Node 20 re-validates on every use.
let memory = null;
let bytes = new Uint8Array(0);
const encoder = new TextEncoder();

export function setMemory(wasmMemory) {
  memory = wasmMemory;
  bytes = new Uint8Array(memory.buffer);
}

// Writes the taken text as UTF-8 at `ptr` (room for `room` bytes) and returns
// its length in bytes; or, when it may not fit, minus the room it needs (the
// text stays taken for the next call).
export function takeTextInto(ptr, room) {
  const written = writeText(taken, ptr, room);
  if (written >= 0) taken = undefined;
  return written;
}

// The same for a request_id that is a text.
export function takeIdInto(ptr, room) {
  const written = writeText(takenId, ptr, room);
  if (written >= 0) takenId = undefined;
  return written;
}

export function takeIdNumber() {
  const id = takenId;
  takenId = undefined;
  return typeof id === "number" ? id : 0;
}

function writeText(text, ptr, room) {
  if (typeof text !== "string") return 0;
  if (bytes.byteLength === 0) bytes = new Uint8Array(memory.buffer); // memory grew: the old view is detached
  const n = text.length;
  if (n <= room) {
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) break;
      bytes[ptr + i] = c;
    }
    if (i === n) return n;
  }
  if (n * 3 > room) return -(n * 3); // UTF-8 takes at most 3 bytes per UTF-16 unit
  return encoder.encodeInto(text, bytes.subarray(ptr, ptr + room)).written;
}

export function takeCopy() {
  const copy = taken;
  taken = undefined;
  return copy;
}

// Building DOM safely: every string becomes text (textContent), never markup.

/** `h("td", { class: "num" }, "1.2 GB")`: an element with attributes and text or element children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

/** Shows a message in an alert region (or hides it when empty). */
export function alertIn(region, message) {
  region.textContent = message || "";
  region.hidden = !message;
}

export const gb = (x) => `${Number(x.toFixed(2))} GB`;
export const secs = (x) => `${x.toFixed(1)} s`;

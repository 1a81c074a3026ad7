// Debian's Chromium driven by playwright-core, with the page served from www/.
// Any console error or page error fails the test that caused it.
import { chromium } from "playwright-core";
import { serve } from "../../tools/serve.mjs";

export const CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

export async function openPlayground(t, viewport = { width: 1280, height: 900 }) {
  const server = await serve({ port: 0, quiet: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport });
  const problems = [];
  const consoleLines = [];
  page.on("console", (m) => { consoleLines.push(`${m.type()}: ${m.text()}`); if (m.type() === "error") problems.push(`console.error: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  const url = `http://127.0.0.1:${server.address().port}/`;
  t.after(async () => {
    await browser.close();
    await new Promise((ok) => server.close(ok));
  });
  return {
    page, url, problems,
    /** Fails the test on any console or page error, printing the console only then. */
    assertClean() {
      if (problems.length) throw new Error(`${problems.join("\n")}\n--- console ---\n${consoleLines.join("\n")}`);
    },
  };
}

// The README's examples, for the tests that run them: every fenced block whose
// info string is `<lang> test:<kind>` (GitHub shows only the language).
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The README blocks of one kind, in order: `{ code, line }` (line: where the block starts). */
export function readmeBlocks(kind) {
  const lines = readFileSync(join(root, "README.md"), "utf8").split("\n");
  const blocks = [];
  let open = null;
  lines.forEach((text, i) => {
    if (open) {
      if (/^```\s*$/.test(text)) { blocks.push(open); open = null; } else open.code += `${text}\n`;
      return;
    }
    const fence = text.match(/^```\w+\s+test:(\S+)\s*$/);
    if (fence && fence[1] === kind) open = { code: "", line: i + 1 };
  });
  return blocks;
}

// Parses Mermaid text with Mermaid's own parser, in Node: `node check.mjs FILE...` (run from a
// folder whose node_modules holds mermaid, jsdom and dompurify; ci/mermaid-check.sh sets it up).
// A `.md` file contributes its ```mermaid blocks; any other file may hold several flowcharts.
// Mermaid sanitises labels with DOMPurify, which needs a DOM: jsdom provides one.
import fs from "node:fs";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("");
globalThis.window = window;
globalThis.document = window.document;
globalThis.DOMPurify = (await import("dompurify")).default(window);
const mermaid = (await import("mermaid")).default;
mermaid.initialize({ startOnLoad: false });

function diagrams(file) {
  const text = fs.readFileSync(file, "utf8");
  if (file.endsWith(".md")) {
    return text.split("```mermaid\n").slice(1).map((block) => block.split("```")[0]);
  }
  return text.split(/\n(?=flowchart )/);
}

let checked = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  const found = diagrams(file);
  if (found.length === 0) {
    console.log(`FAIL ${file}: no Mermaid diagram`);
    failed++;
  }
  for (const text of found) {
    checked++;
    try {
      const result = await mermaid.parse(text);
      if (result.diagramType !== "flowchart-v2") throw new Error(`type ${result.diagramType}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${file}: ${String(err.message).split("\n").slice(0, 3).join(" / ")}`);
    }
  }
}
// The parser must refuse a broken label, or an OK above would prove nothing.
try {
  await mermaid.parse('flowchart LR\n  a0["x"y"] --> a1\n');
  console.log("FAIL the parser accepted a broken diagram");
  failed++;
} catch (_) {}
console.log(`${checked} Mermaid diagram(s) parsed, ${failed} failure(s)`);
process.exit(failed === 0 ? 0 : 1);

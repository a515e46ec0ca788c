// Parses an AsyncAPI document with the official @asyncapi/parser and prints every
// diagnostic as one JSON line, then a summary line: {"summary": {...}, "loaded": bool}.
// Usage: node asyncapi_parse.cjs <dir holding node_modules> <document>
const path = require('path');
const fs = require('fs');
const { Parser } = require(path.join(process.argv[2], 'node_modules', '@asyncapi', 'parser'));

const SEVERITY = ['error', 'warning', 'information', 'hint'];

(async () => {
  const parser = new Parser();
  const { document, diagnostics } = await parser.parse(fs.readFileSync(process.argv[3], 'utf8'));
  const summary = { error: 0, warning: 0, information: 0, hint: 0 };
  for (const d of diagnostics) {
    const severity = SEVERITY[d.severity];
    summary[severity] += 1;
    console.log(JSON.stringify({ severity, code: d.code, path: d.path, message: d.message }));
  }
  console.log(JSON.stringify({ summary, loaded: document !== undefined }));
})().catch((err) => {
  console.error(err);
  process.exit(2);
});

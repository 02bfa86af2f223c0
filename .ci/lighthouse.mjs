// Lighthouse check of the built site: accessibility and best practices, in the
// light and in the dark colour scheme. The site is static and themed by
// `prefers-color-scheme`, so a contrast slip in one scheme (a badge, a band, a
// link colour) is easy to miss by eye; this catches it on every page we name.
//
//   node .ci/lighthouse.mjs ROOT_DIR PAGE...     (PAGE relative to ROOT_DIR)
//
// Serves ROOT_DIR on 127.0.0.1 (no network needed), runs headless Chromium
// (CHROME_PATH, default /usr/bin/chromium) once per scheme, prints the scores
// and every failing audit with the offending nodes. Exits non-zero when a page
// fails to load or scores below LH_MIN_A11Y (default 100) accessibility or
// LH_MIN_BP (default 95) best practices. Install: `npm ci --prefix .ci`.
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import lighthouse from 'lighthouse';
import { screenEmulationMetrics, userAgents } from 'lighthouse/core/config/constants.js';
import * as chromeLauncher from 'chrome-launcher';
import puppeteer from 'puppeteer-core';

const [root, ...pages] = process.argv.slice(2);
if (!root || pages.length === 0) {
  console.error('usage: node .ci/lighthouse.mjs ROOT_DIR PAGE...');
  process.exit(2);
}
const MIN = {
  accessibility: Number(process.env.LH_MIN_A11Y ?? 100),
  'best-practices': Number(process.env.LH_MIN_BP ?? 95),
};
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8', '.xml': 'application/xml',
};

// A tiny static file server for ROOT_DIR; nothing outside it is ever served.
const base = path.resolve(root);
const server = http.createServer(async (req, res) => {
  try {
    let file = path.join(base, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (file !== base && !file.startsWith(base + path.sep)) throw new Error('outside root');
    if ((await fs.stat(file)).isDirectory()) file = path.join(file, 'index.html');
    const body = await fs.readFile(file);
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const origin = `http://127.0.0.1:${server.address().port}`;

const config = {
  extends: 'lighthouse:default',
  settings: {
    onlyCategories: Object.keys(MIN),
    formFactor: 'desktop',
    screenEmulation: screenEmulationMetrics.desktop,
    emulatedUserAgent: userAgents.desktop,
    // No performance category, so 'simulate' costs nothing and, unlike
    // 'provided', keeps these waits short (static pages, no scripts to settle).
    throttlingMethod: 'simulate',
    pauseAfterFcpMs: 0,
    pauseAfterLoadMs: 0,
    networkQuietThresholdMs: 250,
    cpuQuietThresholdMs: 250,
    disableFullPageScreenshot: true,
  },
};
const SKIP = new Set(['informative', 'manual', 'notApplicable']);

// One line per offending item: a DOM node where there is one, else its text.
function describe(item) {
  const n = item.node;
  if (n?.type === 'node') {
    return [n.selector, n.snippet, n.explanation?.split('\n').slice(1).join(' ').trim()]
      .filter(Boolean).join('  ');
  }
  if (item.subItems) {
    return [item.issueType, ...item.subItems.items.map((s) => s.url ?? JSON.stringify(s))].join(' ');
  }
  const loc = item.sourceLocation;
  const text = String(item.description ?? item.url ?? item.source ?? JSON.stringify(item));
  return (text.length > 240 ? `${text.slice(0, 240)}…` : text) +
    (loc?.url ? `  (${loc.url.replace(`${origin}/`, '')}:${loc.line + 1})` : '');
}

let failed = false;
const fail = (msg) => { failed = true; console.log(`  FAIL ${msg}`); };

for (const mode of ['light', 'dark']) {
  const chromeFlags = ['--headless=new', '--no-sandbox', '--disable-gpu'];
  if (mode === 'dark') chromeFlags.push('--blink-settings=preferredColorScheme=0');
  const chrome = await chromeLauncher.launch({
    chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags,
  });
  try {
    const browser = await puppeteer.connect({ browserURL: `http://127.0.0.1:${chrome.port}` });
    const page = await browser.newPage();
    // Make sure the browser really is in the scheme we claim to be testing.
    const checkScheme = async () => {
      await page.goto(`${origin}/${pages[0]}`);
      const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
      if (dark !== (mode === 'dark')) fail(`browser is not in ${mode} mode (prefers dark: ${dark})`);
    };
    await checkScheme();
    for (const rel of pages) {
      let lhr;
      try {
        ({ lhr } = await lighthouse(`${origin}/${rel}`, { logLevel: 'error' }, config, page));
      } catch (e) {
        console.log(`lighthouse ${mode} ${rel} ERROR`);
        fail(e.message);
        continue;
      }
      const cats = Object.values(lhr.categories);
      const score = (c) => (c.score === null ? null : Math.round(c.score * 100));
      console.log(`lighthouse ${mode} ${rel} ` + cats.map((c) => `${c.id} ${score(c) ?? '?'}`).join(' '));
      if (lhr.runtimeError) {
        fail(`${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
        continue;
      }
      for (const c of cats) {
        if (score(c) === null || score(c) < MIN[c.id]) fail(`${c.id} ${score(c) ?? '?'} < ${MIN[c.id]}`);
        for (const { id, weight } of c.auditRefs) {
          const a = lhr.audits[id];
          if (SKIP.has(a.scoreDisplayMode) || (a.score !== null && a.score >= 1)) continue;
          console.log(`  ${c.id}: ${id}${weight ? '' : ' (weight 0)'} — ${a.title}` +
            (a.errorMessage ? ` (error: ${a.errorMessage})` : ''));
          const lines = new Map();
          for (const item of a.details?.items ?? []) {
            const line = describe(item);
            lines.set(line, (lines.get(line) ?? 0) + 1);
          }
          for (const [line, n] of lines) console.log(`      ${n > 1 ? `${n}× ` : ''}${line}`);
        }
      }
    }
    await checkScheme();
    await browser.disconnect();
  } finally {
    await chrome.kill();
  }
}
server.close();
console.log(failed
  ? `lighthouse: FAILED (minimums: accessibility ${MIN.accessibility}, best-practices ${MIN['best-practices']})`
  : 'lighthouse: all pages pass');
process.exit(failed ? 1 : 0);

// Opens a cowserve page or a dirserve listing in Debian's headless Chromium, checks the DOM and
// takes screenshots. Run by tests/tests/browser.rs (after tests/browser/setup.sh):
//
//   node tests/browser/check.mjs cow     <url> <shot.png> [expected-text-file]
//   node tests/browser/check.mjs listing <url> <shot.png>
//
// Writes <shot>.png (full page, desktop), <shot>-desktop.png (desktop viewport, 1280x800) and
// <shot>-phone.png (full page, phone, 390x844). Every check runs at both sizes, with the system
// in light mode. Listing mode also opens the page with the system in dark mode (<shot>-dark.png)
// and prints {"title","h1","links":[{"text","href"}],"scripts","colors":{"desktop","phone",
// "dark"}} as JSON on stdout, colors being the text colour the browser drew in each. Any failed check
// exits 1 with "FAIL ..." on stderr; Chromium not starting exits 3; the whole run is bounded by
// 60 s, each page load by 15 s.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const [mode, url, shot, expectedFile] = process.argv.slice(2);
if (!['cow', 'listing'].includes(mode) || !url || !shot?.endsWith('.png')) {
  console.error('usage: check.mjs cow|listing <url> <shot.png> [expected-text-file]');
  process.exit(2);
}
const expected = expectedFile === undefined ? undefined : readFileSync(expectedFile, 'utf8');
const base = shot.slice(0, -'.png'.length);

const fail = (msg) => {
  console.error(`FAIL (${mode} ${url}): ${msg}`);
  process.exit(1); // Playwright closes the browser on exit.
};
const check = (ok, msg) => ok || fail(msg);
setTimeout(() => fail('not done after 60 s'), 60_000).unref();
// Playwright errors (page load timed out, connection refused...): their first line is the news.
process.on('uncaughtException', (e) => fail(String(e?.message ?? e).split('\n')[0]));

// Exit 3 (not 1) when Chromium itself won't start, so the Rust test can tell "no browser here"
// from a failed check.
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', // Debian's; Playwright never downloads one.
  headless: true,
  // A fresh temporary profile per launch (Playwright's default); no background traffic.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  timeout: 15_000,
}).catch((e) => {
  console.error(`BROWSER UNAVAILABLE: /usr/bin/chromium does not start: ${e.message}`);
  process.exit(3);
});

const sizes = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: 'phone', viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, colorScheme: 'light' },
];
if (mode === 'listing') sizes.push({ name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
let report;
for (const { name, ...options } of sizes) {
  const context = await browser.newContext(options);
  // The page may load nothing from anywhere but the server under test.
  await context.route('**/*', (route) => {
    const host = new URL(route.request().url()).host;
    if (host === new URL(url).host) return route.continue();
    route.abort();
    fail(`the page requested ${route.request().url()}`);
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('pageerror', (e) => fail(`page error at ${name} size: ${e.message}`));
  // Chromium's own Accept header, so cowserve answers with HTML.
  const response = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
  check(response?.ok(), `HTTP ${response?.status()}`);
  // Let anything an injected payload scheduled (img onerror, timers) run before looking.
  await page.waitForTimeout(200);

  // An escaped payload stays text: no script element, and its marker never got set.
  const dom = await page.evaluate(() => ({
    scripts: document.getElementsByTagName('script').length,
    pwned: typeof window.__pwned,
  }));
  check(dom.scripts === 0, `${dom.scripts} <script> element(s) in the document`);
  check(dom.pwned === 'undefined', 'window.__pwned is set: an injected payload ran');

  if (mode === 'cow') {
    await checkCow(page, name, options.viewport);
  } else {
    const listing = await checkListing(page);
    const colors = { ...report?.colors, [name]: listing.text };
    delete listing.text;
    report = { ...(report ?? listing), colors };
  }

  if (name === 'desktop') {
    await page.screenshot({ path: shot, fullPage: true });
    await page.screenshot({ path: `${base}-desktop.png` });
  } else {
    await page.screenshot({ path: `${base}-${name}.png`, fullPage: true });
  }
  await context.close();
}
await browser.close();
if (report) console.log(JSON.stringify(report));
process.exit(0);

async function checkCow(page, size, viewport) {
  check((await page.locator('pre#cow').count()) === 1, 'not exactly one pre#cow');
  const cow = await page.evaluate(() => {
    const pre = document.querySelector('pre#cow');
    const style = getComputedStyle(pre);
    // Widths of 40 'i' and 40 'W' set in the pre's own font: equal only in a monospace font.
    const width = (ch) => {
      const span = document.createElement('span');
      span.textContent = ch.repeat(40);
      pre.append(span);
      const w = span.getBoundingClientRect().width;
      span.remove();
      return w;
    };
    return {
      text: pre.textContent,
      fontFamily: style.fontFamily,
      whiteSpace: style.whiteSpace,
      iWidth: width('i'),
      wWidth: width('W'),
      docWidth: document.documentElement.scrollWidth,
      preScroll: pre.scrollWidth - pre.clientWidth,
    };
  });
  // The families the page declares, generic `monospace` last as the fallback.
  const families = cow.fontFamily.split(',').map((f) => f.trim().replace(/^"|"$/g, ''));
  check(families.at(-1) === 'monospace',
    `font-family does not fall back to monospace: ${cow.fontFamily}`);
  check(cow.iWidth > 0 && Math.abs(cow.iWidth - cow.wWidth) < 0.5,
    `not monospace: 40 i are ${cow.iWidth}px wide, 40 W ${cow.wWidth}px`);
  check(cow.whiteSpace === 'pre', `white-space is ${cow.whiteSpace}, lines could wrap`);
  if (expected !== undefined) {
    check(cow.text === expected,
      `pre text differs from the plain-text answer:\n--- page\n${cow.text}\n--- expected\n${expected}`);
  } else {
    check(cow.text.includes('(oo)'), `no cow (oo) in the pre:\n${cow.text}`);
  }
  check(cow.docWidth <= viewport.width,
    `page is ${cow.docWidth}px wide, wider than the ${viewport.width}px ${size} viewport`);
  // Which font Chromium really drew with (informational, on stderr).
  const cdp = await page.context().newCDPSession(page);
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'pre#cow' });
  await cdp.send('CSS.enable');
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  console.error(`check.mjs cow ${size}: font ${fonts.map((f) => f.familyName).join(', ')}, ` +
    `${cow.iWidth / 40}px per column, pre scrolls by ${cow.preScroll}px`);
}

async function checkListing(page) {
  const dom = await page.evaluate(() => ({
    title: document.title,
    h1: document.querySelector('h1')?.textContent ?? null,
    links: [...document.querySelectorAll('li a')].map((a) => ({
      text: a.textContent,
      href: a.getAttribute('href'),
    })),
    scripts: document.getElementsByTagName('script').length,
    text: getComputedStyle(document.body).color,
  }));
  check(dom.title.startsWith('Directory listing for'), `title is ${JSON.stringify(dom.title)}`);
  check(dom.h1?.startsWith('Directory listing for'), `h1 is ${JSON.stringify(dom.h1)}`);
  return dom;
}

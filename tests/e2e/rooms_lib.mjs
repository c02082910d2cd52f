// rooms_lib.mjs -- shared by the rooms end-to-end clients (rooms_*.mjs): TAP output, headless
// Chromium with fake camera and microphone, pages running pages/rooms.html, and a call helper
// into the page's window.lr (see there for what each function does).
import { chromium } from 'playwright-core';

let n = 0, failed = 0;
export const t0 = Date.now();
export const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1);

// check COND NAME [DIAG [TODO]]: one TAP line; on failure DIAG (any value) follows as comments.
// TODO (a reason) marks a check of a known lumen limitation: reported as "# TODO reason", so its
// failure does not fail the test, and its unexpected pass (XPASS) does, to be noticed and cleaned up.
export function check(cond, name, diag, todo) {
	n++;
	if (!cond && !todo) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}${todo ? ' # TODO ' + todo : ''}`);
	if (!cond && diag !== undefined) {
		const text = typeof diag === 'string' ? diag : JSON.stringify(diag, null, 1);
		for (const l of text.split('\n').slice(-60)) console.log('# ' + l);
	}
	return cond;
}
export const note = (s) => console.log('# ' + s);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function launch() {
	return chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
			'--disable-sync', '--no-first-run', '--disable-quic', '--use-fake-device-for-media-stream',
			'--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
			'--disable-renderer-backgrounding', '--disable-background-timer-throttling',
			'--disable-backgrounding-occluded-windows'],
	});
}

// A page (in its own browser context unless ctx is given) with window.lr loaded; console kept.
export async function openPage(browser, url, ctx) {
	const c = ctx || await browser.newContext();
	const page = await c.newPage();
	page.consoleLines = [];
	page.on('console', (m) => page.consoleLines.push(m.text()));
	page.on('pageerror', (e) => page.consoleLines.push('pageerror: ' + e));
	await page.goto(url);
	await page.waitForFunction(() => !!window.lr);
	return page;
}

// lr(page, 'fn', ...args): await window.lr.fn(...args) in the page.
export function lr(page, fn, ...args) {
	return page.evaluate(([f, a]) => window.lr[f](...a), [fn, args]);
}

// finish(): prints the plan and exits (0 when every check passed).
export function finish() {
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
}

// bail(err): a step that the remaining checks depend on failed: report it and stop.
export function bail(err, pages) {
	check(false, 'the scenario ran to the end', String(err && err.stack || err) + '\n' +
		(pages || []).map((p) => p.consoleLines.slice(-8).join('\n')).join('\n'));
	finish();
}

// Hard bound on the whole client, whatever hangs.
export function deadline(sec) {
	setTimeout(() => { check(false, `client finished within ${sec} s`); finish(); }, sec * 1000).unref();
}

// Samples of stats(name) are summarised per mid: { mid: {kind, feed, framesDecoded, ...} }.
export const byMid = (list) => Object.fromEntries(list.map((s) => [s.mid, s]));

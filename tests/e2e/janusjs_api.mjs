// janusjs_api.mjs -- headless Chromium (Debian's) runs janus.js against lumen's client API over
// HTTP and over WebSocket (at /janus and at /): connect, server info, attach echotest, a request
// and its event, destroy. No media, so it needs no network namespace.
// Usage: node janusjs_api.mjs PAGE_URL HTTP_API WS_API_BASE. Prints TAP (without the plan line).
import { chromium } from 'playwright-core';

const [pageUrl, httpApi, wsBase] = process.argv.slice(2);
let n = 0, failed = 0;
const check = (cond, name, diag) => {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag) for (const l of String(diag).split('\n').slice(-30)) console.log('# ' + l);
};

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
		'--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
	const runs = [['HTTP', httpApi], ['WebSocket /janus', wsBase + '/janus'], ['WebSocket /', wsBase + '/']];
	for (const [transport, server] of runs) {
		const ctx = await browser.newContext();
		const page = await ctx.newPage();
		const lines = [];
		page.on('console', (m) => lines.push(m.text()));
		page.on('pageerror', (e) => lines.push('pageerror: ' + e.message));
		await page.goto(pageUrl);
		const r = await page.evaluate(([s]) => window.runApi(s, 20000), [server]);
		const diag = JSON.stringify(r) + '\n' + lines.slice(-15).join('\n');
		check(Number.isInteger(r.sessionId) && r.sessionId > 0, `${transport}: janus.js creates a session`, diag);
		check((r.plugins || []).includes('janus.plugin.echotest'), `${transport}: server info lists echotest`, diag);
		check(Number.isInteger(r.handleId) && r.plugin === 'janus.plugin.echotest',
			`${transport}: janus.js attaches janus.plugin.echotest`, diag);
		check(r.event && r.event.echotest === 'event' && r.event.result === 'ok',
			`${transport}: the request's event reaches onmessage`, diag);
		check(r.end === 'ok' && r.steps.includes('destroyed'), `${transport}: the session is destroyed cleanly`, diag);
		await ctx.close();
	}
} catch (e) {
	check(false, 'the browser test ran', e.stack);
} finally {
	await browser.close();
}
process.exit(failed ? 1 : 0);

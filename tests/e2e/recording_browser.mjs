// recording_browser.mjs -- the Chromium part of recording_browser.sh: three participants in a
// recorded room, each in its own browser context with Chromium's fake camera and a microphone
// fed from WAV (a steady tone, so the recording's audio start is measurable); user0 and user1
// publish at once, user2 five seconds after user0. The recording is started before anyone joins
// and stopped 10 s after user0 published (admin API). Prints "ok NAME" / "not ok NAME" / "# ..."
// lines (recording_browser.sh numbers them) and writes a JSON summary to SUMMARY.
// Usage: node recording_browser.mjs PAGE_URL HTTP_API_URL ADMIN_URL ROOM WAV SUMMARY
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { sleep, openPage, lr } from './rooms_lib.mjs';

const [pageUrl, api, admin, roomArg, wav, summaryPath] = process.argv.slice(2);
const ROOM = Number(roomArg), LATE_MS = 5000, SESSION_MS = 10000;
const summary = { ok: false, users: [] };
let failed = 0;
const res = (cond, name, diag) => {
	console.log(`${cond ? 'ok' : 'not ok'} ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			for (const l of (typeof diag === 'string' ? diag : JSON.stringify(diag)).split('\n').slice(-20))
				console.log('# ' + l);
	}
	return cond;
};
const record = async (action) => {
	const r = await fetch(`${admin}/rooms/${ROOM}/recording`, {
		method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ action }),
	});
	return { status: r.status, body: await r.json().catch(() => null) };
};
const done = (code) => {
	writeFileSync(summaryPath, JSON.stringify(summary));
	process.exit(code);
};
setTimeout(() => { res(false, 'the browser session finished within 90 s'); done(1); }, 90000).unref();

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run', '--disable-quic', '--use-fake-device-for-media-stream',
		'--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required',
		'--disable-renderer-backgrounding', '--disable-background-timer-throttling',
		'--disable-backgrounding-occluded-windows', `--use-file-for-fake-audio-capture=${wav}`],
});
const pages = [];
try {
	for (let i = 0; i < 3; i++)
		pages.push(await openPage(browser, pageUrl));
	const st = await record('start');
	summary.recording = st.body && st.body.recording;
	summary.rec_start_ms = Date.now();
	res(st.status === 200 && !!summary.recording, `recording started over the admin API (${summary.recording})`, st);
	const join = async (i) => {
		const p = pages[i];
		await lr(p, 'session', 's', api);
		const j = await lr(p, 'publisher', 'pub', 's', ROOM, 'user' + i);
		const r = await lr(p, 'publish', 'pub', { capture: { width: { ideal: 320 }, height: { ideal: 240 } } });
		summary.users[i] = { display: 'user' + i, id: j.id, published_ms: Date.now(), recording_flag: j.recording };
		res(r.configured === 'ok', `user${i} joined (id ${j.id}) and published` +
			(i === 2 ? ` ${summary.users[2].published_ms - summary.users[0].published_ms} ms after user0` : ''), { j, r });
		return j;
	};
	const j0 = await join(0);
	res(j0.recording === true, 'the joined event says the room is being recorded', j0);
	await join(1);
	await sleep(Math.max(0, summary.users[0].published_ms + LATE_MS - Date.now() - 300));
	await join(2);
	await sleep(Math.max(0, summary.users[0].published_ms + SESSION_MS - Date.now()));
	const sp = await record('stop');
	summary.rec_stop_ms = Date.now();
	res(sp.status === 200, 'recording stopped over the admin API', sp);
	// (the event comes through janus.js's long poll: wait for it, at most 5 s, on every page)
	const got = await Promise.all(pages.map((p) =>
		lr(p, 'waitEvent', 'pub', 'm.recording === "stopped"', 5000).catch((e) => String(e))));
	note0(`recording events: ${JSON.stringify(got)}`);
	res(got.every((e) => e && e.recording === 'stopped'), 'every participant gets the recording stopped event', got);
	summary.ok = failed === 0;
} catch (e) {
	res(false, 'the browser session ran to the end', String(e && e.stack || e) + '\n' +
		pages.map((p) => p.consoleLines.slice(-5).join('\n')).join('\n'));
}
await browser.close().catch(() => {});
done(failed ? 1 : 0);

function note0(s) { console.log('# ' + s); }

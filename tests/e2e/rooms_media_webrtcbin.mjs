// rooms_media_webrtcbin.mjs -- a lumen room shared by headless Chromium (pages/rooms_media.html,
// janus.js) and GStreamer's webrtcbin (rooms_webrtcbin.py, started from here):
//   1. webrtcbin publishes VP8 + Opus, Chromium subscribes to that feed and decodes it;
//   2. Chromium publishes, webrtcbin subscribes (answering lumen's offer) and decodes.
// Usage: node rooms_media_webrtcbin.mjs PAGE_URL API_URL ROOM PY_SCRIPT. Prints TAP.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [pageUrl, api, roomArg, pyScript] = process.argv.slice(2);
const room = Number(roomArg);
let n = 0, failed = 0;
const check = (cond, name, diag) => {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag) for (const l of String(diag).split('\n').slice(-30)) console.log('# ' + l);
};
const diag = (s) => console.log('# ' + s);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// py(args...) -> {feed: Promise<id|null>, done: Promise<lines>, proc}: runs rooms_webrtcbin.py;
// its "ok/not ok NAME" lines become our checks once it exits.
function py(...args) {
	const proc = spawn('/usr/bin/python3', [pyScript, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
	const lines = [];
	let feedResolve;
	const feed = new Promise((r) => { feedResolve = r; });
	let stderr = '';
	proc.stderr.on('data', (d) => { stderr += d; });
	createInterface({ input: proc.stdout }).on('line', (l) => {
		const m = /^feed (\d+)$/.exec(l);
		if (m) feedResolve(Number(m[1]));
		else lines.push(l);
	});
	const done = new Promise((r) => proc.on('close', (code) => {
		feedResolve(null);
		r({ code, lines, stderr });
	}));
	return { feed, done, proc };
}
function relay({ code, lines, stderr }) {
	let results = 0;
	for (const l of lines) {
		const m = /^(ok|not ok) (.*)$/.exec(l);
		if (m) { results++; check(m[1] === 'ok', m[2]); } else if (l.startsWith('#')) console.log(l);
	}
	check(results > 0 && code === 0, `webrtcbin client ran to the end (exit ${code}, ${results} results)`,
		stderr.split('\n').slice(-15).join('\n'));
}

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run', '--disable-quic', '--use-fake-device-for-media-stream',
		'--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
});
const newPage = async () => {
	const ctx = await browser.newContext();
	const page = await ctx.newPage();
	await page.goto(pageUrl);
	return page;
};
try {
	// 1. webrtcbin publishes, Chromium subscribes.
	const pub = py('publish', api, String(room), '60');
	const feed = await Promise.race([pub.feed, sleep(20000).then(() => null)]);
	check(feed !== null, `webrtcbin published into the room (feed ${feed})`);
	if (feed !== null) {
		const page = await newPage();
		const sub = await page.evaluate(([s, r, f]) => window.roomSubscribe(s, r, f, 30000), [api, room, feed])
			.catch((e) => ({ error: String(e) }));
		check(sub.started && sub.attached?.streams?.length >= 2,
			`Chromium subscribed to the webrtcbin feed (${sub.attached?.streams?.map((x) => x.type + '/' + x.codec).join(' ')})`,
			sub.error || JSON.stringify(sub));
		let s = null;
		for (let i = 0; i < 80; i++) {
			s = await page.evaluate(() => window.roomStats());
			if (s?.video?.framesDecoded > 30 && s?.audio?.packetsReceived > 0) break;
			await sleep(250);
		}
		check(s?.video?.framesDecoded > 30, `Chromium decodes webrtcbin's VP8 (framesDecoded ${s?.video?.framesDecoded})`,
			JSON.stringify(await page.evaluate(() => window.roomState())));
		check(s?.audio?.packetsReceived > 0, `Chromium receives webrtcbin's Opus (packetsReceived ${s?.audio?.packetsReceived})`);
		await page.context().close();
	}
	pub.proc.stdin.end();
	relay(await pub.done);

	// 2. Chromium publishes, webrtcbin subscribes.
	const page = await newPage();
	const p = await page.evaluate(([s, r]) => window.roomPublish(s, r, 'chromium', 30000), [api, room])
		.catch((e) => ({ error: String(e) }));
	check(p.id && !p.error, `Chromium published into the room (feed ${p.id})`, p.error);
	if (p.id) {
		const sub = py('subscribe', api, String(room), String(p.id), '40');
		relay(await sub.done);
	}
	await page.context().close();
} catch (e) {
	diag(`aborted: ${e.message || e}`);
	failed++;
} finally {
	await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

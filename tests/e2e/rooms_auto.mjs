// rooms_auto.mjs -- an "auto" room (default thresholds: sfu past 6 participants): 6 participants
// in mesh each publish 320x180 at 15 fps and follow all; the 7th joins and everybody gets
// {"mode":"sfu","previous":"mesh"}; framesDecoded of every stream of the first six is sampled
// every 250 ms around the transition and none may stall for more than 1 s.
// Usage: node rooms_auto.mjs PAGE_URL HTTP_API_URL. TAP.
import { check, note, sleep, launch, openPage, lr, finish, bail, deadline, elapsed } from './rooms_lib.mjs';

const [pageUrl, api] = process.argv.slice(2);
const ROOM = 4104, N = 6, STALL_MS = 1000;
const CAPTURE = { width: { ideal: 320 }, height: { ideal: 180 }, frameRate: { ideal: 15 } };
deadline(170);
const browser = await launch();
const pages = [];

try {
	for (let i = 0; i <= N; i++)
		pages.push(await openPage(browser, pageUrl));
	for (const p of pages)
		await lr(p, 'session', 's', api);
	await lr(pages[0], 'attach', 'ctl', 's');
	const c = await lr(pages[0], 'request', 'ctl', { request: 'create', room: ROOM, mode: 'auto' });
	check(c.videoroom === 'created', 'create with mode "auto" (default thresholds)', c);
	const ids = [];
	for (let i = 0; i < N; i++) {
		const j = await lr(pages[i], 'publisher', 'pub', 's', ROOM, 'user' + i);
		const r = await lr(pages[i], 'publish', 'pub', { capture: CAPTURE });
		await lr(pages[i], 'subscriber', 'sub', 's', ROOM, { private_id: j.private_id });
		ids.push(j.id);
		if (j.mode !== 'mesh' || r.configured !== 'ok') check(false, `user${i} joins in mesh and publishes`, { j, r });
	}
	// Everyone decodes everyone before the 7th comes.
	let full = false, t = Date.now(), st;
	while (!full && Date.now() - t < 40000) {
		st = await Promise.all(pages.slice(0, N).map((p) => lr(p, 'stats', 'sub')));
		full = st.every((l, i) => ids.every((id, j) => j === i || l.some((s) => s.feed === id && s.kind === 'video' && s.framesDecoded > 0)));
		if (!full) await sleep(500);
	}
	check(full, `${N} participants in mesh decode each other (${Date.now() - t} ms)`, st);

	// Sample every 250 ms; the 7th joins after 2 s; go on for 8 s after its join.
	const samples = [];
	const from = await Promise.all(pages.slice(0, N).map((p) => lr(p, 'eventCount', 'pub')));
	let joinedAt = 0, j7 = null;
	const sampler = (async () => {
		const end = () => joinedAt && Date.now() > joinedAt + 8000;
		while (!end()) {
			const now = Date.now();
			const s = await Promise.all(pages.slice(0, N).map((p) => lr(p, 'stats', 'sub')));
			samples.push({ t: now, s });
			await sleep(Math.max(0, 250 - (Date.now() - now)));
		}
	})();
	await sleep(2000);
	j7 = await lr(pages[N], 'publisher', 'pub', 's', ROOM, 'user' + N);
	joinedAt = Date.now();
	check(j7.videoroom === 'joined', `the 7th joins (mode in its reply: ${j7.mode})`, j7);
	const modeEv = await Promise.all(pages.slice(0, N).map((p, i) =>
		lr(p, 'waitEvent', 'pub', 'm.mode === "sfu" && m.previous === "mesh"', 8000, from[i]).catch((e) => String(e))));
	check(modeEv.every((m) => m.mode === 'sfu'), 'the first six get {"mode":"sfu","previous":"mesh"}', modeEv);
	await sampler;

	// Longest stall of each (viewer i, feed j) video: time between samples with no framesDecoded growth.
	let worst = { ms: 0 };
	const stalls = [];
	for (let i = 0; i < N; i++)
		for (let j = 0; j < N; j++) {
			if (i === j) continue;
			let lastFd = -1, lastChange = samples[0].t, longest = 0;
			for (const sm of samples) {
				const v = sm.s[i].find((s) => s.feed === ids[j] && s.kind === 'video');
				const fd = v ? v.framesDecoded : -1;
				if (fd > lastFd) { longest = Math.max(longest, sm.t - lastChange); lastChange = sm.t; lastFd = fd; }
			}
			longest = Math.max(longest, samples[samples.length - 1].t - lastChange);
			if (longest > worst.ms) worst = { ms: longest, i, j };
			if (longest > STALL_MS) stalls.push(`user${i} <- user${j}: ${longest} ms`);
		}
	note(`${samples.length} samples over ${((samples[samples.length - 1].t - samples[0].t) / 1000).toFixed(1)} s; ` +
		`longest stall ${worst.ms} ms (user${worst.i} <- user${worst.j})`);
	check(stalls.length === 0, `no stream of the first six froze > ${STALL_MS} ms around the transition`, stalls.join('\n'));
} catch (e) {
	bail(e, pages);
}
note(`client wall time ${elapsed()} s`);
await browser.close();
finish();

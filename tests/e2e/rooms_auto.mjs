// rooms_auto.mjs -- an "auto" room (sfu past auto_sfu_at participants, 6 by default): 6
// participants in mesh each publish 320x180 at 15 fps and follow all; the 7th joins and everybody
// gets {"mode":"sfu","previous":"mesh"}. No stream of the first six may freeze for more than 1 s
// over the transition: each page samples framesDecoded of its inbound videos every 100 ms with its
// own timer (rooms.html record()), and the longest time without an increase is computed per
// stream over [join - 3 s, join + 5 s]. Under ASan: 3 participants, auto_sfu_at 3.
// Usage: node rooms_auto.mjs PAGE_URL HTTP_API_URL. TAP.
import { check, note, sleep, launch, openPage, lr, finish, bail, deadline, elapsed } from './rooms_lib.mjs';

const [pageUrl, api] = process.argv.slice(2);
const ASAN = process.env.ROOMS_ASAN === '1';
const ROOM = 4104, N = ASAN ? 3 : 6, STALL_MS = 1000, PERIOD_MS = 100, BEFORE_MS = 3000, AFTER_MS = 5000;
const CAPTURE = { width: { ideal: 320 }, height: { ideal: 180 }, frameRate: { ideal: 15 } };
deadline(115);
const browser = await launch();
const pages = [];

// Longest time in [from, to] without a framesDecoded increase of mid, and the longest gap
// between two samples (the recorder's own resolution there).
function freeze(samples, mid, from, to) {
	let prev = -1, lastInc = from, longest = 0, gap = 0, prevT = null, n = 0;
	for (const [t, fd] of samples) {
		const v = fd[mid] === undefined ? -1 : fd[mid];
		if (t < from) { prev = v; continue; }
		if (t > to) break;
		n++;
		if (prevT !== null) gap = Math.max(gap, t - prevT);
		prevT = t;
		if (v > prev) { longest = Math.max(longest, t - lastInc); lastInc = t; }
		prev = Math.max(prev, v);
	}
	longest = Math.max(longest, to - lastInc);
	return { longest: Math.round(longest), gap: Math.round(gap), n };
}

try {
	for (let i = 0; i <= N; i++)
		pages.push(await openPage(browser, pageUrl));
	await Promise.all(pages.map((p) => lr(p, 'session', 's', api)));
	await lr(pages[0], 'attach', 'ctl', 's');
	const c = await lr(pages[0], 'request', 'ctl', { request: 'create', room: ROOM, mode: 'auto',
		...(ASAN ? { auto_sfu_at: N } : {}) });
	check(c.videoroom === 'created', `create with mode "auto" (sfu past ${N} participants)`, c);

	const first = pages.slice(0, N);
	const js = await Promise.all(first.map((p, i) => lr(p, 'publisher', 'pub', 's', ROOM, 'user' + i)));
	const ids = js.map((j) => j.id);
	const rs = await Promise.all(first.map((p) => lr(p, 'publish', 'pub', { capture: CAPTURE, timeoutMs: 20000 })));
	check(js.every((j) => j.mode === 'mesh') && rs.every((r) => r.configured === 'ok'),
		`${N} participants join in mesh and publish`, { js, rs });
	const as = await Promise.all(first.map((p, i) => lr(p, 'subscriber', 'sub', 's', ROOM, { private_id: js[i].private_id })));
	check(as.every((a) => a.videoroom === 'attached'), `${N} follow-all subscribers attached`, as);

	// Everyone decodes everyone before the 7th comes.
	let full = false, st;
	const t = Date.now();
	while (!full && Date.now() - t < 30000) {
		st = await Promise.all(first.map((p) => lr(p, 'stats', 'sub')));
		full = st.every((l, i) => ids.every((id, j) => j === i ||
			l.some((s) => s.feed === id && s.kind === 'video' && s.framesDecoded > 0)));
		if (!full) await sleep(500);
	}
	check(full, `${N} participants in mesh decode each other (${Date.now() - t} ms)`, st);

	const from = await Promise.all(first.map((p) => lr(p, 'eventCount', 'pub')));
	await Promise.all(first.map((p) => lr(p, 'record', 'sub', PERIOD_MS)));
	await sleep(BEFORE_MS + 500);
	const joinAt = Date.now();
	note(`the ${N + 1}th joins at ${new Date(joinAt).toISOString()}`);
	const j7 = await lr(pages[N], 'publisher', 'pub', 's', ROOM, 'user' + N);
	check(j7.videoroom === 'joined' && j7.mode === 'sfu', `the ${N + 1}th joins (mode in its reply: ${j7.mode}, ` +
		`${Date.now() - joinAt} ms)`, j7);
	const modeEv = await Promise.all(first.map((p, i) =>
		lr(p, 'waitEvent', 'pub', 'm.mode === "sfu" && m.previous === "mesh"', 5000, from[i]).catch((e) => String(e))));
	check(modeEv.every((m) => m.mode === 'sfu'), `the first ${N} get {"mode":"sfu","previous":"mesh"}`, modeEv);
	await sleep(Math.max(0, joinAt + AFTER_MS + 300 - Date.now()));
	const recs = await Promise.all(first.map((p) => lr(p, 'recorded', 'sub', true)));

	// Per (viewer i, feed j) video: the longest freeze over [join - 3 s, join + 5 s].
	let worst = { longest: -1 }, maxGap = 0, fewest = Infinity;
	const stalls = [], missing = [];
	for (let i = 0; i < N; i++)
		for (let j = 0; j < N; j++) {
			if (i === j) continue;
			const rec = recs[i];
			const mids = Object.keys(rec.feeds).filter((m) => rec.feeds[m] === ids[j] &&
				rec.samples.some(([, fd]) => fd[m] !== undefined));
			if (mids.length !== 1) { missing.push(`user${i} <- user${j}: video mids ${JSON.stringify(mids)}`); continue; }
			const f = freeze(rec.samples, mids[0], joinAt - BEFORE_MS, joinAt + AFTER_MS);
			maxGap = Math.max(maxGap, f.gap);
			fewest = Math.min(fewest, f.n);
			if (f.longest > worst.longest) worst = { ...f, i, j };
			if (f.longest > STALL_MS)
				stalls.push(`user${i} <- user${j} (mid ${mids[0]}): ${f.longest} ms without a new frame`);
		}
	check(missing.length === 0, `every viewer recorded one video per other participant`, missing.join('\n'));
	note(`longest freeze ${worst.longest} ms (user${worst.i} <- user${worst.j}); recorder: >= ${fewest} samples per ` +
		`stream in the ${(BEFORE_MS + AFTER_MS) / 1000} s window, longest gap between samples ${maxGap} ms`);
	check(fewest >= (BEFORE_MS + AFTER_MS) / PERIOD_MS / 2,
		`the in-page recorders sampled at least every ${2 * PERIOD_MS} ms on average (${fewest} samples)`);
	check(stalls.length === 0, `no stream of the first ${N} froze > ${STALL_MS} ms from 3 s before to 5 s after ` +
		`the ${N + 1}th join (longest ${worst.longest} ms)`, stalls.join('\n'));
} catch (e) {
	bail(e, pages);
}
note(`client wall time ${elapsed()} s`);
await browser.close();
finish();

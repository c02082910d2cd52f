// rooms_broadcast.mjs -- a "broadcast" room with presenters ["presenter"] and a secret: the
// presenter publishes, VIEWERS viewer peer connections (subscriber handles following all, several
// per page) decode it; viewer1's publish is refused with 433; it raises a hand, the moderator
// (joined with the secret) sees the "hand" event and promotes it; viewer1 becomes presenter,
// publishes, and the viewers decode it too. With ADMIN_URL and ROOMS_WORKERS=N >= 2 (lumen started
// with media.workers=N) it also checks that every transmit worker sent packets (/metrics) and
// that the admin API shows each viewer's worker, spread over all N.
// Usage: node rooms_broadcast.mjs PAGE_URL HTTP_API_URL [ADMIN_URL].
import { readFileSync, readdirSync } from 'node:fs';
import { check, note, sleep, launch, openPage, lr, finish, bail, deadline, elapsed } from './rooms_lib.mjs';

const [pageUrl, api, admin] = process.argv.slice(2);
const WORKERS = Number(process.env.ROOMS_WORKERS || 1);

// CPU ticks (utime + stime) of each thread of process pid, by thread name ("lumen", "lumen-tx0").
function threadTicks(pid) {
	const out = {};
	for (const t of readdirSync(`/proc/${pid}/task`)) {
		try {
			const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
			const name = readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim();
			const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			out[name] = (out[name] || 0) + Number(f[11]) + Number(f[12]);
		} catch { /* the thread ended */ }
	}
	return out;
}

// Steady-state CPU per thread of lumen (LUMEN_PID, CLK_TCK from the caller) over secs seconds.
async function noteCpu(secs) {
	const pid = process.env.LUMEN_PID, hz = Number(process.env.CLK_TCK || 100);
	if (!pid) return;
	const a = threadTicks(pid);
	await sleep(secs * 1000);
	const b = threadTicks(pid);
	const pct = Object.keys(b).map((n) => [n, (100 * (b[n] - (a[n] || 0))) / (hz * secs)])
		.filter(([, p]) => p > 0).sort((x, y) => y[1] - x[1]);
	note(`cpu over ${secs} s of the ${VIEWERS}-viewer fan-out (media.workers=${WORKERS}): ` +
		pct.map(([n, p]) => `${n} ${p.toFixed(1)}%`).join(', '));
}

// Per-worker sample values of a /metrics family: {worker: value}.
async function workerMetric(name) {
	const text = await (await fetch(admin + '/metrics')).text();
	const out = {};
	for (const m of text.matchAll(new RegExp(`^${name}\\{worker="(\\d+)"\\} (\\S+)$`, 'gm')))
		out[m[1]] = Number(m[2]);
	return out;
}

// The workers check: every viewer placed on a worker, all workers used, all of them sending.
async function checkWorkers() {
	const parts = await (await fetch(`${admin}/admin/v1/rooms/${ROOM}/participants`)).json();
	const subs = parts.subscribers || [];
	const per = {};
	for (const s of subs) per[s.worker] = (per[s.worker] || 0) + 1;
	check(subs.length >= VIEWERS && subs.every((s) => Number.isInteger(s.worker)),
		`the admin API shows a transmit worker for each of the ${subs.length} viewer handles`, subs.map((s) => s.worker));
	check(Object.keys(per).length === WORKERS, `viewers spread over all ${WORKERS} workers (${JSON.stringify(per)})`, per);
	const before = await workerMetric('lumen_media_worker_packets_total');
	await sleep(2000);
	const after = await workerMetric('lumen_media_worker_packets_total');
	const hand = await workerMetric('lumen_media_worker_handoffs_total');
	const drops = await workerMetric('lumen_media_worker_drops_total');
	const hw = await workerMetric('lumen_media_worker_queue_high_water');
	note(`workers: packets ${JSON.stringify(after)} hand-offs ${JSON.stringify(hand)} drops ${JSON.stringify(drops)} queue high-water ${JSON.stringify(hw)}`);
	const sending = Object.keys(after).filter((w) => after[w] > (before[w] || 0));
	check(Object.keys(after).length === WORKERS && sending.length === WORKERS,
		`every one of the ${WORKERS} transmit workers sent packets in the last 2 s (/metrics)`, { before, after });
	const ratio = Object.keys(hand).map((w) => (after[w] || 0) / Math.max(1, hand[w]));
	check(ratio.every((r) => r > 1.5), `a hand-off carries several viewers' sends (packets per hand-off ${ratio.map((r) => r.toFixed(1)).join(', ')})`, { hand, after });
}
const ROOM = 4103, SECRET = 'b-secret', PER_PAGE = 5;
const VIEWERS = process.env.ROOMS_ASAN === '1' ? 10 : 20;
const CAPTURE = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15 } };
if (VIEWERS < 20) note(`sanitizer build: ${VIEWERS} viewer connections instead of 20`);
deadline(150);
const browser = await launch();
const pages = [];

// Waits until every viewer handle decodes video of feed; returns [ok, ms, last stats].
async function allDecode(vpages, feed, ms) {
	const t = Date.now();
	let last = [];
	while (Date.now() - t < ms) {
		last = [];
		for (const [p, names] of vpages)
			for (const nm of names) {
				const st = await lr(p, 'stats', nm);
				last.push({ nm, v: st.find((s) => s.feed === feed && s.kind === 'video') });
			}
		if (last.every((x) => x.v && x.v.framesDecoded > 0)) return [true, Date.now() - t, last];
		await sleep(500);
	}
	return [false, null, last];
}

try {
	const pp = await openPage(browser, pageUrl), pm = await openPage(browser, pageUrl);
	pages.push(pp, pm);
	await lr(pp, 'session', 's', api);
	await lr(pm, 'session', 's', api);
	await lr(pp, 'attach', 'ctl', 's');
	const c = await lr(pp, 'request', 'ctl', { request: 'create', room: ROOM, mode: 'broadcast',
		presenters: ['presenter'], secret: SECRET });
	check(c.videoroom === 'created', 'create with mode "broadcast", presenters and a secret', c);
	const jp = await lr(pp, 'publisher', 'pub', 's', ROOM, 'presenter');
	check(jp.role === 'presenter' && jp.mode === 'broadcast', `"presenter" joins with role ${jp.role}`, jp);
	const rp = await lr(pp, 'publish', 'pub', { capture: CAPTURE });
	check(rp.configured === 'ok', 'the presenter publishes', rp);
	const jm = await lr(pm, 'publisher', 'mod', 's', ROOM, 'mod', { secret: SECRET });
	check(jm.role === 'moderator', `joining with the secret gives role ${jm.role}`, jm);

	// Viewers: PER_PAGE subscriber handles per page, one session per page.
	const vpages = [];
	const t0 = Date.now();
	for (let i = 0; i < VIEWERS; i += PER_PAGE) {
		const p = await openPage(browser, pageUrl);
		pages.push(p);
		await lr(p, 'session', 's', api);
		const names = [];
		for (let k = i; k < Math.min(VIEWERS, i + PER_PAGE); k++) {
			const a = await lr(p, 'subscriber', 'v' + k, 's', ROOM);
			if (a.videoroom !== 'attached') check(false, `viewer ${k} attaches`, a);
			names.push('v' + k);
		}
		vpages.push([p, names]);
	}
	const [ok1, ms1, last1] = await allDecode(vpages, jp.id, 30000);
	check(ok1, `all ${VIEWERS} viewer connections decode the presenter (${Date.now() - t0} ms after the first joined)`,
		last1.filter((x) => !(x.v && x.v.framesDecoded > 0)));
	if (admin && WORKERS >= 2) await checkWorkers();
	await noteCpu(5);

	// viewer1: join as publisher, publish refused.
	const pv = vpages[0][0];
	const jv = await lr(pv, 'publisher', 'vpub', 's', ROOM, 'viewer1');
	check(jv.role === 'viewer', `"viewer1" joins as publisher with role ${jv.role}`, jv);
	const refused = await lr(pv, 'publish', 'vpub', { capture: CAPTURE });
	check(refused.error_code === 433, `its publish is refused with 433 (${refused.error})`, refused);
	await lr(pv, 'hangup', 'vpub');

	const fromM = await lr(pm, 'eventCount', 'mod');
	const rh = await lr(pv, 'request', 'vpub', { request: 'raise_hand', raised: true });
	check(!rh.error_code, 'raise_hand accepted', rh);
	const hand = await lr(pm, 'waitEvent', 'mod', `m.hand && m.hand.id === ${jv.id}`, 5000, fromM).catch((e) => String(e));
	check(hand.hand && hand.hand.raised === true && hand.hand.display === 'viewer1',
		'the moderator gets the "hand" event', hand);
	const fromV = await lr(pv, 'eventCount', 'vpub');
	const pr = await lr(pm, 'request', 'mod', { request: 'promote', room: ROOM, id: jv.id });
	check(!pr.error_code, 'the moderator promotes viewer1', pr);
	const role = await lr(pv, 'waitEvent', 'vpub', 'm.role', 5000, fromV).catch((e) => String(e));
	check(role.role === 'presenter', `viewer1 gets role ${role.role}`, role);
	const rv = await lr(pv, 'publish', 'vpub', { capture: CAPTURE });
	check(rv.configured === 'ok', 'the promoted viewer publishes', rv);
	// Its media reaches the viewers (they follow all); viewer1's own handles may skip it, so ask the
	// viewers of the other pages and the presenter's page.
	await lr(pp, 'subscriber', 'psub', 's', ROOM, { private_id: jp.private_id });
	const others = vpages.slice(1).concat([[pp, ['psub']]]);
	const [ok2, ms2, last2] = await allDecode(others, jv.id, 20000);
	check(ok2, `viewer1's video reaches the others (${others.reduce((a, x) => a + x[1].length, 0)} connections, ${ms2} ms)`,
		last2.filter((x) => !(x.v && x.v.framesDecoded > 0)));
} catch (e) {
	bail(e, pages);
}
note(`client wall time ${elapsed()} s`);
await browser.close();
finish();

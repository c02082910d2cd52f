// rooms_mesh.mjs -- a "mesh" room with 3 participants, each in its own browser context: each
// publishes camera and microphone and follows everybody with a subscriber handle that joins
// without "streams" (the server pushes "updated" offers). Each must decode the other two's video
// and receive their audio within 5 s of the later of the two joins. Usage: node rooms_mesh.mjs
// PAGE_URL HTTP_API_URL. TAP.
import { check, note, sleep, launch, openPage, lr, finish, bail, deadline, elapsed } from './rooms_lib.mjs';

const [pageUrl, api] = process.argv.slice(2);
const N = 3, LIMIT_MS = 5000, ROOM = 4101;
deadline(100);
const browser = await launch();
const pages = [];
try {
	for (let i = 0; i < N; i++)
		pages.push(await openPage(browser, pageUrl));
	await lr(pages[0], 'session', 's', api);
	const created = await lr(pages[0], 'publisher', 'tmp', 's', ROOM, 'creator').catch((e) => String(e));
	// The room does not exist yet: joining must fail with 426 before "create".
	check(created && created.error_code === 426, 'join before create fails with 426 (no such room)', created);
	const c = await lr(pages[0], 'request', 'tmp', { request: 'create', room: ROOM, mode: 'mesh' });
	check(c.videoroom === 'created' && c.room === ROOM, 'create with mode "mesh"', c);

	const joinedAt = [], ids = [], modes = [];
	for (let i = 0; i < N; i++) {
		const p = pages[i];
		if (i > 0)
			await lr(p, 'session', 's', api);
		const j = await lr(p, 'publisher', 'pub', 's', ROOM, 'user' + i);
		joinedAt.push(Date.now());
		ids.push(j.id); modes.push(j.mode);
		const pubr = await lr(p, 'publish', 'pub', { capture: { width: { ideal: 320 }, height: { ideal: 240 } } });
		check(pubr.configured === 'ok', `user${i}: joined (id ${j.id}, mode ${j.mode}, role ${j.role}) and published`, { j, pubr });
		const a = await lr(p, 'subscriber', 'sub', 's', ROOM, { private_id: j.private_id });
		check(a.videoroom === 'attached', `user${i}: subscriber without "streams" attached`, a);
	}
	check(modes.every((m) => m === 'mesh'), `join replies say mode mesh (${modes.join(',')})`, modes);

	// Poll every participant's subscriber until it decodes every other participant's video and
	// receives its audio; record when.
	const seen = Array.from({ length: N }, () => ({}));
	const end = Date.now() + 20000;
	let last = [];
	while (Date.now() < end) {
		last = [];
		for (let i = 0; i < N; i++) {
			const st = await lr(pages[i], 'stats', 'sub');
			last.push(st);
			for (let j = 0; j < N; j++) {
				if (j === i || seen[i][j]) continue;
				const v = st.find((s) => s.feed === ids[j] && s.kind === 'video' && s.framesDecoded > 0);
				const a = st.find((s) => s.feed === ids[j] && s.kind === 'audio' && s.packetsReceived > 0);
				if (v && a) seen[i][j] = Date.now();
			}
		}
		if (seen.every((row, i) => Object.keys(row).length === N - 1)) break;
		await sleep(100);
	}
	for (let i = 0; i < N; i++)
		for (let j = 0; j < N; j++) {
			if (i === j) continue;
			const ms = seen[i][j] ? seen[i][j] - Math.max(joinedAt[i], joinedAt[j]) : null;
			check(ms !== null && ms <= LIMIT_MS,
				`user${i} decodes user${j}'s video and receives its audio ` +
				(ms === null ? '(never)' : `${ms} ms after the later join (limit ${LIMIT_MS})`),
				{ stats: last[i], streams: await lr(pages[i], 'streams', 'sub'), events: await lr(pages[i], 'events', 'sub') });
		}

	// Video keeps flowing: framesDecoded grows per remote feed over one more second.
	const before = await Promise.all(pages.map((p) => lr(p, 'stats', 'sub')));
	await sleep(1500);
	const after = await Promise.all(pages.map((p) => lr(p, 'stats', 'sub')));
	for (let i = 0; i < N; i++)
		for (let j = 0; j < N; j++) {
			if (i === j) continue;
			const b = before[i].find((s) => s.feed === ids[j] && s.kind === 'video');
			const a = after[i].find((s) => s.feed === ids[j] && s.kind === 'video');
			check(a && b && a.framesDecoded > b.framesDecoded,
				`user${i}: user${j}'s framesDecoded grows (${b?.framesDecoded} -> ${a?.framesDecoded} in 1.5 s)`, { b, a });
		}
	// Nobody receives their own streams (the subscriber joined with the publisher's private_id).
	for (let i = 0; i < N; i++)
		check(!after[i].some((s) => s.feed === ids[i]), `user${i} does not receive its own streams`, after[i]);
} catch (e) {
	bail(e, pages);
}
note(`client wall time ${elapsed()} s`);
await browser.close();
finish();

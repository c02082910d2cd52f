// rooms_media_loss.mjs -- two headless Chromium pages (pages/rooms_media.html, janus.js) in one sfu
// room: one publishes, the other subscribes to its feed; the network drops packets at random
// (rooms_loss.sh sets that up). For SECONDS the subscriber's video must decode in every 2 s
// window; NACKs must flow and lumen must retransmit (its admin API and /metrics say so).
// Usage: node rooms_media_loss.mjs PAGE_URL API_URL ADMIN_URL ROOM SECONDS. Prints TAP.
import { chromium } from 'playwright-core';

const [pageUrl, api, admin, roomArg, secsArg] = process.argv.slice(2);
const room = Number(roomArg), seconds = Number(secsArg || 20);
let n = 0, failed = 0;
const check = (cond, name, diag) => {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag) for (const l of String(diag).split('\n').slice(-30)) console.log('# ' + l);
};
const diag = (s) => console.log('# ' + s);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const getJson = async (path) => (await fetch(admin + path)).json();

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run', '--disable-quic', '--use-fake-device-for-media-stream',
		'--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
});
const newPage = async () => {
	const page = await (await browser.newContext()).newPage();
	page.consoleLines = [];
	page.on('console', (m) => page.consoleLines.push(m.text()));
	await page.goto(pageUrl);
	return page;
};
try {
	const pubPage = await newPage();
	const pub = await pubPage.evaluate(([s, r]) => window.roomPublish(s, r, 'pub', 30000), [api, room])
		.catch((e) => ({ error: String(e) }));
	check(pub.id && !pub.error, `publisher joined and published (id ${pub.id})`, pub.error);
	if (!pub.id) throw new Error('no publisher');

	const subPage = await newPage();
	const sub = await subPage.evaluate(([s, r, f]) => window.roomSubscribe(s, r, f, 30000), [api, room, pub.id])
		.catch((e) => ({ error: String(e) }));
	check(sub.started && sub.attached?.streams?.length >= 2,
		`subscriber attached to both streams and started (${sub.attached?.streams?.length} streams)`,
		sub.error || JSON.stringify(sub));
	if (!sub.started) throw new Error('no subscriber');

	// Wait for the first frames (loss is already on: ICE and DTLS retransmit).
	let s0 = null;
	for (let i = 0; i < 60; i++) {
		s0 = await subPage.evaluate(() => window.roomStats());
		if (s0?.video?.framesDecoded > 10) break;
		await sleep(250);
	}
	check(s0?.video?.framesDecoded > 10, `subscriber decodes video under loss (framesDecoded ${s0?.video?.framesDecoded})`,
		JSON.stringify(await subPage.evaluate(() => window.roomState())));

	// Every 2 s window must add decoded frames.
	const windows = [];
	let prev = s0, last = s0;
	for (let t = 0; t < seconds; t += 2) {
		await sleep(2000);
		last = await subPage.evaluate(() => window.roomStats());
		windows.push((last?.video?.framesDecoded || 0) - (prev?.video?.framesDecoded || 0));
		prev = last;
	}
	diag(`frames decoded per 2 s window: ${windows.join(' ')}`);
	check(windows.length > 0 && windows.every((d) => d > 0),
		`video keeps decoding in every 2 s window (min ${Math.min(...windows)})`);
	const v = last.video;
	diag(`subscriber inbound video: packetsReceived ${v.packetsReceived} packetsLost ${v.packetsLost} ` +
		`nackCount ${v.nackCount} pliCount ${v.pliCount} freezeCount ${v.freezeCount} ` +
		`totalFreezesDuration ${v.totalFreezesDuration.toFixed(2)} s keyFramesDecoded ${v.keyFramesDecoded}`);
	check(v.nackCount > 0, `the subscriber sends NACKs (nackCount ${v.nackCount})`);
	// Chromium counts a freeze whenever a frame comes > 150 ms late, which a NACK round trip can
	// cause: a few are expected, long ones are not.
	check(v.freezeCount <= seconds / 2 && v.totalFreezesDuration < seconds / 4,
		`few freezes (freezeCount ${v.freezeCount}, ${v.totalFreezesDuration.toFixed(2)} s frozen)`);
	check(last.audio?.packetsReceived > prev.audio?.packetsReceived - 1 && last.audio?.packetsReceived > 100,
		`audio arrives (packetsReceived ${last.audio?.packetsReceived})`);
	const ps = await pubPage.evaluate(() => window.roomStats());
	diag(`publisher outbound video: packetsSent ${ps?.outVideo?.packetsSent} nackCount ${ps?.outVideo?.nackCount} ` +
		`retransmittedPacketsSent ${ps?.outVideo?.retransmittedPacketsSent}`);

	// lumen's side: the subscriber's peer connection got NACKs and retransmitted.
	const counters = async (session, handle) => {
		const j = await getJson(`/admin/v1/sessions/${session}`);
		const h = (j.handles || []).find((x) => x.id === handle);
		return h?.pc?.counters || null;
	};
	const sc = await counters(sub.session, sub.handle);
	const pcnt = await counters(pub.session, pub.handle);
	diag(`lumen, subscriber pc: ${JSON.stringify(sc)}`);
	diag(`lumen, publisher pc: ${JSON.stringify(pcnt)}`);
	check(sc?.nacks_received > 0, `lumen received the subscriber's NACKs (nacks_received ${sc?.nacks_received})`, JSON.stringify(sc));
	check(sc?.retransmitted > 0, `lumen retransmitted to the subscriber (retransmitted ${sc?.retransmitted})`);
	check(pcnt?.nacks_sent > 0, `lumen NACKed the publisher's lost packets (nacks_sent ${pcnt?.nacks_sent})`, JSON.stringify(pcnt));

	const r = await getJson(`/admin/v1/rooms/${room}`);
	const parts = (r.participants || []).map((p) => ({ id: p.id, publisher: p.publisher,
		streams: (p.streams || []).map((s) => `${s.type}:${s.packets}`) }));
	diag(`admin room: mode ${r.effective_mode} stats ${JSON.stringify(r.stats)} participants ${JSON.stringify(parts)}`);
	check(r.effective_mode === 'sfu' && parts.some((p) => p.id === pub.id && p.publisher),
		`admin API shows the sfu room and its publisher`, JSON.stringify(r));
	check(r.stats?.nacks > 0 && r.stats?.forwarded_packets > 0,
		`admin API room stats count forwarded packets and NACKs (${r.stats?.forwarded_packets}, ${r.stats?.nacks})`,
		JSON.stringify(r));
	const metrics = await (await fetch(admin + '/metrics')).text();
	const m = /^lumen_room_nacks_total(?:\{[^}]*\})? (\d+(?:\.\d+)?)/m.exec(metrics);
	const fwd = /^lumen_room_forwarded_packets_total(?:\{[^}]*\})? (\d+)/m.exec(metrics);
	diag(`metrics: lumen_room_nacks_total ${m?.[1]} lumen_room_forwarded_packets_total ${fwd?.[1]}`);
	check(m && Number(m[1]) > 0, `/metrics counts the NACKs (lumen_room_nacks_total ${m?.[1]})`);
	// The media above (and the NACKs and retransmissions) went through the receive loop
	// (webrtc/rxloop.h), not libnice's per-socket path: both pcs joined it, none fell back.
	const rx = (name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? NaN);
	const rxConns = rx('lumen_media_rx_connections'), rxData = rx('lumen_media_rx_datagrams_total');
	const rxFail = rx('lumen_media_rx_add_failures_total');
	check(rxConns >= 2 && rxData > 1000 && rxFail === 0,
		`the receive loop read both pcs' media (connections ${rxConns}, datagrams ${rxData}, failures ${rxFail})`);
} catch (e) {
	diag(`aborted: ${e.message || e}`);
	failed++;
} finally {
	await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

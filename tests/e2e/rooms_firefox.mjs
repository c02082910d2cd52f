// rooms_firefox.mjs -- Firefox ESR and Chromium in one sfu room, both through janus.js
// (pages/rooms_media.html): each publishes its fake camera and microphone, and each subscribes to
// the other's feed. Firefox runs headless over WebDriver BiDi (puppeteer-core) with a fresh
// profile; Chromium through playwright-core. Each subscriber must decode the other browser's
// video and receive its audio, and keep doing so. The pairs lumen selected for Firefox's two
// connections and the candidates Firefox gathered are reported. (With the permission prefs
// Firefox does not hide its host addresses behind mDNS names here; lumen's handling of .local
// candidates is test_ice's.)
// Usage: node rooms_firefox.mjs PAGE_URL API_URL ADMIN_URL ROOM. Prints TAP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { check, note, sleep, launch, finish } from './rooms_lib.mjs';

const [pageUrl, api, admin, roomArg] = process.argv.slice(2);
const room = Number(roomArg);
const getJson = async (p) => (await fetch(admin + p)).json();

// Headless Firefox ESR with fake devices. Without the permission prefs it gathers no candidates;
// MOZ_REMOTE_SETTINGS_DEVTOOLS keeps it from fetching remote settings (no network here).
async function launchFirefox(profile) {
	return puppeteer.launch({
		browser: 'firefox',
		executablePath: '/usr/bin/firefox-esr',
		headless: true,
		userDataDir: profile,
		protocol: 'webDriverBiDi',
		env: { ...process.env, MOZ_REMOTE_SETTINGS_DEVTOOLS: '1' },
		extraPrefsFirefox: {
			'media.navigator.streams.fake': true,
			'media.navigator.permission.disabled': true,
			'permissions.default.camera': 1,
			'permissions.default.microphone': 1,
			'media.autoplay.default': 0,
			'network.dns.disableIPv6': true,
		},
	});
}

// The same in-page calls on either browser's page (both evaluate a function with one argument).
const inPage = (page, fn, arg) => page.evaluate(fn, arg);
const publish = (page) => inPage(page, (a) => window.roomPublish(a[0], a[1], a[2], 30000), [api, room, 'pub'])
	.catch((e) => ({ error: String(e) }));
const subscribe = (page, feed) => inPage(page, (a) => window.roomSubscribe(a[0], a[1], a[2], 30000), [api, room, feed])
	.catch((e) => ({ error: String(e) }));
const stats = (page) => inPage(page, () => window.roomStats(), null);
const state = (page) => inPage(page, () => window.roomState(), null);

// Waits (at most ms) for the page's subscriber to have decoded more than `frames` frames.
async function decoding(page, frames, ms) {
	let s = null;
	for (const t = Date.now(); Date.now() - t < ms;) {
		s = await stats(page);
		if (s?.video?.framesDecoded > frames) break;
		await sleep(250);
	}
	return s;
}

// The remote candidate of a handle's selected pair, as lumen's admin API reports it.
async function selectedPair(pub) {
	const j = await getJson(`/admin/v1/sessions/${pub.session}`);
	const h = (j.handles || []).find((x) => x.id === pub.handle);
	return h?.pc?.selected_pair || JSON.stringify(h?.pc || j);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-ff-'));
let chromium = null, firefox = null;
try {
	chromium = await launch();
	firefox = await launchFirefox(profile);
	note(`firefox: ${await firefox.version()}`);
	const ffPub = await firefox.newPage(), ffSub = await firefox.newPage();
	const crPub = await (await chromium.newContext()).newPage();
	const crSub = await (await chromium.newContext()).newPage();
	for (const p of [ffPub, ffSub, crPub, crSub])
		await p.goto(pageUrl);

	const fp = await publish(ffPub);
	check(fp.id && !fp.error, `Firefox joined and published (id ${fp.id})`, fp.error);
	const cp = await publish(crPub);
	check(cp.id && !cp.error, `Chromium joined and published (id ${cp.id})`, cp.error);
	if (!fp.id || !cp.id)
		throw new Error('a publisher is missing');
	note(`Firefox publisher's pair at lumen: ${await selectedPair(fp)}`);

	const cs = await subscribe(crSub, fp.id);
	check(cs.started && cs.attached?.streams?.length >= 2,
		`Chromium subscribed to Firefox's feed (${cs.attached?.streams?.length} streams)`, cs.error || cs);
	const fs2 = await subscribe(ffSub, cp.id);
	check(fs2.started && fs2.attached?.streams?.length >= 2,
		`Firefox subscribed to Chromium's feed (${fs2.attached?.streams?.length} streams)`, fs2.error || fs2);
	if (!cs.started || !fs2.started)
		throw new Error('a subscriber is missing');
	note(`Firefox subscriber's pair at lumen: ${await selectedPair(fs2)}`);
	const ffSdp = await inPage(ffSub, () => window.roomLocalSdp && window.roomLocalSdp(), null);
	if (ffSdp)
		note(`Firefox subscriber's candidates: ${(ffSdp.match(/a=candidate:[^\r\n]*/g) || []).join(' | ')}`);

	const c0 = await decoding(crSub, 10, 20000);
	check(c0?.video?.framesDecoded > 10, `Chromium decodes Firefox's video (framesDecoded ${c0?.video?.framesDecoded})`,
		JSON.stringify(await state(crSub)));
	const f0 = await decoding(ffSub, 10, 20000);
	check(f0?.video?.framesDecoded > 10, `Firefox decodes Chromium's video (framesDecoded ${f0?.video?.framesDecoded})`,
		JSON.stringify(await state(ffSub)));

	// Both keep going for 4 s: frames and audio packets still rise.
	await sleep(4000);
	const c1 = await stats(crSub), f1 = await stats(ffSub);
	const dc = (c1?.video?.framesDecoded || 0) - (c0?.video?.framesDecoded || 0);
	const df = (f1?.video?.framesDecoded || 0) - (f0?.video?.framesDecoded || 0);
	note(`in 4 s: Chromium decoded ${dc} frames of Firefox's video (width ${c1?.video?.frameWidth}), ` +
		`Firefox ${df} of Chromium's (width ${f1?.video?.frameWidth})`);
	check(dc > 20, `Firefox's video keeps decoding in Chromium (${dc} frames in 4 s)`);
	check(df > 20, `Chromium's video keeps decoding in Firefox (${df} frames in 4 s)`);
	const ca = (c1?.audio?.packetsReceived || 0) - (c0?.audio?.packetsReceived || 0);
	const fa = (f1?.audio?.packetsReceived || 0) - (f0?.audio?.packetsReceived || 0);
	check(ca > 100, `Firefox's audio reaches Chromium (${ca} packets in 4 s)`);
	check(fa > 100, `Chromium's audio reaches Firefox (${fa} packets in 4 s)`);

	// lumen's side: the room forwards both feeds.
	const r = await getJson(`/admin/v1/rooms/${room}`);
	const pubs = (r.participants || []).filter((p) => p.publisher).map((p) => p.id);
	check(pubs.includes(fp.id) && pubs.includes(cp.id) && r.stats?.forwarded_packets > 0,
		`admin API: both publishers in the room, ${r.stats?.forwarded_packets} packets forwarded`, r);
} catch (e) {
	check(false, `the test ran to its end (${e.message || e})`);
} finally {
	if (firefox) await firefox.close().catch(() => {});
	if (chromium) await chromium.close().catch(() => {});
	fs.rmSync(profile, { recursive: true, force: true });
}
finish();

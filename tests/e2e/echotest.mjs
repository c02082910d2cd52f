// echotest.mjs -- headless Chromium (Debian's, with fake camera and microphone) loads
// pages/echotest.html and runs janus.js's echotest against lumen over HTTP and over WebSocket.
// Usage: node echotest.mjs PAGE_URL HTTP_API_URL WS_API_URL. Prints TAP.
import { chromium } from 'playwright-core';

const [pageUrl, httpApi, wsApi] = process.argv.slice(2);
let n = 0, failed = 0;
const check = (cond, name, diag) => {
	n++;
	if (!cond) failed++;
	console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${name}`);
	if (!cond && diag) for (const l of String(diag).split('\n').slice(-40)) console.log('# ' + l);
};

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run', '--disable-quic', '--use-fake-device-for-media-stream',
		'--use-fake-ui-for-media-stream', '--autoplay-policy=no-user-gesture-required'],
});
try {
	for (const [transport, server] of [['HTTP', httpApi], ['WebSocket', wsApi]]) {
		const ctx = await browser.newContext();
		const page = await ctx.newPage();
		const consoleLines = [];
		page.on('console', (m) => consoleLines.push(m.text()));
		await page.goto(pageUrl);
		const r = await page.evaluate(([s]) => window.runEcho(s, 40000), [server]);
		const diag = JSON.stringify(r, null, 1) + '\n' + consoleLines.slice(-15).join('\n');
		check(r.webrtcup, `${transport}: ICE and DTLS come up (webrtcState true)`, diag);
		check(r.stats && r.stats.video && r.stats.video.framesDecoded > 30,
			`${transport}: echoed video decodes (framesDecoded ${r.stats?.video?.framesDecoded})`, diag);
		check(r.stats && r.stats.audio && r.stats.audio.packetsReceived > 50,
			`${transport}: echoed audio arrives (packetsReceived ${r.stats?.audio?.packetsReceived})`, diag);
		check(r.text === 'hello lumen', `${transport}: data channel echoes text`, diag);
		check(r.binary === '1,2,3,255', `${transport}: data channel echoes binary`, diag);
		check(r.stats?.transport?.srtpCipher === 'SRTP_AEAD_AES_128_GCM',
			`${transport}: SRTP uses AEAD_AES_128_GCM (got ${r.stats?.transport?.srtpCipher})`, diag);
		await ctx.close();
	}
} finally {
	await browser.close();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

/* app.js -- the lumen demo page: join a video room with janus.js (multistream API, Janus 1.1).
 *
 * One Janus session with two handles on "janus.plugin.videoroom":
 *  - the publisher handle joins as ptype "publisher", sends camera and microphone (simulcast in
 *    sfu/auto rooms) and carries the room's requests (raise_hand, promote, demote, listparticipants);
 *  - the subscriber handle joins WITHOUT "streams": lumen then subscribes it to every other
 *    participant's streams, now and later, and pushes an "updated" offer whenever someone
 *    publishes or leaves. Every offer is answered with {"request":"start"} + the answer.
 * Remote tracks are grouped in one tile per participant (feed_id/feed_display of the streams
 * array, keyed by mid). Plain JS, no build step. State for tests: window.lumenDemo. */
'use strict';

(function () {
	const PLUGIN = 'janus.plugin.videoroom';
	const $ = (id) => document.getElementById(id);

	const st = {
		janus: null,
		pub: null,          /* publisher handle */
		sub: null,          /* subscriber handle */
		room: 0,
		display: '',
		secret: '',
		mode: 'auto',       /* the mode asked for in the form (used when creating) */
		roomMode: '',       /* the room's effective mode, from "joined" and {"mode"} events */
		role: '',
		myId: 0,
		privateId: 0,
		publishing: false,
		handRaised: false,
		subJoined: false,
		mids: new Map(),    /* subscriber mid -> {feed, display, type} */
		trackMids: new Map(), /* remote track id -> mid (stats without "mid") */
		tiles: new Map(),   /* feed id (0 = me) -> tile */
		hands: new Map(),   /* id -> display */
		participants: [],
		prevStats: new Map(), /* key -> {bytes, ts} */
		statsTimer: 0,
		partTimer: 0,
		errors: [],
	};
	window.lumenDemo = st;

	/* ---- small UI helpers ---- */

	function setStatus(state, text) {
		const el = $('status');
		el.dataset.state = state;
		el.textContent = text;
	}

	function log(text) {
		const li = document.createElement('li');
		li.textContent = new Date().toLocaleTimeString() + '  ' + text;
		const list = $('log');
		list.prepend(li);
		while (list.children.length > 50)
			list.lastChild.remove();
	}

	function showError(text) {
		st.errors.push(text);
		$('banner-text').textContent = text;
		$('banner').hidden = false;
		log('error: ' + text);
	}

	/* A videoroom reply or event carrying error_code/error: shown, and true. */
	function pluginError(msg) {
		if (msg && (msg.error_code !== undefined || msg.error !== undefined)) {
			showError((msg.error_code ? msg.error_code + ': ' : '') + (msg.error || 'error'));
			return true;
		}
		return false;
	}

	function janusError(what) {
		return (err) => showError(what + ': ' + (err && err.message ? err.message :
			typeof err === 'string' ? err : JSON.stringify(err)));
	}

	function fmtBitrate(bps) {
		if (bps >= 1e6)
			return (bps / 1e6).toFixed(2) + ' Mbit/s';
		return Math.round(bps / 1e3) + ' kbit/s';
	}

	/* Sends a synchronous request on the publisher handle; resolves with the plugin's reply. */
	function request(body) {
		return new Promise((resolve, reject) => {
			st.pub.send({
				message: body,
				success: (reply) => resolve(reply || {}),
				error: (err) => reject(new Error(typeof err === 'string' ? err : JSON.stringify(err))),
			});
		});
	}

	/* ---- tiles: one per participant, holding all its tracks ---- */

	function tileFor(feed, display) {
		let t = st.tiles.get(feed);
		if (!t) {
			const el = document.createElement('figure');
			el.className = 'tile' + (feed === 0 ? ' me' : '');
			el.dataset.feed = String(feed);
			const video = document.createElement('video');
			video.autoplay = true;
			video.playsInline = true;
			video.muted = feed === 0; /* never hear yourself */
			const stream = new MediaStream();
			video.srcObject = stream;
			const cap = document.createElement('figcaption');
			const name = document.createElement('span');
			name.className = 'name';
			const stats = document.createElement('span');
			stats.className = 'stats';
			cap.append(name, stats);
			el.append(video, cap);
			$('tiles').append(el);
			t = { el, video, stream, name, stats, tracks: new Map() };
			st.tiles.set(feed, t);
		}
		if (display !== undefined)
			t.name.textContent = feed === 0 ? display + ' (you)' : display;
		return t;
	}

	function tileAddTrack(feed, display, key, track) {
		const t = tileFor(feed, display);
		const old = t.tracks.get(key);
		if (old === track)
			return;
		if (old)
			t.stream.removeTrack(old);
		t.tracks.set(key, track);
		t.stream.addTrack(track);
		t.el.classList.toggle('has-video', t.stream.getVideoTracks().length > 0);
		t.video.play().catch(() => { /* autoplay refused: the tile still shows */ });
	}

	function tileRemoveTrack(feed, key) {
		const t = st.tiles.get(feed);
		if (!t || !t.tracks.has(key))
			return;
		t.stream.removeTrack(t.tracks.get(key));
		t.tracks.delete(key);
		t.el.classList.toggle('has-video', t.stream.getVideoTracks().length > 0);
		if (t.tracks.size === 0 && feed !== 0)
			tileRemove(feed);
	}

	function tileRemove(feed) {
		const t = st.tiles.get(feed);
		if (!t)
			return;
		t.video.srcObject = null;
		t.el.remove();
		st.tiles.delete(feed);
	}

	/* ---- participants, hands, moderation ---- */

	function renderHands() {
		const ul = $('hands');
		ul.replaceChildren();
		if (st.hands.size === 0) {
			const li = document.createElement('li');
			li.className = 'empty';
			li.textContent = 'none';
			ul.append(li);
		}
		for (const [id, display] of st.hands) {
			const li = document.createElement('li');
			li.dataset.id = String(id);
			li.textContent = display + (id === st.myId ? ' (you)' : '');
			if (st.role === 'moderator' && id !== st.myId)
				li.append(' ', modButton('promote', id));
			ul.append(li);
		}
		$('hand').textContent = st.handRaised ? 'Lower hand' : 'Raise hand';
		$('hand').classList.toggle('raised', st.handRaised);
	}

	function modButton(what, id) {
		const b = document.createElement('button');
		b.type = 'button';
		b.className = 'mod ' + what;
		b.textContent = what;
		b.addEventListener('click', () => moderate(what, id));
		return b;
	}

	function renderParticipants() {
		const ul = $('participants');
		ul.replaceChildren();
		if (st.participants.length === 0) {
			const li = document.createElement('li');
			li.className = 'empty';
			li.textContent = 'none';
			ul.append(li);
		}
		for (const p of st.participants) {
			const li = document.createElement('li');
			li.dataset.id = String(p.id);
			li.textContent = (p.display || ('#' + p.id)) + (p.id === st.myId ? ' (you)' : '') +
				(p.role ? ' \u2013 ' + p.role : '') + (p.publisher ? ' \u25cf' : '');
			if (st.role === 'moderator' && p.id !== st.myId) {
				li.append(' ', modButton('promote', p.id), ' ', modButton('demote', p.id));
			}
			ul.append(li);
		}
	}

	async function refreshParticipants() {
		if (!st.pub || !st.myId)
			return;
		try {
			const r = await request({ request: 'listparticipants', room: st.room });
			if (pluginError(r))
				return;
			st.participants = r.participants || [];
			renderParticipants();
		} catch (e) {
			/* the session is going away; the next refresh or an error callback says more */
		}
	}

	async function moderate(what, id) {
		const body = { request: what, room: st.room, id };
		if (st.secret)
			body.secret = st.secret;
		try {
			const r = await request(body);
			if (!pluginError(r))
				log(what + ' ' + id + ': ok');
		} catch (e) {
			showError(what + ': ' + e.message);
		}
		refreshParticipants();
	}

	async function toggleHand() {
		const raised = !st.handRaised;
		try {
			const r = await request({ request: 'raise_hand', room: st.room, raised });
			if (!pluginError(r))
				st.handRaised = raised;
		} catch (e) {
			showError('raise_hand: ' + e.message);
		}
		renderHands();
	}

	function setMode(mode, previous) {
		if (!mode)
			return;
		st.roomMode = mode;
		$('room-mode').textContent = mode;
		if (previous)
			log('room mode changed: ' + previous + ' \u2192 ' + mode);
	}

	function setRole(role) {
		if (!role)
			return;
		st.role = role;
		$('my-role').textContent = role;
		document.body.dataset.role = role;
		$('publish').hidden = st.publishing || role === 'viewer';
		renderHands();
		renderParticipants();
	}

	/* ---- publisher ---- */

	function wantSimulcast() {
		return st.mode === 'sfu' || st.mode === 'auto';
	}

	function publish() {
		if (st.publishing)
			return;
		st.publishing = true;
		$('publish').hidden = true;
		const simulcast = wantSimulcast();
		st.pub.createOffer({
			tracks: [
				{ type: 'audio', capture: true, recv: false },
				{ type: 'video', capture: true, recv: false, simulcast },
			],
			success: (jsep) => {
				st.pub.send({ message: { request: 'publish', audio: true, video: true }, jsep });
				log('publishing camera and microphone' + (simulcast ? ' (simulcast)' : ''));
			},
			error: (err) => {
				st.publishing = false;
				$('publish').hidden = st.role === 'viewer';
				janusError('cannot publish')(err);
			},
		});
	}

	function onPublisherMessage(msg, jsep) {
		if (jsep)
			st.pub.handleRemoteJsep({ jsep });
		if (pluginError(msg)) {
			if (msg.error_code === 433 && st.publishing) {
				st.publishing = false;
				st.pub.hangup();
			}
			return;
		}
		const ev = msg.videoroom;
		if (ev === 'joined') {
			st.myId = msg.id;
			st.privateId = msg.private_id;
			setStatus('joined', 'joined room ' + msg.room + ' as ' + st.display);
			log('joined room ' + msg.room + ' (id ' + msg.id + ', mode ' + msg.mode +
				', role ' + msg.role + ')');
			setMode(msg.mode);
			setRole(msg.role || 'publisher');
			$('room-bar').hidden = false;
			$('room-id').textContent = String(msg.room);
			if (st.role !== 'viewer' && st.role !== 'subscriber')
				publish();
			attachSubscriber();
			refreshParticipants();
			st.partTimer = setInterval(refreshParticipants, 5000);
			return;
		}
		if (ev === 'destroyed') {
			showError('the room was destroyed');
			leave();
			return;
		}
		if (ev !== 'event')
			return;
		if (msg.mode)
			setMode(msg.mode, msg.previous || '?');
		if (msg.role && msg.room !== undefined) {
			log('you are now ' + msg.role);
			setRole(msg.role);
			if (msg.role === 'presenter')
				publish();
			else if (msg.role === 'viewer' && st.publishing) {
				st.publishing = false;
				st.pub.hangup();
			}
		}
		if (msg.hand) {
			const h = msg.hand;
			if (h.raised)
				st.hands.set(h.id, h.display || ('#' + h.id));
			else
				st.hands.delete(h.id);
			if (h.id === st.myId)
				st.handRaised = !!h.raised;
			log((h.display || h.id) + (h.raised ? ' raised' : ' lowered') + ' a hand');
			renderHands();
		}
		if (msg.configured === 'ok')
			log('published');
		if (msg.unpublished === 'ok' || msg.unpublished === st.myId) {
			st.publishing = false;
			$('publish').hidden = st.role === 'viewer';
		} else if (msg.unpublished !== undefined) {
			log('participant ' + msg.unpublished + ' stopped publishing');
		}
		if (msg.leaving !== undefined && msg.leaving !== 'ok') {
			log('participant ' + msg.leaving + ' left');
			st.hands.delete(msg.leaving);
			renderHands();
		}
		if (msg.publishers)
			for (const p of msg.publishers)
				log((p.display || p.id) + ' publishes ' + (p.streams || []).map((s) => s.type).join('+'));
		if (msg.publishers || msg.leaving !== undefined || msg.unpublished !== undefined ||
		    msg.hand || msg.role)
			refreshParticipants();
	}

	/* ---- subscriber ---- */

	function attachSubscriber() {
		st.janus.attach({
			plugin: PLUGIN,
			opaqueId: 'lumen-demo-sub-' + Janus.randomString(8),
			success: (h) => {
				st.sub = h;
				/* No "streams": lumen's auto-subscribe follows every publisher. */
				const body = { request: 'join', ptype: 'subscriber', room: st.room };
				if (st.privateId)
					body.private_id = st.privateId;
				h.send({ message: body });
			},
			error: janusError('cannot attach the subscriber handle'),
			onmessage: onSubscriberMessage,
			onremotetrack: onRemoteTrack,
			oncleanup: () => {
				for (const feed of [...st.tiles.keys()])
					if (feed !== 0)
						tileRemove(feed);
			},
		});
	}

	/* The streams array of "attached"/"updated": which mid carries which participant's track. */
	function applyStreams(streams) {
		const live = new Set();
		for (const s of streams) {
			if (s.type === 'data' || s.active === false || !s.feed_id)
				continue;
			st.mids.set(s.mid, { feed: s.feed_id, display: s.feed_display || ('#' + s.feed_id),
				type: s.type });
			live.add(s.mid);
			const t = st.tiles.get(s.feed_id);
			if (t)
				t.name.textContent = s.feed_display || ('#' + s.feed_id);
		}
		for (const [mid, m] of [...st.mids]) {
			if (!live.has(mid)) {
				st.mids.delete(mid);
				tileRemoveTrack(m.feed, mid);
			}
		}
	}

	function onSubscriberMessage(msg, jsep) {
		if (pluginError(msg))
			return;
		const ev = msg.videoroom;
		if (ev === 'attached') {
			st.subJoined = true;
			log('subscribed to the room');
		}
		if ((ev === 'attached' || ev === 'updated') && msg.streams)
			applyStreams(msg.streams);
		if (ev === 'event' && msg.started === 'ok')
			log('receiving ' + st.mids.size + ' remote track(s)');
		if (!jsep)
			return;
		st.sub.createAnswer({
			jsep,
			/* Only data is named: audio and video offered are accepted receive-only. */
			tracks: [{ type: 'data' }],
			success: (answer) => {
				st.sub.send({ message: { request: 'start', room: st.room }, jsep: answer });
			},
			error: janusError('cannot answer the subscription offer'),
		});
	}

	function onRemoteTrack(track, mid, on) {
		const m = st.mids.get(mid);
		if (!on) {
			for (const [feed] of st.tiles)
				if (feed !== 0)
					tileRemoveTrack(feed, mid);
			return;
		}
		if (!m)
			return; /* not a participant's track (or already gone) */
		st.trackMids.set(track.id, mid);
		tileAddTrack(m.feed, m.display, mid, track);
	}

	/* ---- stats: resolution, fps, bitrate, loss per tile, every second ---- */

	function rate(key, bytes, ts) {
		const prev = st.prevStats.get(key);
		st.prevStats.set(key, { bytes, ts });
		if (!prev || ts <= prev.ts || bytes < prev.bytes)
			return 0;
		return (bytes - prev.bytes) * 8 * 1000 / (ts - prev.ts);
	}

	function showStats(feed, s) {
		const t = st.tiles.get(feed);
		if (!t)
			return;
		const parts = [];
		if (s.width)
			parts.push(s.width + '\u00d7' + s.height);
		if (s.fps !== undefined)
			parts.push(Math.round(s.fps) + ' fps');
		parts.push(fmtBitrate(s.bps));
		if (s.lossPct !== undefined)
			parts.push('loss ' + s.lossPct.toFixed(1) + '%');
		t.stats.textContent = parts.join(' \u00b7 ');
		Object.assign(t.el.dataset, {
			width: s.width || 0, height: s.height || 0, fps: Math.round(s.fps || 0),
			bitrate: Math.round(s.bps), loss: (s.lossPct || 0).toFixed(1),
		});
	}

	async function pcStats(handle) {
		const pc = handle && handle.webrtcStuff && handle.webrtcStuff.pc;
		return pc ? pc.getStats() : null;
	}

	async function pollStats() {
		try {
			const out = await pcStats(st.pub);
			if (out && st.tiles.has(0)) {
				const s = { bps: 0, width: 0, height: 0, lost: 0, sent: 0 };
				out.forEach((r) => {
					if (r.type === 'outbound-rtp') {
						s.bps += rate('out-' + r.id, r.bytesSent || 0, r.timestamp);
						s.sent += r.packetsSent || 0;
						if (r.kind === 'video' && (r.frameWidth || 0) >= s.width) {
							s.width = r.frameWidth || 0;
							s.height = r.frameHeight || 0;
							s.fps = r.framesPerSecond || 0;
						}
					} else if (r.type === 'remote-inbound-rtp') {
						s.lost += Math.max(0, r.packetsLost || 0);
					}
				});
				if (s.sent > 0)
					s.lossPct = 100 * s.lost / (s.sent + s.lost);
				showStats(0, s);
			}
			const inb = await pcStats(st.sub);
			if (!inb)
				return;
			const per = new Map();
			inb.forEach((r) => {
				if (r.type !== 'inbound-rtp')
					return;
				const mid = r.mid !== undefined ? r.mid : st.trackMids.get(r.trackIdentifier);
				const m = st.mids.get(mid);
				if (!m)
					return;
				let s = per.get(m.feed);
				if (!s) {
					s = { bps: 0, width: 0, height: 0, lost: 0, recv: 0 };
					per.set(m.feed, s);
				}
				s.bps += rate('in-' + r.id, r.bytesReceived || 0, r.timestamp);
				s.lost += Math.max(0, r.packetsLost || 0);
				s.recv += r.packetsReceived || 0;
				if (r.kind === 'video') {
					s.width = r.frameWidth || 0;
					s.height = r.frameHeight || 0;
					s.fps = r.framesPerSecond || 0;
				}
			});
			for (const [feed, s] of per) {
				if (s.recv + s.lost > 0)
					s.lossPct = 100 * s.lost / (s.recv + s.lost);
				showStats(feed, s);
			}
		} catch (e) {
			/* a peer connection closing under getStats: the next tick sees the new state */
		}
	}

	/* ---- joining and leaving ---- */

	async function ensureRoom() {
		const r = await request({ request: 'exists', room: st.room });
		if (pluginError(r))
			throw new Error('exists failed');
		if (r.exists) {
			log('room ' + st.room + ' exists');
			return;
		}
		const body = { request: 'create', room: st.room, mode: st.mode,
			description: 'lumen demo room ' + st.room };
		if (st.secret)
			body.secret = st.secret;
		const c = await request(body);
		if (c.error_code === 427) {
			log('room ' + st.room + ' was just created by someone else');
			return;
		}
		if (pluginError(c))
			throw new Error('create failed');
		log('created room ' + st.room + ' (mode ' + st.mode + ')');
	}

	function onPublisherAttached(h) {
		st.pub = h;
		setStatus('attached', 'connected; joining room ' + st.room);
		ensureRoom().then(() => {
			const body = { request: 'join', ptype: 'publisher', room: st.room, display: st.display };
			if (st.secret)
				body.secret = st.secret;
			h.send({ message: body });
		}).catch((e) => {
			if (!st.errors.length)
				showError(e.message);
			leave();
		});
	}

	function join(ev) {
		ev.preventDefault();
		$('banner').hidden = true;
		st.room = parseInt($('room').value, 10);
		st.display = $('display').value.trim();
		st.mode = $('mode').value;
		st.secret = $('secret').value;
		if (!(st.room > 0) || !st.display) {
			showError('a room number and a name are needed');
			return;
		}
		for (const el of $('join-form').elements)
			el.disabled = el.id !== 'leave';
		$('leave').disabled = false;
		setStatus('connecting', 'connecting');
		const ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/';
		/* lumen gathers its own candidates and needs no STUN server on the browser's side for
		 * a LAN; ?ice=stun:host:port,turn:... adds servers (Debian's janus.js has no default). */
		const ice = new URLSearchParams(location.search).get('ice');
		st.janus = new Janus({
			server: [ws, '/janus'],
			iceServers: ice ? ice.split(',').map((u) => ({ urls: u })) : [],
			success: () => {
				st.janus.attach({
					plugin: PLUGIN,
					opaqueId: 'lumen-demo-pub-' + Janus.randomString(8),
					success: onPublisherAttached,
					error: (err) => {
						janusError('cannot attach to ' + PLUGIN)(err);
						leave();
					},
					onmessage: onPublisherMessage,
					onlocaltrack: (track, on) => {
						if (on)
							tileAddTrack(0, st.display, 'local-' + track.id, track);
						else
							tileRemoveTrack(0, 'local-' + track.id);
					},
					webrtcState: (on) => log('publisher peer connection ' + (on ? 'up' : 'down')),
					slowLink: (uplink, lost) => log('slow link (' + (uplink ? 'up' : 'down') + ', ' + lost + ' lost)'),
					oncleanup: () => {
						tileRemove(0);
						st.publishing = false;
						if (st.role && st.role !== 'viewer')
							$('publish').hidden = false;
					},
				});
			},
			error: (err) => {
				janusError('connection')(err);
				leave();
			},
			destroyed: () => setStatus('idle', 'not connected'),
		});
		st.statsTimer = setInterval(pollStats, 1000);
	}

	function leave() {
		clearInterval(st.statsTimer);
		clearInterval(st.partTimer);
		if (st.janus) {
			const j = st.janus;
			st.janus = null;
			j.destroy({ cleanupHandles: true });
		}
		for (const feed of [...st.tiles.keys()])
			tileRemove(feed);
		Object.assign(st, { pub: null, sub: null, myId: 0, privateId: 0, publishing: false,
			handRaised: false, subJoined: false, role: '', roomMode: '', participants: [] });
		st.mids.clear();
		st.trackMids.clear();
		st.hands.clear();
		st.prevStats.clear();
		renderHands();
		renderParticipants();
		$('room-bar').hidden = true;
		for (const el of $('join-form').elements)
			el.disabled = false;
		$('leave').disabled = true;
		setStatus('idle', 'not connected');
	}

	/* ---- start ---- */

	function start() {
		const q = new URLSearchParams(location.search);
		for (const k of ['room', 'display', 'mode', 'secret'])
			if (q.has(k))
				$(k).value = q.get(k);
		$('join-form').addEventListener('submit', join);
		$('leave').addEventListener('click', leave);
		$('hand').addEventListener('click', toggleHand);
		$('publish').addEventListener('click', publish);
		$('banner-close').addEventListener('click', () => { $('banner').hidden = true; });
		if (typeof Janus === 'undefined') {
			showError('janus.js did not load (is libjs-janus-gateway installed?)');
			return;
		}
		Janus.init({
			debug: q.has('debug') ? 'all' : ['warn', 'error'],
			dependencies: Janus.useDefaultDependencies(),
			callback: () => {
				if (!Janus.isWebrtcSupported()) {
					showError('this browser has no WebRTC');
					$('join').disabled = true;
					return;
				}
				setStatus('ready', 'ready');
				if (q.has('autojoin') && $('display').value)
					$('join').click();
			},
		});
	}

	start();
}());

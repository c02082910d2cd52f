/* recorder/rec_store.h -- one recording on disk: its folder, one pcap file per track, data.jsonl
 * and manifest.json (format: docs/recording.md), written by one writer thread through a bounded
 * queue, so the thread that receives media never touches a file (DESIGN.md decision 3).
 *
 * Threads. rec_store_* functions other than rec_writer_* internals are called from ONE producer
 * thread per recording (the room's thread); they copy what they are given into a queue entry and
 * return at once. The writer thread does every open, write, flush (at least once a second), fsync
 * and rename. A failure on the writer (ENOSPC, EIO) stops that recording only: its state becomes
 * "failed" with the reason, later calls are dropped and counted, and the on_failed callback runs
 * on the producer's GMainContext.
 *
 * Ownership. rec_store_open returns a recording owned by the caller until rec_store_close, which
 * finalises it (state "finished", or the state it failed with) and frees it once the writer has
 * written everything queued before the close. Strings are copied. */
#ifndef LUMEN_REC_STORE_H
#define LUMEN_REC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>

struct rec_writer;    /* the writer thread and its queue, shared by every recording */
struct rec_recording; /* one recording folder */

/* Queue size in entries (each holds one packet of up to REC_MAX_PACKET bytes), preallocated. */
#define REC_QUEUE_DEFAULT 8192u
#define REC_MAX_PACKET 1500u

/* Starts the writer thread. queue_entries 0 = REC_QUEUE_DEFAULT. Returns NULL with *err
 * (g_malloc'd) on failure. */
struct rec_writer *rec_writer_new(unsigned queue_entries, char **err);
/* Drains the queue (every recording still open is finalised as "finished" and freed: its
 * pointer is invalid afterwards, do not rec_store_close it), joins the thread, frees. NULL is
 * fine. Call it on the thread that owns the producers' contexts or after they stopped: a pending
 * on_failed still runs later on its context. */
void rec_writer_free(struct rec_writer *w);

/* Counters of the writer (any thread, atomics). */
struct rec_writer_stats {
	uint64_t queued, written, overflow, write_errors, bytes;
	unsigned queue_depth, queue_size;
};
void rec_writer_stats(struct rec_writer *w, struct rec_writer_stats *out);

/* Checks a client- or admin-given recording id: [A-Za-z0-9][A-Za-z0-9._-]{0,63}, no "..".
 * Returns true if acceptable. */
bool rec_id_valid(const char *id);
/* A new id "<room>-<UTC YYYYMMDDTHHMMSSZ>-<8 hex>" (g_malloc'd). */
char *rec_id_new(uint64_t room, int64_t wall_us);

struct rec_open_params {
	const char *dir;          /* recordings directory (created 0750 if missing) */
	const char *id;           /* NULL = rec_id_new */
	uint64_t room;
	const char *description;  /* may be NULL */
	const char *lumen_version;
	/* Called on the GMainContext current when rec_store_open was called (the producer's,
	 * g_main_context_ref_thread_default), from an idle source, when the writer fails this
	 * recording (reason: "disk full: No space left on device", or "write error: <strerror>").
	 * Never called once rec_store_close was called. */
	void (*on_failed)(void *arg, struct rec_recording *rec, const char *reason);
	void *arg;
};

/* Creates the folder and the initial manifest (state "recording") synchronously (a start that
 * cannot create its folder fails at once with a clear reason), anchors the session clock
 * (wall and monotonic, sampled together). Returns 0 with *out, or -EEXIST, -EINVAL (bad id),
 * -ENOSPC, -EACCES, -EIO with *err (g_malloc'd). */
int rec_store_open(struct rec_writer *w, const struct rec_open_params *p,
		   struct rec_recording **out, char **err);

const char *rec_store_id(const struct rec_recording *rec);
const char *rec_store_state(const struct rec_recording *rec); /* "recording", "failed", ... */
const char *rec_store_error(const struct rec_recording *rec); /* NULL unless failed */
/* Session clock: epoch microseconds of a monotonic time (g_get_monotonic_time's clock). */
int64_t rec_store_clock(const struct rec_recording *rec, int64_t monotonic_us);

/* Participants and tracks. All times are monotonic (converted with the session clock). */
void rec_store_participant(struct rec_recording *rec, uint64_t id, const char *display,
			   bool joined, int64_t mono_us);
struct rec_track_info {
	uint64_t participant;
	const char *kind;    /* "audio" | "video" */
	const char *mid;
	const char *codec;
	uint8_t pt;
	uint32_t clock_rate;
	unsigned channels;
	const char *fmtp;
};
/* Adds a track (a new file, opened by the writer). Returns a track index >= 0, or -ENOSPC (too
 * many tracks: 64), -EINVAL (kind neither "audio" nor "video") or -EIO if the recording failed. */
int rec_store_track_add(struct rec_recording *rec, const struct rec_track_info *t, int64_t mono_us);
void rec_store_track_end(struct rec_recording *rec, int track, int64_t mono_us);
/* Queues one RTP packet or one RTCP SR of a track. Never blocks: when the queue is full the
 * packet is dropped and counted (dropped.queue_overflow in the manifest, writer stats). Does
 * nothing while paused (RTP and SR alike). Returns 0, -ENOBUFS (dropped), -EIO (failed),
 * -EINVAL (unknown track, len < 2 or > REC_MAX_PACKET). */
int rec_store_rtp(struct rec_recording *rec, int track, const uint8_t *pkt, size_t len,
		  uint32_t ssrc, int64_t arrival_mono_us);
int rec_store_sr(struct rec_recording *rec, int track, const uint8_t *sr, size_t len,
		 int64_t arrival_mono_us);
/* One data-channel message (text or binary) into data.jsonl. Text that is not valid UTF-8 (or
 * holds NUL) is stored as "base64". Not the media path: the line is built and allocated here. */
int rec_store_data(struct rec_recording *rec, uint64_t participant, const char *label, bool binary,
		   const uint8_t *buf, size_t len, int64_t arrival_mono_us);
void rec_store_pause(struct rec_recording *rec, bool paused, int64_t mono_us);
bool rec_store_paused(const struct rec_recording *rec);
/* A chapter marker (title copied; at most 200 bytes kept). */
void rec_store_marker(struct rec_recording *rec, const char *title, int64_t mono_us);
/* The manifest as it stands (new object; what GET /admin/v1/recordings/{id} shows). */
json_t *rec_store_manifest(const struct rec_recording *rec);
/* Finalises (state "finished" unless failed) and frees, asynchronously on the writer. */
void rec_store_close(struct rec_recording *rec, int64_t mono_us);

/* ---- folders on disk (the control thread; small synchronous reads are fine there) ---- */
/* Marks every recording in dir whose manifest says "recording" as "interrupted" (ended_us = the
 * last whole record time found in its pcaps, or the manifest's latest time; open pauses end
 * there). Returns how many, or a negative errno. A missing dir is 0. */
int rec_recover_dir(const char *dir, char **err);
/* Reads a recording's manifest (new object) by id. Returns 0, -ENOENT, -EINVAL (bad id or not a
 * recording), -EIO with *err. */
int rec_read_manifest(const char *dir, const char *id, json_t **out, char **err);
/* Lists recording ids in dir (new array of strings, newest first). */
json_t *rec_list(const char *dir);
/* Deletes a finished/interrupted/failed recording folder (refuses an open one: the caller
 * checks that). Returns 0, -ENOENT, -EINVAL (bad id, a symlink, or a folder without a
 * lumen-recording manifest), -EIO. */
int rec_delete(const char *dir, const char *id, char **err);

#endif

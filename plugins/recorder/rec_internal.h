/* recorder/rec_internal.h -- what the files of librecstore share and the recorder plugin does
 * not see: the recording model (struct rec_recording), the queue entry, the pcap codec and the
 * manifest model, plus test hooks.
 *
 * Locking. w->lock guards the queue ring, the list of recordings and each recording's close
 * sequence. rec->lock guards the recording's model (tracks' descriptions and counters,
 * participants, pauses, markers, state, error, dirty). Fields marked "producer" are touched by
 * the producer thread only; fields marked "writer" by the writer thread only. Never take
 * w->lock while holding rec->lock. */
#ifndef LUMEN_REC_INTERNAL_H
#define LUMEN_REC_INTERNAL_H

#include <stdatomic.h>

#include "rec_store.h"

#define REC_MAX_TRACKS 64
#define REC_MAX_SSRCS 8
#define REC_BUF_SIZE (64u * 1024u) /* per open file, allocated when the file opens */
#define REC_PCAP_HDR 24u
#define REC_PCAP_REC_HDR 16u
#define REC_IPUDP_HDR 42u /* Ethernet (14) + IPv4 (20) + UDP (8) before each payload */
#define REC_MANIFEST_MAX (4u * 1024u * 1024u) /* larger manifest.json files are refused */
#define REC_T_NONE INT64_MIN                  /* a time that is null in the manifest */
#define REC_UDP_BASE 5000u

enum rec_state { REC_RECORDING, REC_FINISHED, REC_INTERRUPTED, REC_FAILED };

/* A file the writer appends to through a buffer (writer). */
struct rec_file {
	int fd; /* -1 until opened */
	uint8_t *buf;
	size_t used;
};

struct rec_track {
	/* model (rec->lock) */
	char id[64];
	char file[72];
	uint64_t participant;
	char kind[8];
	char *mid, *codec, *fmtp;
	uint8_t pt;
	uint32_t clock_rate;
	unsigned channels, index;
	uint32_t ssrcs[REC_MAX_SSRCS];
	unsigned n_ssrcs;
	int64_t first_us, last_us, started_us, ended_us;
	uint64_t packets, bytes, sender_reports;
	/* producer */
	uint32_t last_ssrc;
	bool have_ssrc;
	/* writer */
	struct rec_file f;
	uint32_t counter; /* records written: the synthetic IPv4 id */
};

struct rec_participant {
	uint64_t id;
	char *display;
	int64_t joined_us, left_us;
};

struct rec_span {
	int64_t start_us, end_us;
};

struct rec_marker {
	int64_t t_us;
	char *title;
};

struct rec_recording {
	struct rec_writer *w;
	gint refs; /* the writer's list holds one, each pending on_failed source one */
	char *id, *description, *lumen_version;
	uint64_t room;
	int dirfd; /* the recording's folder, O_DIRECTORY */
	int64_t wall_start_us, mono_start_us;
	void (*on_failed)(void *arg, struct rec_recording *rec, const char *reason);
	void *arg;
	GMainContext *ctx; /* the producer's, for on_failed */

	GMutex lock;
	enum rec_state state;
	char *error;
	bool dirty; /* the model changed since the manifest was last written */
	int64_t started_us, ended_us;
	struct rec_track *tracks[REC_MAX_TRACKS];
	unsigned n_tracks;
	GArray *participants; /* struct rec_participant */
	GArray *pauses;       /* struct rec_span */
	GArray *markers;      /* struct rec_marker */
	uint64_t data_messages;
	bool have_data;

	atomic_int failed; /* later calls are dropped */
	atomic_uint_least64_t overflow, write_errors;

	/* producer */
	bool paused, close_called;

	/* w->lock */
	bool closing;
	uint64_t close_seq; /* finalise once the writer consumed every entry queued before */
	int64_t close_us;

	/* writer */
	struct rec_file data;
	int64_t manifest_written_mono;
	bool counters_changed;
};

enum rec_op { REC_OP_RTP, REC_OP_SR, REC_OP_DATA };

struct rec_entry {
	struct rec_recording *rec;
	uint8_t op;
	int16_t track;
	uint16_t len;
	int64_t t_us;  /* session clock */
	char *line;    /* REC_OP_DATA: a g_malloc'd JSON line with its "\n" (len unused) */
	size_t line_len;
	uint8_t data[REC_MAX_PACKET];
};

/* ---- rec_writer.c ---- */
/* Copies one entry into the queue (any producer thread). Returns 0 or -ENOBUFS (counted). */
int rec_writer_push(struct rec_writer *w, const struct rec_entry *e, const uint8_t *data);
/* Wakes the writer because a recording's model changed or it closes. */
void rec_writer_kick(struct rec_writer *w);
void rec_writer_add(struct rec_writer *w, struct rec_recording *rec);
void rec_writer_close(struct rec_writer *w, struct rec_recording *rec, int64_t close_us);
/* Test hook: while held, the writer consumes nothing (so a tiny queue overflows). */
void rec_writer_test_hold(struct rec_writer *w, bool hold);
/* Writes all of buf to fd, retrying short writes and EINTR. Returns 0 or -errno. */
int rec_write_all(int fd, const void *buf, size_t len);

/* ---- rec_pcap.c (pure) ---- */
void rec_pcap_file_header(uint8_t out[REC_PCAP_HDR]);
/* Writes record header + IPv4/UDP + payload to out (room for 44 + len bytes); returns the size. */
size_t rec_pcap_record(uint8_t *out, int64_t t_us, uint16_t ip_id, uint16_t src_port,
		       const uint8_t *payload, size_t len);
uint16_t rec_ip_checksum(const uint8_t *hdr, size_t len);
struct rec_pcap_scan {
	uint64_t records, rtp, sr, bytes; /* bytes: payload bytes */
	int64_t first_us, last_us;        /* REC_T_NONE when no record */
	bool torn;                         /* stopped at a short last record */
};
/* Reads a pcap file written by rec_pcap_* from fd (from offset 0). Returns 0, or -EINVAL if it
 * is not such a file, -EIO. */
int rec_pcap_scan(int fd, struct rec_pcap_scan *out);

/* ---- rec_manifest.c ---- */
/* The manifest of rec (caller holds rec->lock). */
json_t *rec_manifest_build(const struct rec_recording *rec);
/* Writes manifest.json atomically in dirfd (tmp, fsync, rename, fsync dir). 0 or -errno. */
int rec_manifest_write(int dirfd, const json_t *m);
/* Parses untrusted bytes as a manifest: JSON object with format "lumen-recording", version 1,
 * id string, state string. Returns 0 with *out, or -EINVAL with *err. */
int rec_manifest_parse(const char *buf, size_t len, json_t **out, char **err);
/* Marks a parsed manifest "interrupted" with ended_us = last_us (REC_T_NONE: the latest time
 * found in it) and closes an open pause. */
void rec_manifest_interrupt(json_t *m, int64_t last_us);
const char *rec_state_name(enum rec_state s);
char *rec_utf8(const char *s, size_t max); /* valid UTF-8 copy, at most max bytes; NULL stays */

/* ---- rec_store.c ---- */
void rec_recording_unref(struct rec_recording *rec);
/* Writer: marks rec failed (errno e) and schedules on_failed on the producer's context. */
void rec_recording_fail(struct rec_recording *rec, int e);

/* ---- rec_disk.c ---- */
int rec_open_dir(const char *dir, bool create, char **err); /* O_DIRECTORY fd or -errno */

#endif

/* pp_reader.h -- read a lumen recording (docs/recording.md, format "lumen-recording" v1): the
 * manifest and the per-track pcap files.
 *
 * Pure parsing: bytes in, structs out; no GStreamer, no logging. The pcap parser is our own (the
 * format is fixed: classic little-endian pcap, LINKTYPE_RAW, synthetic IPv4/UDP) so it can be fuzzed
 * (tests/fuzz/fuzz_pp_reader.c). A torn last record (crash while writing) ends the file without
 * error; anything that is not such a pcap is refused with a message. */
#ifndef LUMEN_PP_READER_H
#define LUMEN_PP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One record's UDP payload (RTP or RTCP SR), a view into the caller's buffer. */
struct lumen_pp_record {
	int64_t t_us; /* session clock, epoch microseconds */
	const uint8_t *payload;
	size_t len;
};

typedef void (*lumen_pp_record_cb)(const struct lumen_pp_record *rec, void *ud);

struct lumen_pp_pcap_stats {
	uint64_t records;  /* records handed to the callback */
	uint64_t skipped;  /* well-framed records that are not IPv4/UDP */
	bool torn;         /* the file ended inside a record */
};

/* Parse buf[0..len) as a recording pcap, calling cb for each UDP payload in file order.
 * Returns 0, or -EINVAL with a message in err (err may be NULL) if buf is not such a pcap
 * (bad magic, version, link type, or a record longer than the snap length). Never reads outside buf. */
int lumen_pp_pcap_parse(const uint8_t *buf, size_t len, lumen_pp_record_cb cb, void *ud,
			struct lumen_pp_pcap_stats *st, char *err, size_t errlen);

struct lumen_pp_mtrack {
	char *id, *kind, *codec, *file, *fmtp;
	int64_t participant;
	int payload_type, clock_rate, channels;
	int64_t started_us, ended_us; /* 0 when absent */
};

struct lumen_pp_participant {
	int64_t id;
	char *display;
	int64_t joined_us, left_us;
};

struct lumen_pp_marker {
	int64_t t_us;
	char *title;
};

struct lumen_pp_pause {
	int64_t start_us, end_us; /* end 0 when still paused */
};

/* The manifest, owned: free with lumen_pp_manifest_free (which accepts a half-built one). */
struct lumen_pp_manifest {
	char *id, *state, *description;
	int64_t room;
	int64_t wall_start_us, started_us, ended_us; /* ended 0 when null */
	struct lumen_pp_mtrack *tracks;
	size_t n_tracks;
	struct lumen_pp_participant *participants;
	size_t n_participants;
	struct lumen_pp_marker *markers;
	size_t n_markers;
	struct lumen_pp_pause *pauses;
	size_t n_pauses;
};

/* Parse a manifest from json[0..len). Returns a manifest, or NULL with a message in err. Track file
 * names are checked: a name with '/' or starting with '.' is refused (no escape from the folder). */
struct lumen_pp_manifest *lumen_pp_manifest_parse(const char *json, size_t len, char *err,
						  size_t errlen);
void lumen_pp_manifest_free(struct lumen_pp_manifest *m);
const struct lumen_pp_participant *lumen_pp_manifest_participant(const struct lumen_pp_manifest *m,
								 int64_t id);

#endif

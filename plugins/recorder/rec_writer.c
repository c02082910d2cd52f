/* recorder/rec_writer.c -- the writer thread: one bounded queue of preallocated entries shared
 * by every recording, so producers (room threads) never touch a file and never allocate per
 * packet. The thread appends records through a 64 KiB buffer per file, writes every buffer out at
 * least every 500 ms, rewrites a manifest when its recording's model changed or its counters
 * are 5 s old, and finalises a recording once it consumed everything queued before its close.
 * A write error (ENOSPC, EIO) fails that recording only (rec_recording_fail).
 *
 * The writer drains the queue in batches, every BATCH_US while recordings are open, and is woken
 * early only when the queue is a quarter full (or on a kick, a close, a stop). Waking it per
 * packet cost the room's thread a futex wake and, with the daemon on one core, a preemption for
 * every recorded packet: +15 % server CPU in tools/bench/record-cost.sh (docs/recording.md). A
 * packet now waits at most BATCH_US in the queue, well inside the 1 s crash-loss promise. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "rec_internal.h"

#define FLUSH_US (500 * 1000)
#define BATCH_US (50 * 1000)
#define MANIFEST_US (5 * 1000 * 1000)

struct rec_writer {
	GThread *thread;
	GMutex lock;
	GCond cond;
	struct rec_entry *ring;
	unsigned size;
	unsigned wake_at; /* queue depth that wakes the writer before its batch timer */
	uint64_t head, tail; /* entries consumed / queued since start */
	uint64_t base;       /* ring slot of entry n = (n - base) % size; see rewind_if_empty */
	bool stop, kick, hold;
	GList *recs; /* struct rec_recording *, the list's reference */
	atomic_uint_least64_t queued, written, overflow, write_errors, bytes;
};

int rec_writer_push(struct rec_writer *w, const struct rec_entry *e, const uint8_t *data)
{
	g_mutex_lock(&w->lock);
	if (w->tail - w->head >= w->size) {
		g_mutex_unlock(&w->lock);
		atomic_fetch_add(&w->overflow, 1);
		atomic_fetch_add(&e->rec->overflow, 1);
		return -ENOBUFS;
	}
	struct rec_entry *slot = &w->ring[(w->tail - w->base) % w->size];
	slot->rec = e->rec;
	slot->op = e->op;
	slot->track = e->track;
	slot->len = e->len;
	slot->t_us = e->t_us;
	slot->line = e->line;
	slot->line_len = e->line_len;
	if (data)
		memcpy(slot->data, data, e->len);
	w->tail++;
	if (w->tail - w->head == w->wake_at)
		g_cond_signal(&w->cond); /* filling up: do not wait for the batch timer */
	g_mutex_unlock(&w->lock);
	atomic_fetch_add(&w->queued, 1);
	return 0;
}

void rec_writer_kick(struct rec_writer *w)
{
	g_mutex_lock(&w->lock);
	w->kick = true;
	g_cond_signal(&w->cond);
	g_mutex_unlock(&w->lock);
}

void rec_writer_add(struct rec_writer *w, struct rec_recording *rec)
{
	g_mutex_lock(&w->lock);
	w->recs = g_list_prepend(w->recs, rec);
	g_mutex_unlock(&w->lock);
}

void rec_writer_close(struct rec_writer *w, struct rec_recording *rec, int64_t close_us)
{
	g_mutex_lock(&w->lock);
	rec->closing = true;
	rec->close_seq = w->tail;
	rec->close_us = close_us;
	w->kick = true;
	g_cond_signal(&w->cond);
	g_mutex_unlock(&w->lock);
}

void rec_writer_test_hold(struct rec_writer *w, bool hold)
{
	g_mutex_lock(&w->lock);
	w->hold = hold;
	g_cond_signal(&w->cond);
	g_mutex_unlock(&w->lock);
}

void rec_writer_stats(struct rec_writer *w, struct rec_writer_stats *out)
{
	out->queued = atomic_load(&w->queued);
	out->written = atomic_load(&w->written);
	out->overflow = atomic_load(&w->overflow);
	out->write_errors = atomic_load(&w->write_errors);
	out->bytes = atomic_load(&w->bytes);
	g_mutex_lock(&w->lock);
	out->queue_depth = (unsigned)(w->tail - w->head);
	out->queue_size = w->size;
	g_mutex_unlock(&w->lock);
}

/* ---- files ---- */

static int file_flush(struct rec_file *f)
{
	int ret = 0;

	if (f->fd >= 0 && f->used)
		ret = rec_write_all(f->fd, f->buf, f->used);
	f->used = 0; /* after a failure the recording stops: nothing is retried */
	return ret;
}

static int file_open(struct rec_recording *rec, struct rec_file *f, const char *name)
{
	f->fd = openat(rec->dirfd, name,
		       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_APPEND, 0640);
	if (f->fd < 0)
		return -errno;
	f->buf = g_malloc(REC_BUF_SIZE);
	f->used = 0;
	return 0;
}

/* Room for len more bytes in f's buffer (flushing it first if needed). */
static int file_reserve(struct rec_file *f, size_t len)
{
	if (f->used + len <= REC_BUF_SIZE)
		return 0;
	return file_flush(f);
}

/* sync false (a failed recording): what is still buffered is dropped, nothing more written. */
static int file_close(struct rec_file *f, bool sync)
{
	if (!sync)
		f->used = 0;
	int ret = file_flush(f);

	if (f->fd >= 0) {
		if (sync && fsync(f->fd) < 0 && !ret)
			ret = -errno;
		close(f->fd);
	}
	f->fd = -1;
	g_free(f->buf);
	f->buf = NULL;
	return ret;
}

static void fail(struct rec_writer *w, struct rec_recording *rec, int e)
{
	atomic_fetch_add(&w->write_errors, 1);
	atomic_fetch_add(&rec->write_errors, 1);
	rec_recording_fail(rec, e);
}

static int track_open(struct rec_recording *rec, struct rec_track *t)
{
	int ret = file_open(rec, &t->f, t->file);

	if (ret)
		return ret;
	rec_pcap_file_header(t->f.buf);
	t->f.used = REC_PCAP_HDR;
	return 0;
}

/* ---- entries ---- */

static int write_packet(struct rec_recording *rec, const struct rec_entry *e)
{
	struct rec_track *t = rec->tracks[e->track];
	int ret = 0;

	if (t->f.fd < 0 && (ret = track_open(rec, t)))
		return ret;
	if ((ret = file_reserve(&t->f, REC_PCAP_REC_HDR + REC_IPUDP_HDR + e->len)))
		return ret;
	t->f.used += rec_pcap_record(t->f.buf + t->f.used, e->t_us, (uint16_t)t->counter++,
				     (uint16_t)(REC_UDP_BASE + 2 * t->index), e->data, e->len);
	g_mutex_lock(&rec->lock);
	if (t->first_us == REC_T_NONE)
		t->first_us = e->t_us;
	t->last_us = e->t_us;
	if (e->op == REC_OP_SR)
		t->sender_reports++;
	else
		t->packets++;
	t->bytes += e->len;
	g_mutex_unlock(&rec->lock);
	return 0;
}

static int write_data(struct rec_recording *rec, const struct rec_entry *e)
{
	struct rec_file *f = &rec->data;
	int ret = 0;

	if (f->fd < 0 && (ret = file_open(rec, f, "data.jsonl")))
		return ret;
	if ((ret = file_reserve(f, e->line_len)))
		return ret;
	if (e->line_len > REC_BUF_SIZE) {
		ret = rec_write_all(f->fd, e->line, e->line_len);
	} else {
		memcpy(f->buf + f->used, e->line, e->line_len);
		f->used += e->line_len;
	}
	g_mutex_lock(&rec->lock);
	rec->data_messages++;
	rec->have_data = true;
	g_mutex_unlock(&rec->lock);
	return ret;
}

static void process(struct rec_writer *w, struct rec_entry *e)
{
	struct rec_recording *rec = e->rec;
	int ret;

	if (atomic_load(&rec->failed)) {
		atomic_fetch_add(&rec->write_errors, 1);
	} else {
		ret = e->op == REC_OP_DATA ? write_data(rec, e) : write_packet(rec, e);
		if (ret)
			fail(w, rec, -ret);
		else
			atomic_fetch_add(&w->bytes, e->op == REC_OP_DATA ? e->line_len : e->len);
		rec->counters_changed = true;
	}
	atomic_fetch_add(&w->written, 1);
	g_free(e->line);
	e->line = NULL;
}

/* ---- recordings ---- */

static void flush_recording(struct rec_writer *w, struct rec_recording *rec)
{
	int ret = 0;

	if (atomic_load(&rec->failed))
		return;
	g_mutex_lock(&rec->lock); /* tracks[] grows on the producer */
	unsigned n = rec->n_tracks;
	g_mutex_unlock(&rec->lock);
	for (unsigned i = 0; i < n && !ret; i++)
		ret = file_flush(&rec->tracks[i]->f);
	if (!ret)
		ret = file_flush(&rec->data);
	if (ret)
		fail(w, rec, -ret);
}

/* Every track the manifest names gets its file (with the pcap header) before the manifest says
 * so, even a track that never receives a packet. */
static void open_new_tracks(struct rec_writer *w, struct rec_recording *rec)
{
	g_mutex_lock(&rec->lock);
	unsigned n = rec->n_tracks;
	g_mutex_unlock(&rec->lock);
	for (unsigned i = 0; i < n && !atomic_load(&rec->failed); i++) {
		struct rec_track *t = rec->tracks[i];
		int ret = t->f.fd < 0 ? track_open(rec, t) : 0;
		if (!ret && t->f.used == REC_PCAP_HDR)
			ret = file_flush(&t->f);
		if (ret)
			fail(w, rec, -ret);
	}
}

static void write_manifest(struct rec_writer *w, struct rec_recording *rec, int64_t now)
{
	g_mutex_lock(&rec->lock);
	json_t *m = rec_manifest_build(rec);
	rec->dirty = false;
	g_mutex_unlock(&rec->lock);
	rec->counters_changed = false;
	rec->manifest_written_mono = now;
	int ret = rec_manifest_write(rec->dirfd, m);
	json_decref(m);
	if (ret && !atomic_load(&rec->failed))
		fail(w, rec, -ret);
}

static void finalise(struct rec_writer *w, struct rec_recording *rec, int64_t ended_us)
{
	int ret = 0;

	open_new_tracks(w, rec); /* closed or stopped: the producer adds no more tracks */
	for (unsigned i = 0; i < REC_MAX_TRACKS; i++) {
		struct rec_track *t = rec->tracks[i];
		if (t && (ret = file_close(&t->f, !atomic_load(&rec->failed))) &&
		    !atomic_load(&rec->failed))
			fail(w, rec, -ret);
	}
	if ((ret = file_close(&rec->data, !atomic_load(&rec->failed))) &&
	    !atomic_load(&rec->failed))
		fail(w, rec, -ret);
	g_mutex_lock(&rec->lock);
	if (rec->state == REC_RECORDING)
		rec->state = REC_FINISHED;
	rec->ended_us = ended_us;
	for (guint i = 0; i < rec->pauses->len; i++) {
		struct rec_span *s = &g_array_index(rec->pauses, struct rec_span, i);
		if (s->end_us == REC_T_NONE)
			s->end_us = ended_us;
	}
	g_mutex_unlock(&rec->lock);
	write_manifest(w, rec, g_get_monotonic_time()); /* best effort once failed */
}

/* Manifests, flushes and closes; w->lock held on entry and exit, dropped while writing. */
static void service(struct rec_writer *w, bool flush, bool stopping)
{
	GList *l = w->recs, *next;
	int64_t now = g_get_monotonic_time();

	for (; l; l = next) {
		struct rec_recording *rec = l->data;
		next = l->next;
		bool close = stopping || (rec->closing && w->head >= rec->close_seq);
		int64_t close_us = rec->closing ? rec->close_us : rec_store_clock(rec, now);
		g_mutex_unlock(&w->lock);
		if (flush || close)
			flush_recording(w, rec);
		if (close) {
			finalise(w, rec, close_us);
		} else {
			g_mutex_lock(&rec->lock);
			bool dirty = rec->dirty;
			g_mutex_unlock(&rec->lock);
			if (dirty)
				open_new_tracks(w, rec);
			if (dirty || (rec->counters_changed &&
				      now - rec->manifest_written_mono >= MANIFEST_US))
				write_manifest(w, rec, now);
		}
		g_mutex_lock(&w->lock);
		if (close) {
			w->recs = g_list_delete_link(w->recs, l);
			rec_recording_unref(rec);
		}
	}
}

static gpointer writer_main(gpointer data)
{
	struct rec_writer *w = data;
	int64_t next_flush = g_get_monotonic_time() + FLUSH_US, next_batch;

	g_mutex_lock(&w->lock);
	for (;;) {
		/* Without open recordings nothing is queued: sleep until the flush timer. */
		next_batch = w->recs ? g_get_monotonic_time() + BATCH_US : next_flush;
		while (!w->stop && !w->kick &&
		       (w->hold || w->tail - w->head < w->wake_at) &&
		       g_get_monotonic_time() < MIN(next_batch, next_flush))
			g_cond_wait_until(&w->cond, &w->lock, MIN(next_batch, next_flush));
		w->kick = false;
		uint64_t n = w->hold ? 0 : w->tail - w->head, start = w->head - w->base;
		g_mutex_unlock(&w->lock);
		/* Slots [head, head + n) are ours until head moves: producers only fill past tail. */
		for (uint64_t i = 0; i < n; i++)
			process(w, &w->ring[(start + i) % w->size]);
		bool flush = g_get_monotonic_time() >= next_flush;
		if (flush)
			next_flush = g_get_monotonic_time() + FLUSH_US;
		g_mutex_lock(&w->lock);
		w->head += n;
		/* Drained: the next entry goes to slot 0 again. The queue is empty after almost every
		 * batch, so producers keep writing the same few slots (warm in the cache, pages
		 * touched once) instead of walking the whole preallocated ring: a slot is 1.5 KiB,
		 * the ring 12 MiB, and fresh pages cost a fault each. Only this thread moves base,
		 * and only under the lock with nothing queued (no slot in use). */
		if (w->head == w->tail)
			w->base = w->head;
		bool stopping = w->stop && w->head == w->tail;
		service(w, flush, stopping);
		if (stopping)
			break;
	}
	g_mutex_unlock(&w->lock);
	return NULL;
}

struct rec_writer *rec_writer_new(unsigned queue_entries, char **err)
{
	struct rec_writer *w = g_new0(struct rec_writer, 1);
	GError *gerr = NULL;

	w->size = queue_entries ? queue_entries : REC_QUEUE_DEFAULT;
	w->wake_at = MAX(w->size / 4, 1);
	w->ring = g_new0(struct rec_entry, w->size);
	g_mutex_init(&w->lock);
	g_cond_init(&w->cond);
	w->thread = g_thread_try_new("rec-writer", writer_main, w, &gerr);
	if (!w->thread) {
		*err = g_strdup_printf("recorder: cannot start the writer thread: %s", gerr->message);
		g_error_free(gerr);
		g_free(w->ring);
		g_free(w);
		return NULL;
	}
	return w;
}

void rec_writer_free(struct rec_writer *w)
{
	if (!w)
		return;
	g_mutex_lock(&w->lock);
	w->stop = true;
	w->hold = false;
	g_cond_signal(&w->cond);
	g_mutex_unlock(&w->lock);
	g_thread_join(w->thread);
	g_mutex_clear(&w->lock);
	g_cond_clear(&w->cond);
	g_free(w->ring);
	g_free(w);
}

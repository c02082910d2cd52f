/* recorder/recorder.h -- what the recorder plugin's files share (not installed).
 *
 *   plugin.c   descriptor, configuration, lifecycle, metrics
 *   session.c  one active recording per room: a rooms.tap sink feeding rec_store, and the
 *              "recorder.control" service (start, stop, pause, resume, marker)
 *   admin.c    /admin/v1/recordings (list, show, delete, process)
 *   jobs.c     lumen-pp processing jobs: child processes with bounded concurrency
 *
 * Threads. Everything here runs on the control thread (admin, control, lifecycle, job
 * callbacks) or on a room's thread (the tap sink), which today is the control thread too; the
 * file I/O is rec_store's writer thread's (rec_store.h). */
#ifndef LUMEN_RECORDER_H
#define LUMEN_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <jansson.h>
#include <lumen/plugin.h>

#include "rec_store.h"

#define RECORDER_PACKAGE "lumen.plugin.recorder"

struct recorder_config {
	char *dir;              /* recordings directory */
	unsigned queue_entries; /* writer queue size (0 = REC_QUEUE_DEFAULT) */
	unsigned max_recordings;/* recordings open at once */
	char *pp_path;          /* the lumen-pp binary */
	unsigned pp_jobs;       /* processing jobs at once */
};

extern const struct lumen_core *recorder_core;
extern struct recorder_config recorder_cfg;
extern struct rec_writer *recorder_writer; /* NULL outside start..stop */

/* Drops not counted by the writer (the recording had failed when the packet came). Atomic. */
extern gint recorder_dropped_failed;

/* ---- session.c ---- */
/* Registers "recorder.control" (once per process: the registry has no unregister, so the
 * service answers -ESHUTDOWN outside start..stop). */
int recorder_sessions_start(char **err);
/* Finalises every open recording (participants are told "stopped"). */
void recorder_sessions_stop(void);
/* Frees what stop left (destroy). */
void recorder_sessions_free(void);
unsigned recorder_sessions_active(void);
/* The open recording with this id, or NULL. */
struct rec_recording *recorder_session_find(const char *id);
/* Live facts of an open recording (paused, tracks, started) for the admin view; new object. */
json_t *recorder_session_live(const char *id);

/* ---- admin.c ---- */
int recorder_admin_cb(void *arg, const char *method, const char *path, const json_t *body,
		      json_t **reply);

/* ---- jobs.c ---- */
/* Starts (or queues) processing of recording id with lumen-pp. Returns 0 with *job (the job's
 * view, new), -EBUSY if a job for id is queued or running. */
int recorder_job_submit(const char *id, bool align, const char *format, bool mix, json_t **job);
/* The job's view for id (new), or NULL if there never was one. */
json_t *recorder_job_json(const char *id);
/* True while a job for id is queued or running (its folder must not be deleted). */
bool recorder_job_busy(const char *id);
/* Forgets the finished job of a deleted recording. */
void recorder_job_forget(const char *id);
/* Kills running jobs, drops queued ones, waits (bounded) for their callbacks. */
void recorder_jobs_stop(void);

#endif

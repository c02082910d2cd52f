/* pp_chapters.c -- the recording's markers as chapters: a Podcasting 2.0 JSON chapters file
 * (chapters.json, times relative to the recording's start) and a GstToc for muxers that take one
 * (matroskamux/webmmux write it as Matroska Chapters). */
#include <errno.h>

#include <gst/gst.h>
#include <jansson.h>

#include "pp_out.h"

int lumen_pp_chapters_write_json(const struct lumen_pp_manifest *m, const char *path)
{
	json_t *root = json_pack("{s:s, s:[]}", "version", "1.2.0", "chapters");
	json_t *list = json_object_get(root, "chapters");
	int ret;

	if (m->description)
		json_object_set_new(root, "title", json_string(m->description));
	for (size_t i = 0; i < m->n_markers; i++) {
		double start = (double)(m->markers[i].t_us - m->started_us) / 1e6;

		json_array_append_new(list, json_pack("{s:f, s:s}", "startTime", MAX(start, 0.0),
						      "title", m->markers[i].title ? m->markers[i].title : ""));
	}
	ret = json_dump_file(root, path, JSON_INDENT(2)) == 0 ? 0 : -EIO;
	json_decref(root);
	return ret;
}

/* Chapters in output time (zero = base_us); markers before zero are left out. Each chapter ends
 * where the next begins, the last at end_us (or open). NULL when there is nothing to write. */
GstToc *lumen_pp_chapters_toc(const struct lumen_pp_manifest *m, int64_t base_us, int64_t end_us)
{
	GstToc *toc = NULL;

	for (size_t i = 0; i < m->n_markers; i++) {
		int64_t s = m->markers[i].t_us - base_us;
		int64_t e = i + 1 < m->n_markers ? m->markers[i + 1].t_us - base_us
						 : (end_us > 0 ? end_us - base_us : -1);
		GstTocEntry *entry;
		GstTagList *tags;
		gchar *uid;

		if (s < 0)
			continue;
		if (!toc)
			toc = gst_toc_new(GST_TOC_SCOPE_GLOBAL);
		uid = g_strdup_printf("chapter-%zu", i);
		entry = gst_toc_entry_new(GST_TOC_ENTRY_TYPE_CHAPTER, uid);
		g_free(uid);
		gst_toc_entry_set_start_stop_times(entry, s * (int64_t)GST_USECOND,
						   e > s ? e * (int64_t)GST_USECOND : -1);
		tags = gst_tag_list_new(GST_TAG_TITLE,
					m->markers[i].title ? m->markers[i].title : "", NULL);
		gst_toc_entry_set_tags(entry, tags);
		gst_toc_append_entry(toc, entry);
	}
	return toc;
}

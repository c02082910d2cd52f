/* pp_av1depay.c -- the "lumenav1depay" element (see pp_av1depay.h). */
#include "pp_av1depay.h"

#include <gst/gst.h>
#include <gst/rtp/rtp.h>

#include "pp_av1.h"

#define LUMEN_TYPE_AV1_DEPAY (lumen_av1_depay_get_type())
G_DECLARE_FINAL_TYPE(LumenAv1Depay, lumen_av1_depay, LUMEN, AV1_DEPAY, GstRTPBaseDepayload)

struct _LumenAv1Depay {
	GstRTPBaseDepayload parent;
	struct lumen_pp_av1 d;
};

G_DEFINE_TYPE(LumenAv1Depay, lumen_av1_depay, GST_TYPE_RTP_BASE_DEPAYLOAD)

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE(
    "sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("application/x-rtp, media = (string) video, clock-rate = (int) 90000, "
		    "encoding-name = (string) AV1"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE(
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS("video/x-av1, stream-format = (string) obu-stream, "
		    "alignment = (string) tu"));

static gboolean set_caps(GstRTPBaseDepayload *base, GstCaps *caps)
{
	GstCaps *out = gst_caps_new_simple("video/x-av1", "stream-format", G_TYPE_STRING,
					   "obu-stream", "alignment", G_TYPE_STRING, "tu", NULL);
	gboolean ok;

	(void)caps;
	base->clock_rate = 90000;
	ok = gst_pad_set_caps(GST_RTP_BASE_DEPAYLOAD_SRCPAD(base), out);
	gst_caps_unref(out);
	return ok;
}

static GstBuffer *process_rtp_packet(GstRTPBaseDepayload *base, GstRTPBuffer *rtp)
{
	LumenAv1Depay *self = LUMEN_AV1_DEPAY(base);
	gboolean discont = GST_BUFFER_IS_DISCONT(rtp->buffer);
	GstBuffer *out;
	int rc;

	rc = lumen_pp_av1_push(&self->d, gst_rtp_buffer_get_payload(rtp),
			       gst_rtp_buffer_get_payload_len(rtp), gst_rtp_buffer_get_marker(rtp),
			       discont);
	if (rc < 0) {
		GST_ELEMENT_ERROR(self, RESOURCE, NO_SPACE_LEFT, ("out of memory"), (NULL));
		return NULL;
	}
	if (rc == 0)
		return NULL;
	out = gst_buffer_new_memdup(self->d.tu, self->d.tu_len);
	if (!self->d.tu_has_seq)
		GST_BUFFER_FLAG_SET(out, GST_BUFFER_FLAG_DELTA_UNIT);
	return out;
}

static GstStateChangeReturn change_state(GstElement *el, GstStateChange t)
{
	LumenAv1Depay *self = LUMEN_AV1_DEPAY(el);

	if (t == GST_STATE_CHANGE_READY_TO_PAUSED) {
		lumen_pp_av1_fini(&self->d);
		lumen_pp_av1_init(&self->d);
	}
	return GST_ELEMENT_CLASS(lumen_av1_depay_parent_class)->change_state(el, t);
}

static void finalize(GObject *obj)
{
	lumen_pp_av1_fini(&LUMEN_AV1_DEPAY(obj)->d);
	G_OBJECT_CLASS(lumen_av1_depay_parent_class)->finalize(obj);
}

static void lumen_av1_depay_class_init(LumenAv1DepayClass *klass)
{
	GObjectClass *oc = G_OBJECT_CLASS(klass);
	GstElementClass *ec = GST_ELEMENT_CLASS(klass);
	GstRTPBaseDepayloadClass *dc = GST_RTP_BASE_DEPAYLOAD_CLASS(klass);

	oc->finalize = finalize;
	ec->change_state = change_state;
	gst_element_class_add_static_pad_template(ec, &sink_template);
	gst_element_class_add_static_pad_template(ec, &src_template);
	gst_element_class_set_static_metadata(ec, "lumen AV1 RTP depayloader",
					      "Codec/Depayloader/Network/RTP",
					      "AV1 temporal units from RTP (lumen-pp)", "lumen");
	dc->set_caps = set_caps;
	dc->process_rtp_packet = process_rtp_packet;
}

static void lumen_av1_depay_init(LumenAv1Depay *self)
{
	lumen_pp_av1_init(&self->d);
}

bool lumen_pp_av1depay_register(void)
{
	return gst_element_register(NULL, "lumenav1depay", GST_RANK_NONE, LUMEN_TYPE_AV1_DEPAY);
}

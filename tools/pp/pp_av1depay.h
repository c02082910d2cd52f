/* pp_av1depay.h -- "lumenav1depay", a GStreamer RTP depayloader element for AV1 built on
 * pp_av1.c, registered inside lumen-pp only (not installed as a plugin): Debian 12's GStreamer
 * has no rtpav1depay. Sink: application/x-rtp, media=video, encoding-name=AV1; source:
 * video/x-av1, stream-format=obu-stream, alignment=tu, one buffer per temporal unit, delta units
 * flagged (a unit without a sequence header). */
#ifndef LUMEN_PP_AV1DEPAY_H
#define LUMEN_PP_AV1DEPAY_H

#include <stdbool.h>

/* Registers the element with GStreamer (after gst_init). Returns false when registration failed. */
bool lumen_pp_av1depay_register(void);

#endif

/* pp_clock.h -- place RTP packets on the recording's session clock (docs/lumen-pp.md, "Sync").
 *
 * Per segment, RTP timestamps map to the sender's NTP clock through its sender reports: linear
 * between consecutive SRs (so an RTP clock running fast or slow, e.g. 100 ppm, is absorbed),
 * extrapolated with the nearest pair's slope (or the nominal clock rate with a single SR). All tracks
 * of one publisher share the sender's NTP clock; that clock is mapped to the session clock by the
 * minimum over their packets of (arrival - sender time), i.e. the least-delayed packet.
 * A segment without SRs maps from its first packet's arrival with the nominal rate and gets the
 * same minimum-delay correction on its own. SRs are first checked against the packets' arrival:
 * one whose implied offset is more than 40 ms from its publisher's (median of the SRs within 30 s)
 * is rejected (sr->rejected, track->srs_rejected), and a segment without a sane SR maps from
 * arrival (seg->have_sr cleared). Pure: sets pkt->t_us, seg->offset_us and the SR verdicts. */
#ifndef LUMEN_PP_CLOCK_H
#define LUMEN_PP_CLOCK_H

#include "pp_track.h"

/* The tracks of ONE publisher (they share the sender's NTP clock), with their clock rates. */
void lumen_pp_clock_map(struct lumen_pp_track **tracks, const int *clock_rates, size_t n);

#endif

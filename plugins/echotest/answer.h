/* echotest/answer.h -- the SDP answer of the echo test: the offer's media mirrored back.
 *
 * Describes media only (codecs, mids, directions, header extensions, SCTP port): the core adds
 * ICE credentials, candidates, the DTLS fingerprint and setup role (plugin.h, Signalling).
 * Pure function, any thread. */
#ifndef LUMEN_ECHOTEST_ANSWER_H
#define LUMEN_ECHOTEST_ANSWER_H

#include <stddef.h>

#define ECHOTEST_MAX_SDP (64u * 1024u)

/* Builds the answer to offer. Returns a malloc'd SDP (CRLF line ends), or NULL with *err set to a
 * malloc'd reason when the offer is not usable SDP (no "v=0", no m-line, a malformed m-line,
 * control characters, larger than ECHOTEST_MAX_SDP). session_id goes into the o= line. */
char *lumen_echotest_answer(const char *offer, unsigned long long session_id, char **err);

#endif

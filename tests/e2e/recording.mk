# tests/e2e/recording.mk -- end-to-end tests of recording with real clients (issue #6, "Checked
# by"): the recorder plugin (recorder.so) and lumen-pp on recordings made in a private network
# namespace (needs root; skipped otherwise, and while recorder.so or lumen-pp are not built).
# Included by Makefile.am.
#
# recording_sync.sh: two webrtcbin publishers on one clock (recording_pub.py), flash + beep every
# second, the second 5 s late; lumen-pp --align; A/V and cross-publisher offsets within 10 ms,
# starts and durations within 100 ms (recording_media.py decodes and measures).
dist_check_SCRIPTS += tests/e2e/recording_sync.sh
TESTS += tests/e2e/recording_sync.sh
EXTRA_DIST += tests/e2e/recording_lib.sh tests/e2e/recording_pub.py tests/e2e/recording_media.py
# recording_crash.sh: kill -9 during recording (pcaps hold everything up to 1 s before, lumen-pp
# processes it, the restart marks it interrupted); SIGTERM finalises (finished).
dist_check_SCRIPTS += tests/e2e/recording_crash.sh
TESTS += tests/e2e/recording_crash.sh
# recording_diskfull.sh: the recordings directory on a nearly full 512 KiB tmpfs (skipped when a
# tmpfs cannot be mounted): the recording fails with state and reason, its room's participants get
# the event and keep going, another room's recording works once there is space.
dist_check_SCRIPTS += tests/e2e/recording_diskfull.sh
TESTS += tests/e2e/recording_diskfull.sh
# recording_browser.sh: three Chromium participants (recording_browser.mjs, pages/rooms.html), one
# 5 s late, recorded and processed: every output plays, lasts the session, the late one starts late.
dist_check_SCRIPTS += tests/e2e/recording_browser.sh
TESTS += tests/e2e/recording_browser.sh
EXTRA_DIST += tests/e2e/recording_browser.mjs

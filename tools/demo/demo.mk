# tools/demo/demo.mk -- the demo page lumen serves at / (included by Makefile.am; docs/demo.md).
# The page files go to $(pkgdatadir)/demo, http.demo_dir's default; janus.js and adapter.js are not
# copied: the daemon serves them under /vendor/ from Debian's libjs-janus-gateway and
# libjs-webrtc-adapter.
demodir = $(pkgdatadir)/demo
dist_demo_DATA = tools/demo/index.html tools/demo/app.js tools/demo/style.css
dist_doc_DATA += docs/demo.md

# Static serving against the real daemon: types, traversal, methods, http.demo off (TAP).
dist_check_SCRIPTS += tests/integration/demo_static.py
TESTS += tests/integration/demo_static.py

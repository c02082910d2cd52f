/* main.c -- the `lumen` command line: parse options, then hand over to daemon.c.
 *
 * lumen runs in the foreground (systemd style) and logs to stderr. Exit codes: 0 after a graceful
 * stop, 78 (EX_CONFIG) for any configuration error, 2 for bad usage, 1 for other start failures
 * (e.g. a listener address in use). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "daemon.h"
#include "log.h"

#define EX_USAGE_CODE 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: lumen [OPTIONS]\n"
		"A WebRTC media server and recording appliance speaking the Janus client protocol.\n"
		"\n"
		"  -c, --config FILE          configuration file (default: %s/lumen.cfg if it exists,\n"
		"                             else built-in defaults)\n"
		"      --set SECTION.KEY=VAL  override one key (repeatable, validated like the file)\n"
		"      --check-config [FILE]  validate the configuration (and plugins) and exit:\n"
		"                             0 if valid, 78 if not\n"
		"      --help-config          list every configuration key with its default\n"
		"  -V, --version              print the version and exit\n"
		"  -h, --help                 print this help and exit\n"
		"\n"
		"Signals: SIGHUP reloads the configuration (all or nothing), SIGTERM and SIGINT stop\n"
		"gracefully within 5 s. Under systemd (Type=notify) lumen reports READY, RELOADING,\n"
		"STOPPING and WATCHDOG. Exit codes: 0 stopped, 1 start failure, 2 usage, 78 config error.\n"
		"Documentation: docs/deployment.md, docs/configuration.md, docs/client-api.md.\n",
		LUMEN_CONFDIR);
}

enum { OPT_SET = 256, OPT_CHECK, OPT_HELP_CONFIG };

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "set", required_argument, NULL, OPT_SET },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "help-config", no_argument, NULL, OPT_HELP_CONFIG },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	GPtrArray *sets = g_ptr_array_new();
	struct lumen_daemon_opts opts = { 0 };
	struct lumen_daemon *d;
	bool check = false;
	char *err = NULL;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "c:Vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case OPT_SET:
			g_ptr_array_add(sets, optarg);
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_HELP_CONFIG:
			lumen_config_print_keys(stdout);
			goto out;
		case 'V':
			printf("lumen %s\n", PACKAGE_VERSION);
			goto out;
		case 'h':
			usage(stdout);
			goto out;
		default:
			usage(stderr);
			rc = EX_USAGE_CODE;
			goto out;
		}
	}
	/* `lumen --check-config FILE` reads naturally; accept the file as an operand there. */
	if (check && optind < argc && !opts.config_path)
		opts.config_path = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "lumen: unexpected argument '%s' (see lumen --help)\n", argv[optind]);
		rc = EX_USAGE_CODE;
		goto out;
	}
	if (!opts.config_path && access(LUMEN_CONFDIR "/lumen.cfg", R_OK) == 0)
		opts.config_path = LUMEN_CONFDIR "/lumen.cfg";
	opts.overrides = (const char *const *)sets->pdata;
	opts.n_overrides = sets->len;

	if (check) {
		rc = lumen_daemon_check_config(&opts, &err);
		if (rc)
			fprintf(stderr, "lumen: %s\n", err ? err : "invalid configuration");
		else
			printf("lumen: configuration %s is valid\n",
			       opts.config_path ? opts.config_path : "(defaults)");
		goto out;
	}
	d = lumen_daemon_new(&opts, &err, &rc);
	if (!d) {
		fprintf(stderr, "lumen: %s\n", err ? err : "failed to start");
		goto out;
	}
	rc = lumen_daemon_run(d);
	lumen_daemon_free(d);
out:
	free(err);
	g_ptr_array_free(sets, TRUE);
	return rc;
}

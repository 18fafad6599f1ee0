// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "names.h"
#include "hooks.h"
#include "findings.h"

static const char usage[] =
	"Usage: imswatch [watch] [OPTIONS]\n"
	"       imswatch platform [OPTIONS]\n"
	"       imswatch cpuid [--cpuid-file FILE] [--output FILE] [-v]\n"
	"       imswatch audit [--sysroot DIR] [--cpuid-file FILE|none] [--format text|json]\n"
	"                      [--fail-on info|notice|warning|critical] [--output FILE]\n"
	"                      [--journal] [--metrics FILE] [-v]\n"
	"       imswatch detach --pin DIR [-v]\n"
	"\n"
	"Watch which drivers enable IMS, MSI and MSI-X, and judge each attempt against the\n"
	"platform (is this a guest?). 'watch' needs root; 'platform' does not. 'cpuid' prints\n"
	"the CPUID leaves the platform engine reads, in --cpuid-file format (for fixtures).\n"
	"'audit' lists the PCI devices and interrupt domains that exist now and judges them\n"
	"against the platform verdicts, once (no BPF; root reads all of config space).\n"
	"\n"
	"Options:\n"
	"  -f, --format text|json   record format (json: one object per line); default text\n"
	"  -o, --output FILE        write records to FILE instead of stdout\n"
	"  -d, --duration SECONDS   stop after SECONDS (default: until SIGINT/SIGTERM)\n"
	"  -a, --attach auto|fentry|kprobe\n"
	"                           function hook variant; auto prefers fentry/fexit\n"
	"      --ringbuf-kb KB      ring buffer size, power of two, >= 4 (default 256)\n"
	"      --sysroot DIR        read platform files under DIR instead of /\n"
	"      --cpuid-file FILE    replay CPUID from FILE (lines: leaf subleaf eax ebx ecx edx);\n"
	"                           'none': the machine had no CPUID (./none for a file)\n"
	"      --kernel-view        platform: also read the kernel's boot-time view through BPF\n"
	"                           (root; watch always does)\n"
	"      --timing-probe       time CPUID exits (noisy heuristic; off by default)\n"
	"      --require LIST       watch: exit 3 at start, without watching, when these are\n"
	"                           blind; comma list of groups (ims, msi, probe, vector: at\n"
	"                           least one of its hooks attached) and hook names\n"
	"                           (pci_create_ims_domain, ...: that hook attached)\n"
	"      --journal            every record to journald too, as structured fields; alone\n"
	"                           (without --format/--output), to journald only\n"
	"      --metrics FILE       Prometheus text file (node_exporter's textfile collector),\n"
	"                           replaced atomically every --metrics-interval and at exit\n"
	"      --metrics-interval SECONDS\n"
	"                           seconds between metrics updates, >= 1 (default 15)\n"
	"      --fold SECONDS       watch: repeats of one (rule, severity, device, driver)\n"
	"                           within SECONDS of its first record become one record\n"
	"                           with a count (the first is written at once)\n"
	"      --fail-on SEVERITY   audit: exit 1 at a finding of SEVERITY or above (info,\n"
	"                           notice, warning, critical); default warning\n"
	"      --pin DIR            watch: pin the hooks' links and maps in DIR on bpffs, so\n"
	"                           events are kept while imswatch is down, and take over\n"
	"                           what an earlier run pinned there (same build only);\n"
	"                           detach: remove those pins, which detaches the hooks\n"
	"      --no-sandbox         watch: keep capabilities and install no seccomp filter\n"
	"                           once attached (debugging only)\n"
	"  -v, --verbose            more diagnostics on stderr (twice: libbpf debug); text\n"
	"                           records also list every platform signal\n"
	"  -h, --help               this text\n"
	"  -V, --version            version\n"
	"\n"
	"'platform' takes --format, --output, --journal, --metrics, -v and the platform options\n"
	"(--sysroot, --cpuid-file, --kernel-view, --timing-probe); 'cpuid' takes --cpuid-file, --output\n"
	"and -v. Any other option is refused. --kernel-view describes the running kernel, so\n"
	"it cannot be combined with --sysroot or --cpuid-file.\n"
	"\n"
	"'watch' says on stderr, in one 'blind:' line, which groups no hook can see.\n"
	"--output FILE is appended to, and reopened on SIGHUP (logrotate). SIGHUP ends 'watch'\n"
	"like SIGTERM only when records go to stdout (a closed terminal); with --journal\n"
	"alone it is ignored (systemctl reload).\n"
	"\n"
	"Exit status: 0 ok; 1 (audit) a finding at or above --fail-on; 2 usage or runtime\n"
	"error; 3 (watch) nothing can be watched here: BPF refused or unavailable, no hook\n"
	"attached, or a --require'd hook or group blind.\n";

const char *config_usage(void)
{
	return usage;
}

const char *attach_pref_name(enum attach_pref a)
{
	static const char *const names[] = {
		[ATTACH_AUTO] = "auto",
		[ATTACH_FENTRY] = "fentry",
		[ATTACH_KPROBE] = "kprobe",
	};

	return NAME_FROM(names, a, "auto");
}

static int parse_duration(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 365.0 * 24 * 3600)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_ringbuf_kb(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	/* the kernel wants a power-of-two multiple of the page size */
	if (errno || end == s || *end || v < 4 || v > (1UL << 20) || (v & (v - 1)))
		return -EINVAL;
	*out = v;
	return 0;
}

static const char *option_name(const struct option *opts, int c)
{
	for (; opts->name; opts++)
		if (opts->val == c)
			return opts->name;
	return "?";
}

/* long-only options: values above any letter, so they fit optbit() */
enum { OPT_SYSROOT = 256, OPT_CPUID_FILE, OPT_RINGBUF_KB, OPT_KERNEL_VIEW, OPT_TIMING,
       OPT_REQUIRE, OPT_JOURNAL, OPT_METRICS, OPT_METRICS_INTERVAL, OPT_FOLD, OPT_FAIL_ON,
       OPT_PIN, OPT_NO_SANDBOX, OPT_LAST_LONG = OPT_NO_SANDBOX };

/* "ims,pci_ims_alloc_irq": groups and hook names, each known, none empty */
static int parse_require(const char *s, struct config *cfg, char *err, size_t errlen)
{
	char item[128];
	const char *p = s;

	do {
		size_t n = strcspn(p, ",");
		int id;

		if (!n || n >= sizeof(item)) {
			snprintf(err, errlen, "invalid value '%s' for option --require: empty or "
				 "overlong item (see --help)", s);
			return -EINVAL;
		}
		memcpy(item, p, n);
		item[n] = 0;
		if ((id = group_by_name(item)) >= 0) {
			cfg->require_groups |= 1u << id;
		} else if ((id = hook_by_name(item)) >= 0) {
			cfg->require_hooks |= 1u << id;
		} else {
			snprintf(err, errlen, "invalid value '%s' for option --require: '%s' is "
				 "neither a group (ims, msi, probe, vector) nor a hook name", s,
				 item);
			return -EINVAL;
		}
		p += n;
	} while (*p++ == ',');
	return 0;
}

static int parse_command(const char *word, struct config *cfg)
{
	if (!strcmp(word, "watch"))
		cfg->command = CMD_WATCH;
	else if (!strcmp(word, "platform"))
		cfg->command = CMD_PLATFORM;
	else if (!strcmp(word, "cpuid"))
		cfg->command = CMD_CPUID;
	else if (!strcmp(word, "audit"))
		cfg->command = CMD_AUDIT;
	else if (!strcmp(word, "detach"))
		cfg->command = CMD_DETACH;
	else
		return -EINVAL;
	return 0;
}

/* option values are letters or small numbers from 256: one bit each (up to 32 long-only
 * options in bits 0-31, the letters from bit 32: the two ranges must not overlap) */
static unsigned long long optbit(int c)
{
	_Static_assert(OPT_LAST_LONG - 256 < 32, "long-only options overlap the letters' bits");
	return c >= 256 ? 1ull << (c - 256) : c >= 'a' && c <= 'z' ? 1ull << (c - 'a' + 32) : 0;
}

/*
 * An option the command ignores is a mistake the operator should hear about ("platform
 * --duration 5" does not watch for five seconds), not a silent no-op.
 */
static int check_options(enum command cmd, unsigned long long given, const struct option *opts,
			 char *err, size_t errlen)
{
	static const char *const names[] = { [CMD_WATCH] = "watch",
					     [CMD_PLATFORM] = "platform",
					     [CMD_CPUID] = "cpuid",
					     [CMD_AUDIT] = "audit",
					     [CMD_DETACH] = "detach" };
	unsigned long long allowed;

	switch (cmd) {
	case CMD_WATCH: /* the platform options too: its status record carries the verdicts */
		allowed = ~optbit(OPT_FAIL_ON); /* watch exits 0 whatever it sees */
		break;
	case CMD_PLATFORM:
		allowed = optbit('f') | optbit('o') | optbit('v') | optbit(OPT_SYSROOT) |
			  optbit(OPT_CPUID_FILE) | optbit(OPT_KERNEL_VIEW) | optbit(OPT_TIMING) |
			  optbit(OPT_JOURNAL) | optbit(OPT_METRICS);
		break;
	case CMD_CPUID:
		allowed = optbit('o') | optbit('v') | optbit(OPT_CPUID_FILE);
		break;
	case CMD_AUDIT:
		/* --journal and --metrics: the audit timer's snapshot goes where watch's records go */
		allowed = optbit('f') | optbit('o') | optbit('v') | optbit(OPT_SYSROOT) |
			  optbit(OPT_CPUID_FILE) | optbit(OPT_FAIL_ON) | optbit(OPT_JOURNAL) |
			  optbit(OPT_METRICS) | optbit(OPT_METRICS_INTERVAL);
		break;
	case CMD_DETACH:
		if (!(given & optbit(OPT_PIN))) {
			snprintf(err, errlen, "detach needs --pin DIR (the directory watch --pin "
				 "used)");
			return -EINVAL;
		}
		allowed = optbit('v') | optbit(OPT_PIN);
		break;
	default:
		return 0;
	}
	for (; opts->name; opts++)
		if (given & optbit(opts->val) & ~allowed) {
			snprintf(err, errlen, "option --%s does not apply to '%s' (see --help)",
				 opts->name, names[cmd]);
			return -EINVAL;
		}
	return 0;
}

int config_parse(int argc, char **argv, struct config *cfg, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "duration", required_argument, NULL, 'd' },
		{ "attach", required_argument, NULL, 'a' },
		{ "ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "cpuid-file", required_argument, NULL, OPT_CPUID_FILE },
		{ "kernel-view", no_argument, NULL, OPT_KERNEL_VIEW },
		{ "timing-probe", no_argument, NULL, OPT_TIMING },
		{ "require", required_argument, NULL, OPT_REQUIRE },
		{ "journal", no_argument, NULL, OPT_JOURNAL },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "metrics-interval", required_argument, NULL, OPT_METRICS_INTERVAL },
		{ "fold", required_argument, NULL, OPT_FOLD },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "pin", required_argument, NULL, OPT_PIN },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	unsigned long long given = 0; /* options seen, by optbit(), to check against the command */
	bool have_command = false;
	int c;

	*cfg = (struct config){
		.command = CMD_WATCH,
		.format = FORMAT_TEXT,
		.attach = ATTACH_AUTO,
		.sysroot = "/",
		.ringbuf_kb = 256,
		.metrics_interval = 15,
		.fail_on = ASEV_WARNING,
	};
	err[0] = 0;
	opterr = 0; /* we word the messages ourselves */
	optind = 1;
	/*
	 * "-": operands come back in order as option 1, so "platform --format json" parses the
	 * same with POSIXLY_CORRECT set; ":": a missing value is reported as such.
	 */
	while ((c = getopt_long(argc, argv, "-:f:o:d:a:vhV", opts, NULL)) != -1) {
		given |= optbit(c);
		switch (c) {
		case 1:
			if (have_command) {
				snprintf(err, errlen, "unexpected argument '%s' (one command at most)",
					 optarg);
				return -EINVAL;
			}
			if (parse_command(optarg, cfg)) {
				snprintf(err, errlen,
					 "unknown command '%s' (commands: watch, platform, cpuid, "
					 "audit, detach)",
					 optarg);
				return -EINVAL;
			}
			have_command = true;
			break;
		case 'f':
			cfg->format_given = true;
			if (!strcmp(optarg, "text"))
				cfg->format = FORMAT_TEXT;
			else if (!strcmp(optarg, "json"))
				cfg->format = FORMAT_JSON;
			else
				goto bad_value;
			break;
		case 'o':
			if (!*optarg)
				goto bad_value;
			cfg->output = optarg;
			break;
		case 'd':
			if (parse_duration(optarg, &cfg->duration))
				goto bad_value;
			break;
		case 'a':
			if (!strcmp(optarg, "auto"))
				cfg->attach = ATTACH_AUTO;
			else if (!strcmp(optarg, "fentry"))
				cfg->attach = ATTACH_FENTRY;
			else if (!strcmp(optarg, "kprobe"))
				cfg->attach = ATTACH_KPROBE;
			else
				goto bad_value;
			break;
		case OPT_RINGBUF_KB:
			if (parse_ringbuf_kb(optarg, &cfg->ringbuf_kb))
				goto bad_value;
			break;
		case OPT_SYSROOT:
			if (!*optarg)
				goto bad_value;
			cfg->sysroot = optarg;
			break;
		case OPT_CPUID_FILE:
			if (!*optarg)
				goto bad_value;
			cfg->cpuid_file = optarg;
			break;
		case OPT_KERNEL_VIEW:
			cfg->kernel_view = true;
			break;
		case OPT_TIMING:
			cfg->timing_probe = true;
			break;
		case OPT_REQUIRE:
			if (parse_require(optarg, cfg, err, errlen))
				return -EINVAL;
			break;
		case OPT_JOURNAL:
			cfg->journal = true;
			break;
		case OPT_METRICS:
			if (!*optarg)
				goto bad_value;
			cfg->metrics = optarg;
			break;
		case OPT_METRICS_INTERVAL:
			if (parse_duration(optarg, &cfg->metrics_interval) ||
			    cfg->metrics_interval < 1)
				goto bad_value;
			break;
		case OPT_FOLD:
			if (parse_duration(optarg, &cfg->fold))
				goto bad_value;
			break;
		case OPT_FAIL_ON:
			if ((cfg->fail_on = audit_severity_by_name(optarg)) < 0)
				goto bad_value;
			break;
		case OPT_PIN:
			if (!*optarg)
				goto bad_value;
			cfg->pin_dir = optarg;
			break;
		case OPT_NO_SANDBOX:
			cfg->no_sandbox = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'h':
			cfg->command = CMD_HELP;
			return 0;
		case 'V':
			cfg->command = CMD_VERSION;
			return 0;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			/* a short option inside a cluster ("-vx"): name the letter, not "-vx" */
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
			else
				snprintf(err, errlen, "unknown option '%s' (see --help)",
					 argv[optind - 1]);
			return -EINVAL;
		}
		continue;
bad_value:
		snprintf(err, errlen, "invalid value '%s' for option --%s (see --help)", optarg,
			 option_name(opts, c));
		return -EINVAL;
	}

	if ((given & optbit(OPT_METRICS_INTERVAL)) && !cfg->metrics) {
		snprintf(err, errlen, "option --metrics-interval needs --metrics FILE");
		return -EINVAL;
	}
	/* --pin promises that a killed run lost no event it took from the ring buffer; the
	 * repeats --fold holds in memory until their window closes would be lost */
	if (cfg->fold > 0 && cfg->pin_dir) {
		snprintf(err, errlen, "--fold cannot be combined with --pin (a killed run would "
			 "lose the repeats --fold holds)");
		return -EINVAL;
	}
	return check_options(cfg->command, given, opts, err, errlen);
}

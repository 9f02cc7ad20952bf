/* config: one validated client configuration from flags, environment,
 * a properties file and -X properties. */
#include "ktrio/config.h"
#include "ktrio/error.h"

#include <ctype.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktrio/parse.h"
#include "ktrio/vec.h"

void kt_config_init(kt_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->connect_timeout_ms = KT_DEFAULT_CONNECT_TIMEOUT_MS;
}

void kt_config_release(kt_config *cfg)
{
	free(cfg->brokers_flag);
	free(cfg->config_file);
	kt_props_release(&cfg->flag_props);
	kt_props_release(&cfg->props);
	for (size_t i = 0; i < cfg->ntopics; i++)
		free(cfg->topics[i]);
	free(cfg->topics);
	kt_config_init(cfg);
}

void kt_props_release(kt_props *props)
{
	for (size_t i = 0; i < props->n; i++) {
		free(props->v[i].key);
		free(props->v[i].value);
	}
	free(props->v);
	props->v = NULL;
	props->n = props->cap = 0;
}

int kt_props_set(kt_props *props, const char *key, const char *value)
{
	if (KT_VEC_RESERVE(props->v, props->n, props->cap, 1) < 0)
		return -1;
	char *k = strdup(key), *val = strdup(value);
	if (!k || !val) {
		free(k);
		free(val);
		return -1;
	}
	props->v[props->n].key = k;
	props->v[props->n].value = val;
	props->n++;
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split "key=value" in place; NULL key when malformed. */
static void split_kv(char *line, char **key, char **value)
{
	char *eq = strchr(line, '=');
	*key = *value = NULL;
	if (!eq)
		return;
	*eq = '\0';
	*key = trim(line);
	*value = trim(eq + 1);
	if (!**key)
		*key = NULL;
}

int kt_props_parse(kt_props *props, const char *kv, char *err, size_t errlen)
{
	char *copy = strdup(kv), *key, *value;
	if (!copy)
		return kt_fail(err, errlen, "out of memory");
	split_kv(copy, &key, &value);
	int rc = 0;
	if (!key) {
		rc = kt_fail(err, errlen, "invalid property '%s' for -X: expected key=value",
				kv);
	} else if (kt_props_set(props, key, value) < 0) {
		rc = kt_fail(err, errlen, "out of memory");
	}
	free(copy);
	return rc;
}

int kt_props_load_file(kt_props *props, const char *path, char *err,
		       size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return kt_fail(err, errlen, "cannot open '%s': %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0, rc = 0;
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		char *s = trim(line), *key, *value;
		if (*s == '\0' || *s == '#')
			continue;
		split_kv(s, &key, &value);
		if (!key) {
			rc = kt_fail(err, errlen, "%s:%d: expected key=value", path,
					lineno);
			break;
		}
		if (kt_props_set(props, key, value) < 0) {
			rc = kt_fail(err, errlen, "out of memory");
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = kt_fail(err, errlen, "cannot read '%s': %s", path, strerror(errno));
	}
	free(line);
	fclose(f);
	return rc;
}

static int replace_string(char **slot, const char *value, char *err,
			  size_t errlen)
{
	char *copy = strdup(value);
	if (!copy)
		return kt_fail(err, errlen, "out of memory");
	free(*slot);
	*slot = copy;
	return 0;
}

static int add_topic(kt_config *cfg, const char *topic, char *err,
		     size_t errlen)
{
	if (kt_config_check_topic(topic, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < cfg->ntopics; i++)
		if (!strcmp(cfg->topics[i], topic))
			return kt_fail(err, errlen, "invalid value '%s' for --topic: given twice", topic);
	if (KT_VEC_RESERVE(cfg->topics, cfg->ntopics, cfg->topics_cap, 1) < 0 ||
	    !(cfg->topics[cfg->ntopics] = strdup(topic)))
		return kt_fail(err, errlen, "out of memory");
	cfg->ntopics++;
	return 0;
}

int kt_config_check_topic(const char *topic, char *err, size_t errlen)
{
	size_t n = strlen(topic);
	if (n == 0)
		return kt_fail(err, errlen, "invalid value '' for --topic: empty topic name");
	if (n > 249 || strcmp(topic, ".") == 0 || strcmp(topic, "..") == 0 ||
	    strspn(topic, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._-") != n)
		return kt_fail(err, errlen,
				"invalid value '%s' for --topic: a topic name is 1-249 of "
				"letters, digits, '.', '_' and '-'",
				topic);
	return 0;
}

int kt_config_option(kt_config *cfg, int opt, const char *arg, char *err,
		     size_t errlen)
{
	switch (opt) {
	case 'b':
		if (!*arg)
			return kt_fail(err, errlen, "invalid value '' for --brokers: empty");
		return replace_string(&cfg->brokers_flag, arg, err, errlen) < 0 ? -1 : 1;
	case 't':
		return add_topic(cfg, arg, err, errlen) < 0 ? -1 : 1;
	case 'X':
		return kt_props_parse(&cfg->flag_props, arg, err, errlen) < 0 ? -1 : 1;
	case 'F':
		return replace_string(&cfg->config_file, arg, err, errlen) < 0 ? -1 : 1;
	case 'v':
		cfg->verbosity++;
		return 1;
	case 'q':
		cfg->verbosity--;
		return 1;
	case 'h':
		cfg->want_help = true;
		return 1;
	case KT_OPT_VERSION:
		cfg->want_version = true;
		return 1;
	case KT_OPT_LIST_OPTIONS:
		cfg->want_list = true;
		return 1;
	case KT_OPT_FORMAT:
		if (strcmp(arg, "table") == 0)
			cfg->format = KT_FORMAT_TABLE;
		else if (strcmp(arg, "json") == 0)
			cfg->format = KT_FORMAT_JSON;
		else if (strcmp(arg, "csv") == 0)
			cfg->format = KT_FORMAT_CSV;
		else {
			return kt_fail(err, errlen,
					"invalid value '%s' for --format: expected table, json or csv",
					arg);
		}
		cfg->format_set = true;
		return 1;
	case KT_OPT_CONNECT_TIMEOUT: {
		int64_t ms; /* a refused value must not replace the current one */
		if (kt_parse_duration_ms("--connect-timeout", arg, &ms, err,
					 errlen) < 0)
			return -1;
		if (ms < 100)
			return kt_fail(err, errlen,
					"invalid value '%s' for --connect-timeout: must be at least 100ms",
					arg);
		cfg->connect_timeout_ms = ms;
		return 1;
	}
	default:
		return 0;
	}
}

void kt_config_getopt_error(int ret, int optopt, char *const argv[],
			    int optind, const char *shortopts, char *err,
			    size_t errlen)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	/* A long option is named as typed (without any "=value"); a short one
	 * by its letter, which getopt leaves in optopt. */
	bool is_long = strncmp(arg, "--", 2) == 0;
	/* An unknown letter inside a group ("-zv") leaves optind on the group,
	 * so argv[optind - 1] is the element before it, maybe a long option.
	 * getopt rejects a long option with optopt 0 (unknown) or, with "=",
	 * for a value it does not take; otherwise the error is the letter's. */
	if (is_long && ret == '?' && optopt > 0 && optopt < 256) {
		const char *next = argv[optind];
		bool in_group = next && next[0] == '-' && next[1] != '-' &&
				strchr(next + 1, optopt) &&
				!strchr(shortopts, optopt);
		if (!strchr(arg, '=') || in_group)
			is_long = false;
	}
	int namelen = is_long ? (int)strcspn(arg, "=") : 0;
	if (ret == ':') {
		if (is_long)
			kt_fail(err, errlen, "option '%.*s' requires a value", namelen, arg);
		else
			kt_fail(err, errlen, "option '-%c' requires a value", optopt);
	} else if (is_long && optopt != 0) {
		kt_fail(err, errlen, "option '%.*s' does not take a value", namelen,
			 arg);
	} else if (is_long) {
		kt_fail(err, errlen, "unknown option '%.*s'", namelen, arg);
	} else {
		kt_fail(err, errlen, "unknown option '-%c'", optopt ? optopt : '?');
	}
}

static int set_all(kt_props *dst, const kt_props *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (kt_props_set(dst, src->v[i].key, src->v[i].value) < 0)
			return -1;
	return 0;
}

static const char *props_get(const kt_props *props, const char *key)
{
	for (size_t i = props->n; i-- > 0;)
		if (strcmp(props->v[i].key, key) == 0)
			return props->v[i].value;
	return NULL;
}

static const char *props_brokers(const kt_props *props)
{
	for (size_t i = props->n; i-- > 0;)
		if (strcmp(props->v[i].key, "bootstrap.servers") == 0 ||
		    strcmp(props->v[i].key, "metadata.broker.list") == 0)
			return props->v[i].value;
	return NULL;
}

/* Let librdkafka judge each property so the user sees its own words. */
static int check_with_librdkafka(const kt_props *props, char *err,
				 size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int rc = 0;
	for (size_t i = 0; i < props->n && rc == 0; i++) {
		char why[512];
		if (rd_kafka_conf_set(conf, props->v[i].key, props->v[i].value, why,
				      sizeof why) != RD_KAFKA_CONF_OK) {
			rc = kt_fail(err, errlen, "invalid property '%s': %s",
					props->v[i].key, why);
		}
	}
	rd_kafka_conf_destroy(conf);
	return rc;
}

int kt_config_finalize(kt_config *cfg, const char *env_brokers, char *err,
		       size_t errlen)
{
	kt_props_release(&cfg->props);
	if (cfg->config_file &&
	    kt_props_load_file(&cfg->props, cfg->config_file, err, errlen) < 0)
		return -1;
	int oom = 0;
	if (env_brokers && *env_brokers)
		oom |= kt_props_set(&cfg->props, "bootstrap.servers", env_brokers);
	oom |= set_all(&cfg->props, &cfg->flag_props);
	if (cfg->brokers_flag)
		oom |= kt_props_set(&cfg->props, "bootstrap.servers", cfg->brokers_flag);
	if (!props_brokers(&cfg->props))
		oom |= kt_props_set(&cfg->props, "bootstrap.servers",
				    KT_DEFAULT_BROKERS);
	if (cfg->ntopics == 0)
		oom |= add_topic(cfg, KT_DEFAULT_TOPIC, err, errlen);
	if (oom)
		return kt_fail(err, errlen, "out of memory");
	cfg->brokers = props_brokers(&cfg->props);
	if (check_with_librdkafka(&cfg->props, err, errlen) < 0)
		return -1;
	return 0;
}

const char *kt_config_get(const kt_config *cfg, const char *key)
{
	return props_get(&cfg->props, key);
}

bool kt_config_is_secret(const char *key)
{
	char lower[256];
	size_t i;
	for (i = 0; key[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)tolower((unsigned char)key[i]);
	lower[i] = '\0';
	return strstr(lower, "password") || strstr(lower, "secret") ||
	       strstr(lower, "jaas") || strstr(lower, "private.key") ||
	       strstr(lower, "key.pem") || strstr(lower, "token") ||
	       strstr(lower, "oauthbearer.config") || strstr(lower, "credential");
}

void kt_config_dump(const kt_config *cfg, const kt_log *log)
{
	for (size_t i = 0; i < cfg->props.n; i++) {
		const kt_prop *p = &cfg->props.v[i];
		/* The list keeps every layer (file, environment, -X, -b); show
		 * only the value that wins, once. */
		if (props_get(&cfg->props, p->key) != p->value)
			continue;
		kt_debug(log, "config: %s=%s", p->key,
			 kt_config_is_secret(p->key) ? "********" : p->value);
	}
}

/* Remember an old spelling for kt_config_start's warning, once. */
static void note_deprecated(kt_config *cfg, const kt_cli_opt *row)
{
	if (!(row->flags & KT_CLI_DEPRECATED))
		return;
	for (size_t i = 0; i < cfg->ndeprecated; i++)
		if (cfg->deprecated[i] == row)
			return;
	if (cfg->ndeprecated < KT_CONFIG_MAX_DEPRECATED)
		cfg->deprecated[cfg->ndeprecated++] = row;
}

int kt_config_parse_args(kt_config *cfg, int argc, char **argv,
			 const kt_cli *cli, kt_option_fn fn, void *ctx,
			 char *err, size_t errlen)
{
	kt_cli_getopt_tables t;
	if (kt_cli_getopt(cli, &t) < 0)
		return kt_fail(err, errlen, "too many options in the table");
	opterr = 0; /* we report, in one line naming the option */
	optind = 1;
	int c, li = -1;
	while ((c = getopt_long(argc, argv, t.shortopts, t.longopts, &li)) != -1) {
		if (c == '?' || c == ':') {
			kt_config_getopt_error(c, optopt, argv, optind, t.shortopts, err, errlen);
			return -1;
		}
		if (li >= 0)
			note_deprecated(cfg, t.rows[li]);
		li = -1; /* getopt_long sets it for long options only */
		int rc = kt_config_option(cfg, c, optarg, err, errlen);
		if (rc < 0 || (rc == 0 && fn(ctx, c, optarg, err, errlen) < 0))
			return -1;
	}
	if (optind < argc)
		return kt_fail(err, errlen, "unexpected argument '%s'", argv[optind]);
	return 0;
}

bool kt_config_help_or_version(const kt_config *cfg, FILE *out,
			       const char *prog, const kt_cli *cli)
{
	if (cfg->want_help)
		kt_cli_help(cli, out);
	else if (cfg->want_list)
		kt_cli_list(cli, out);
	else if (cfg->want_version)
		fprintf(out, "%s (ktrio) %s, librdkafka %s\n", prog, KT_VERSION,
			rd_kafka_version_str());
	return cfg->want_help || cfg->want_version || cfg->want_list;
}

int kt_config_start(kt_config *cfg, kt_log *log, char *err, size_t errlen)
{
	kt_log_adjust(log, cfg->verbosity);
	for (size_t i = 0; i < cfg->ndeprecated; i++)
		kt_warn(log, "option '--%s' is deprecated: use '--%s' (the old spelling "
			"goes in the next release)", cfg->deprecated[i]->name,
			cfg->deprecated[i]->help);
	if (kt_config_finalize(cfg, getenv("KAFKA_BOOTSTRAP_SERVERS"), err, errlen) < 0)
		return -1;
	kt_config_dump(cfg, log);
	return 0;
}

/* cli: getopt_long tables, --help text and a flag list from one table. */
#include "ktrio/cli.h"

#include <string.h>

/* A deprecated row shares its code with the new spelling, which owns the
 * short option. */
static int has_short(const kt_cli_opt *o)
{
	return o->code > 0 && o->code < 256 && !(o->flags & KT_CLI_DEPRECATED);
}

int kt_cli_getopt(const kt_cli *cli, kt_cli_getopt_tables *t)
{
	size_t nlong = 0, nshort = 0;
	memset(t, 0, sizeof *t);
	t->shortopts[nshort++] = ':'; /* missing values reported as ':' */
	for (size_t i = 0; i < cli->nopts; i++) {
		const kt_cli_opt *o = &cli->opts[i];
		if (!o->name)
			continue;
		if (nlong == KT_CLI_MAX_OPTS)
			return -1;
		t->rows[nlong] = o;
		t->longopts[nlong++] = (struct option){
			o->name, o->arg ? required_argument : no_argument, NULL, o->code};
		if (has_short(o) && !strchr(t->shortopts, o->code)) {
			t->shortopts[nshort++] = (char)o->code;
			if (o->arg)
				t->shortopts[nshort++] = ':';
		}
	}
	return 0;
}

/* "-t, --topic TOPIC", "--from-beginning"; pad: room for a missing short. */
static int print_label(const kt_cli_opt *o, int pad, FILE *out)
{
	int n;
	if (has_short(o))
		n = fprintf(out, "-%c, --%s", o->code, o->name);
	else
		n = fprintf(out, "%s--%s", pad ? "    " : "", o->name);
	if (o->arg)
		n += fprintf(out, " %s", o->arg);
	return n;
}

/* The help text's lines, the first after the label, the rest at column. */
static void print_help_lines(const char *help, int used, int column, FILE *out)
{
	if (!help || !*help) {
		fputc('\n', out);
		return;
	}
	int pad = used + 2 > column ? 2 : column - used;
	for (const char *line = help; line;) {
		const char *nl = strchr(line, '\n');
		int len = nl ? (int)(nl - line) : (int)strlen(line);
		fprintf(out, "%*s%.*s\n", pad, "", len, line);
		pad = column;
		line = nl ? nl + 1 : NULL;
	}
}

void kt_cli_help(const kt_cli *cli, FILE *out)
{
	if (cli->head)
		fputs(cli->head, out);
	for (size_t i = 0; i < cli->nopts; i++) {
		const kt_cli_opt *o = &cli->opts[i];
		if (!o->name) {
			fprintf(out, "%s\n", o->help);
			continue;
		}
		if (o->flags & (KT_CLI_HIDDEN | KT_CLI_DEPRECATED))
			continue;
		int used = 2;
		fputs("  ", out);
		used += print_label(o, !(o->flags & KT_CLI_NO_SHORT), out);
		while ((o->flags & KT_CLI_JOIN) && i + 1 < cli->nopts) {
			o = &cli->opts[++i];
			used += fprintf(out, " / ");
			used += print_label(o, 0, out);
		}
		print_help_lines(o->help, used, cli->column, out);
	}
	if (cli->tail)
		fputs(cli->tail, out);
}

void kt_cli_list(const kt_cli *cli, FILE *out)
{
	for (size_t i = 0; i < cli->nopts; i++) {
		const kt_cli_opt *o = &cli->opts[i];
		if (!o->name)
			continue;
		fprintf(out, "--%s ", o->name);
		if (has_short(o))
			fprintf(out, "-%c ", o->code);
		else
			fputs("- ", out);
		fprintf(out, "%s %s\n", o->arg ? o->arg : "-",
			(o->flags & KT_CLI_DEPRECATED) ? "deprecated"
			: (o->flags & KT_CLI_HIDDEN)   ? "hidden"
						       : "shown");
	}
}

/*
 * options.c: the table of L0 options and the parser over it (see options.h for the syntax).
 * Pure code, no hardware.
 */
#include "l0/options.h"

#include <string.h>

#include "l0/fmt.h"
#include "l0/trace_events.h"
#include "l0/util.h"

struct token {
	const char *start;
	size_t len;
};

struct option_desc {
	const char *key;
	const char *values; /* for the usage message */
	const char *help;
	enum l0_opt_status (*parse)(struct l0_options *opts, const struct token *value);
	void (*describe)(const struct l0_options *opts, char *buf, size_t size);
};

static bool token_is(const struct token *t, const char *word)
{
	return t->len == strlen(word) && memcmp(t->start, word, t->len) == 0;
}

static enum l0_opt_status copy_token(char *dst, size_t size, const struct token *t)
{
	if (t->len + 1 > size)
		return L0_OPT_TOO_LONG;
	memcpy(dst, t->start, t->len);
	dst[t->len] = '\0';
	return L0_OPT_OK;
}

static enum l0_opt_status parse_on_off(bool *dst, const struct token *v)
{
	if (token_is(v, "on") || token_is(v, "off")) {
		*dst = token_is(v, "on");
		return L0_OPT_OK;
	}
	return L0_OPT_BAD_VALUE;
}

static enum l0_opt_status parse_virt(struct l0_options *opts, const struct token *v)
{
	return parse_on_off(&opts->virt, v);
}

static void describe_virt(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->virt ? "on" : "off");
}

static enum l0_opt_status parse_trace(struct l0_options *opts, const struct token *v)
{
	return parse_on_off(&opts->trace, v);
}

static void describe_trace(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->trace ? "on" : "off");
}

/* A path on L0's volume: absolute, with '\' separators, as the firmware's file system wants. */
static enum l0_opt_status parse_path(char *dst, const struct token *v)
{
	if (v->len == 0 || v->start[0] != '\\')
		return L0_OPT_BAD_VALUE;
	return copy_token(dst, L0_PATH_MAX, v);
}

static enum l0_opt_status parse_kernel(struct l0_options *opts, const struct token *v)
{
	return parse_path(opts->kernel, v);
}

static void describe_kernel(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->kernel);
}

static enum l0_opt_status parse_initrd(struct l0_options *opts, const struct token *v)
{
	return parse_path(opts->initrd, v);
}

static void describe_initrd(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->initrd);
}

static enum l0_opt_status parse_shadow(struct l0_options *opts, const struct token *v)
{
	return parse_on_off(&opts->shadow, v);
}

static void describe_shadow(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->shadow ? "on" : "off");
}

static enum l0_opt_status parse_ept(struct l0_options *opts, const struct token *v)
{
	return parse_on_off(&opts->ept, v);
}

static void describe_ept(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->ept ? "on" : "off");
}

static enum l0_opt_status parse_bt(struct l0_options *opts, const struct token *v)
{
	return parse_on_off(&opts->bt, v);
}

static void describe_bt(const struct l0_options *opts, char *buf, size_t size)
{
	l0_snprintf(buf, size, "%s", opts->bt ? "on" : "off");
}

/* A decimal count 0..L0_TRACE_EVENTS_MAX, no sign, no leading junk. */
static enum l0_opt_status parse_events(struct l0_options *opts, const struct token *v)
{
	unsigned int n = 0;

	if (v->len == 0)
		return L0_OPT_BAD_VALUE;
	for (size_t i = 0; i < v->len; i++) {
		if (v->start[i] < '0' || v->start[i] > '9')
			return L0_OPT_BAD_VALUE;
		n = n * 10 + (unsigned int)(v->start[i] - '0');
		if (n > L0_TRACE_EVENTS_MAX)
			return L0_OPT_BAD_VALUE;
	}
	opts->events = n;
	return L0_OPT_OK;
}

/* Empty (left out of the description) at the default 0, as initrd is when unset. */
static void describe_events(const struct l0_options *opts, char *buf, size_t size)
{
	if (opts->events)
		l0_snprintf(buf, size, "%u", opts->events);
	else if (size)
		buf[0] = '\0';
}

static const struct option_desc option_table[] = {
	{ "virt", "on|off", "run L1 as a VMX guest of L0 (default on; off: start L1 on the bare "
	  "firmware)", parse_virt, describe_virt },
	{ "trace", "on|off", "count L0's exits by reason and level, with TSC cycles (default on; "
	  "off: no per-exit cost)", parse_trace, describe_trace },
	{ "shadow", "on|off", "L1's VMREAD/VMWRITE go to a hardware shadow VMCS without exiting "
	  "(default on)", parse_shadow, describe_shadow },
	{ "ept", "on|off", "offer EPT and VPID to L1, L2 then runs on EPT02 = EPT01 o EPT12 (default "
	  "off: L1's KVM uses shadow paging on EPT01)", parse_ept, describe_ept },
	{ "bt", "on|off", "binary translation: L1's exiting VMREAD/VMWRITE sites are rewritten to "
	  "read and write VMCS12 in memory without exiting (default off)", parse_bt, describe_bt },
	{ "events", "0.." L0_STR(L0_TRACE_EVENTS_MAX), "record each workload phase's first N exits (and L2's resumptions) "
	  "for turtle-l0 dump-events (default 0: none; needs trace=on)", parse_events,
	  describe_events },
	{ "kernel", "\\PATH", "the L1 image: an EFI executable on L0's volume (required)",
	  parse_kernel, describe_kernel },
	{ "initrd", "\\PATH", "an initrd for the L1 image, passed as initrd=PATH",
	  parse_initrd, describe_initrd },
};

#define OPTION_COUNT ARRAY_SIZE(option_table)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Advances *p past whitespace and comments; returns the next token (len 0 at the end). */
static struct token next_token(const char **p)
{
	const char *s = *p;

	for (;;) {
		while (is_space(*s))
			s++;
		if (*s != '#')
			break;
		while (*s && *s != '\n')
			s++;
	}
	struct token t = { .start = s };

	while (*s && !is_space(*s))
		s++;
	t.len = (size_t)(s - t.start);
	*p = s;
	return t;
}

static void set_defaults(struct l0_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->virt = true;
	opts->trace = true;
	opts->shadow = true;
}

static enum l0_opt_status fail(struct l0_opt_error *err, enum l0_opt_status status,
			       const struct token *t, const char *why)
{
	err->status = status;
	l0_snprintf(err->message, sizeof(err->message), "'%.*s': %s", (int)t->len, t->start, why);
	return status;
}

static enum l0_opt_status parse_one(const struct token *t, struct l0_options *opts,
				    struct l0_opt_error *err)
{
	const char *eq = memchr(t->start, '=', t->len);

	if (!eq)
		return fail(err, L0_OPT_SYNTAX, t, "expected key=value (or -- before the L1 command line)");

	struct token key = { t->start, (size_t)(eq - t->start) };
	struct token value = { eq + 1, t->len - key.len - 1 };

	for (size_t i = 0; i < OPTION_COUNT; i++) {
		const struct option_desc *o = &option_table[i];
		char why[96];
		enum l0_opt_status st;

		if (!token_is(&key, o->key))
			continue;
		st = o->parse(opts, &value);
		if (st == L0_OPT_OK)
			return st;
		if (st == L0_OPT_TOO_LONG)
			l0_snprintf(why, sizeof(why), "value too long");
		else
			l0_snprintf(why, sizeof(why), "bad value for %s (expected %s)", o->key, o->values);
		return fail(err, st, t, why);
	}
	return fail(err, L0_OPT_UNKNOWN, &key, "unknown option");
}

/* Joins the remaining tokens with single spaces (comments dropped) into the L1 command line. */
static enum l0_opt_status parse_l1_cmdline(const char *p, struct l0_options *opts,
					   struct l0_opt_error *err)
{
	size_t used = 0;

	for (struct token t = next_token(&p); t.len; t = next_token(&p)) {
		size_t need = t.len + (used ? 1 : 0);

		if (used + need + 1 > sizeof(opts->l1_cmdline))
			return fail(err, L0_OPT_TOO_LONG, &t, "L1 command line too long");
		if (used)
			opts->l1_cmdline[used++] = ' ';
		memcpy(opts->l1_cmdline + used, t.start, t.len);
		used += t.len;
	}
	opts->l1_cmdline[used] = '\0';
	return L0_OPT_OK;
}

enum l0_opt_status l0_options_parse(const char *text, struct l0_options *opts,
				    struct l0_opt_error *err)
{
	static const struct token kernel_key = { "kernel", 6 };
	static const struct token events_key = { "events", 6 };
	const char *p = text;
	enum l0_opt_status st = L0_OPT_OK;

	set_defaults(opts);
	err->status = L0_OPT_OK;
	err->message[0] = '\0';

	for (struct token t = next_token(&p); t.len && st == L0_OPT_OK; t = next_token(&p)) {
		if (token_is(&t, "--")) {
			st = parse_l1_cmdline(p, opts, err);
			break;
		}
		st = parse_one(&t, opts, err);
	}
	if (st == L0_OPT_OK && !opts->kernel[0])
		st = fail(err, L0_OPT_MISSING, &kernel_key, "required option missing (kernel=\\PATH)");
	/* events are recorded by the trace: without it they would silently stay empty */
	if (st == L0_OPT_OK && opts->events && !opts->trace)
		st = fail(err, L0_OPT_BAD_VALUE, &events_key, "events=N needs trace=on");
	return st;
}

enum l0_opt_status l0_options_l1_load_options(const struct l0_options *opts, char *buf,
					      size_t size)
{
	int n;

	if (opts->initrd[0])
		n = l0_snprintf(buf, size, "initrd=%s%s%s", opts->initrd,
				opts->l1_cmdline[0] ? " " : "", opts->l1_cmdline);
	else
		n = l0_snprintf(buf, size, "%s", opts->l1_cmdline);
	return n < 0 || (size_t)n >= size ? L0_OPT_TOO_LONG : L0_OPT_OK;
}

void l0_options_describe(const struct l0_options *opts, char *buf, size_t size)
{
	size_t used = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < OPTION_COUNT && used < size; i++) {
		char value[L0_PATH_MAX];

		option_table[i].describe(opts, value, sizeof(value));
		if (!value[0])
			continue;
		used += (size_t)l0_snprintf(buf + used, size - used, "%s%s=%s", used ? " " : "",
					    option_table[i].key, value);
	}
}

void l0_options_usage(char *buf, size_t size)
{
	size_t used = 0;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < OPTION_COUNT && used < size; i++)
		used += (size_t)l0_snprintf(buf + used, size - used, "  %s=%-8s %s\n",
					    option_table[i].key, option_table[i].values,
					    option_table[i].help);
}

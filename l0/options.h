/*
 * options.h: L0's command line, parsed from text into a plain struct.
 *
 * Pure code (no hardware, no EFI). The text is either the EFI load options of l0.efi or the
 * contents of the configuration file beside it (see README.md, "L0 command line"):
 *
 *     key=value ... [-- command line of the L1 image]
 *
 * Whitespace (spaces, tabs, newlines) separates tokens; '#' at the start of a token starts a
 * comment that runs to the end of the line. Every key comes from one table (options.c); an
 * unknown key or a bad value is an error that names the token.
 */
#ifndef L0_OPTIONS_H
#define L0_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define L0_PATH_MAX 256
#define L0_CMDLINE_MAX 2048
#define L0_OPT_ERROR_MAX 160

enum l0_opt_status {
	L0_OPT_OK = 0,
	L0_OPT_UNKNOWN,	  /* a key that is not in the table */
	L0_OPT_BAD_VALUE, /* a value the key does not accept */
	L0_OPT_SYNTAX,	  /* a token without '=' before "--" */
	L0_OPT_TOO_LONG,  /* a value or the L1 command line does not fit */
	L0_OPT_MISSING,	  /* a required key is absent */
};

struct l0_options {
	bool virt;		       /* run L1 as a VMX guest of L0 (virt=on) */
	bool trace;		       /* count exits (trace=on) */
	bool shadow;		       /* L1's VMREAD/VMWRITE through a shadow VMCS (shadow=on) */
	bool ept;		       /* offer EPT to L1, composing EPT02 = EPT01 o EPT12 (ept=on) */
	bool bt;		       /* translate L1's VMREAD/VMWRITE sites (bt=on) */
	unsigned int events;	       /* record each phase's first N exits as events (events=N) */
	char kernel[L0_PATH_MAX];      /* the L1 image, a path on L0's own volume */
	char initrd[L0_PATH_MAX];      /* optional; handed to the L1 image as "initrd=PATH" */
	char l1_cmdline[L0_CMDLINE_MAX]; /* everything after "--" */
};

struct l0_opt_error {
	enum l0_opt_status status;
	char message[L0_OPT_ERROR_MAX];
};

/* Fills *opts from text (defaults first); returns L0_OPT_OK or the first error, described in
 * *err. On error *opts holds whatever was parsed before it. */
enum l0_opt_status l0_options_parse(const char *text, struct l0_options *opts,
				    struct l0_opt_error *err);

/* The load options to hand to the L1 image: "initrd=PATH " (when set) followed by the L1
 * command line. Returns L0_OPT_TOO_LONG if it does not fit in size bytes. */
enum l0_opt_status l0_options_l1_load_options(const struct l0_options *opts, char *buf,
					      size_t size);

/* Writes "key=value key=value ..." for every option into buf (for the run record). */
void l0_options_describe(const struct l0_options *opts, char *buf, size_t size);

/* One line per option, "key=VALUES  help", for the usage message after an error. */
void l0_options_usage(char *buf, size_t size);

#endif

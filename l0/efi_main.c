/*
 * efi_main.c: l0.efi's entry point. Reads and checks L0's command line, reports the CPU's VMX
 * facts, loads the L1 image, then either takes the machine over and runs it as L0's guest
 * (virt=on) or starts it on the bare firmware (virt=off). Touches the firmware (through the
 * files it calls).
 */
#include <efi.h>
#include <efilib.h>

#include "l0/console.h"
#include "l0/efi_cmdline.h"
#include "l0/efi_loader.h"
#include "l0/json.h"
#include "l0/options.h"
#include "l0/vcpu.h"
#include "l0/vmx_report.h"

#define CMDLINE_MAX (L0_CMDLINE_MAX + 1024)
#define SOURCE_MAX 256
#define USAGE_MAX 2048

static char cmdline[CMDLINE_MAX];
static struct l0_options options;

static EFI_STATUS reject_options(const struct l0_opt_error *err, const char *source)
{
	char usage[USAGE_MAX], escaped[2 * L0_OPT_ERROR_MAX];

	l0_log("bad command line (from %s): %s", source, err->message);
	l0_options_usage(usage, sizeof(usage));
	l0_log("options:\n%s  -- L1 COMMAND LINE", usage);
	l0_json_escape(escaped, sizeof(escaped), err->message);
	l0_record("error", "\"stage\":\"l0-options\",\"message\":\"%s\"", escaped);
	return EFI_INVALID_PARAMETER;
}

static void record_options(void)
{
	char described[L0_CMDLINE_MAX], escaped[2 * L0_CMDLINE_MAX];

	l0_options_describe(&options, described, sizeof(described));
	l0_log("options: %s", described);
	l0_json_escape(escaped, sizeof(escaped), described);
	l0_record("l0-options", "\"options\":\"%s\"", escaped);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	char source[SOURCE_MAX];
	struct l0_opt_error err;
	EFI_LOADED_IMAGE *self;
	EFI_HANDLE l1_image;
	EFI_STATUS status;

	InitializeLib(image, systab);
	l0_record("stage", "\"stage\":\"l0\"");
	l0_log("Turtles L0 starting");

	status = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&self);
	if (EFI_ERROR(status))
		return status;
	status = l0_efi_read_cmdline(self, cmdline, sizeof(cmdline), source, sizeof(source));
	if (EFI_ERROR(status)) {
		const char *why = l0_efi_status_name(status);

		l0_log("cannot read the command line from %s: %s", source, why);
		l0_record("error", "\"stage\":\"l0-options\",\"message\":\"cannot read the "
			  "command line: %s\"", why);
		return status;
	}
	if (l0_options_parse(cmdline, &options, &err) != L0_OPT_OK)
		return reject_options(&err, source);
	record_options();

	l0_vmx_report();
	status = l0_load_l1(image, self, &options, &l1_image);
	if (EFI_ERROR(status))
		return status;
	if (!options.virt)
		return l0_start_l1_bare(l1_image);
	status = l0_takeover(&options, l1_image, self);
	l0_log("FATAL: cannot run L1 as a guest: %s", l0_efi_status_name(status));
	l0_record("error", "\"stage\":\"l0-takeover\",\"message\":\"%s\"",
		  l0_efi_status_name(status));
	return status;
}

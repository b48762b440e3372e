/*
 * efi_loader.c: loads and starts the L1 image (UEFI spec 2.10, 7.4 "Image services"). Touches
 * the firmware's boot services only.
 */
#include "l0/util.h"
#include "l0/efi_loader.h"

#include <efilib.h>

#include "l0/console.h"
#include "l0/cpu.h"
#include "l0/efi_cmdline.h"

static CHAR16 l1_path[L0_PATH_MAX];
/* The L1 image keeps a pointer to its load options for as long as it runs. */
static CHAR16 l1_load_options[L0_CMDLINE_MAX + L0_PATH_MAX + 16];

EFI_STATUS l0_load_l1(EFI_HANDLE self_handle, EFI_LOADED_IMAGE *self,
		      const struct l0_options *opts, EFI_HANDLE *out)
{
	char ascii[ARRAY_SIZE(l1_load_options)];
	EFI_DEVICE_PATH *path;
	EFI_LOADED_IMAGE *l1;
	EFI_HANDLE l1_handle;
	EFI_STATUS status;
	int chars;

	if (l0_options_l1_load_options(opts, ascii, sizeof(ascii)) != L0_OPT_OK)
		return EFI_BUFFER_TOO_SMALL;
	chars = l0_ascii_to_ucs2(l1_load_options, ARRAY_SIZE(l1_load_options), ascii);
	if (chars < 0 || l0_ascii_to_ucs2(l1_path, ARRAY_SIZE(l1_path), opts->kernel) < 0)
		return EFI_BUFFER_TOO_SMALL;

	path = FileDevicePath(self->DeviceHandle, l1_path);
	if (!path)
		return EFI_OUT_OF_RESOURCES;
	status = BS->LoadImage(FALSE, self_handle, path, NULL, 0, &l1_handle);
	FreePool(path);
	if (EFI_ERROR(status)) {
		l0_log("cannot load the L1 image %s: %s", opts->kernel, l0_efi_status_name(status));
		return status;
	}
	status = BS->HandleProtocol(l1_handle, &LoadedImageProtocol, (void **)&l1);
	if (EFI_ERROR(status)) {
		BS->UnloadImage(l1_handle);
		return status;
	}
	l1->LoadOptions = l1_load_options;
	l1->LoadOptionsSize = (UINT32)((chars + 1) * sizeof(CHAR16));

	l0_log("loaded L1 %s with \"%s\"", opts->kernel, ascii);
	*out = l1_handle;
	return EFI_SUCCESS;
}

EFI_STATUS l0_start_l1_bare(EFI_HANDLE l1_image)
{
	EFI_STATUS status;

	l0_record("stage", "\"stage\":\"l1-start\",\"virt\":false,\"tsc\":%llu",
		  (unsigned long long)l0_rdtsc());
	status = BS->StartImage(l1_image, NULL, NULL);
	l0_log("the L1 image returned: %s", l0_efi_status_name(status));
	return status;
}

/*
 * efi_loader.h: loads and starts the L1 image as an EFI boot loader would.
 */
#ifndef L0_EFI_LOADER_H
#define L0_EFI_LOADER_H

#include <efi.h>

#include "l0/options.h"

/* LoadImage(opts->kernel from L0's own volume) and sets its load options to the L1 command
 * line; the handle goes to *out. */
EFI_STATUS l0_load_l1(EFI_HANDLE self_handle, EFI_LOADED_IMAGE *self,
		      const struct l0_options *opts, EFI_HANDLE *out);

/* virt=off: StartImage on the bare firmware. Returns only if the image returned. */
EFI_STATUS l0_start_l1_bare(EFI_HANDLE l1_image);

#endif

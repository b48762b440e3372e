/*
 * efi_loader.h: starts the L1 image as an EFI boot loader would.
 */
#ifndef L0_EFI_LOADER_H
#define L0_EFI_LOADER_H

#include <efi.h>

#include "l0/options.h"

/* LoadImage(opts->kernel from L0's own volume), sets its load options to the L1 command line,
 * StartImage. Returns only if the image could not be started or returned. */
EFI_STATUS l0_start_l1(EFI_HANDLE self_handle, EFI_LOADED_IMAGE *self,
		       const struct l0_options *opts);

#endif

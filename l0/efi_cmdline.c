/*
 * efi_cmdline.c: finds L0's command line (see efi_cmdline.h). Touches the firmware: the loaded
 * image protocol and the simple file system of the volume l0.efi was loaded from.
 */
#include "l0/util.h"
#include "l0/efi_cmdline.h"

#include <efilib.h>

#include "l0/fmt.h"

#define PATH_CHARS 256

int l0_ascii_to_ucs2(CHAR16 *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; src[n]; n++) {
		if (n + 1 >= size)
			return -1;
		dst[n] = (CHAR16)(unsigned char)src[n];
	}
	dst[n] = 0;
	return (int)n;
}

/* Load options are UCS-2 text when a shell or boot entry passes arguments; a boot manager may
 * also pass binary data, which is not a command line. */
static BOOLEAN load_options_are_text(const CHAR16 *w, UINTN chars)
{
	for (UINTN i = 0; i < chars; i++) {
		if (w[i] == 0)
			return i > 0;
		if (w[i] > 0x7E || (w[i] < 0x20 && w[i] != L'\t' && w[i] != L'\n' && w[i] != L'\r'))
			return FALSE;
	}
	return TRUE;
}

/* The UEFI shell passes the whole command line, program name first: drop a first word that
 * ends in ".efi". */
static const CHAR16 *skip_program_name(const CHAR16 *w, UINTN chars, UINTN *left)
{
	UINTN end = 0;

	while (end < chars && w[end] == L' ')
		end++;
	UINTN start = end;

	while (end < chars && w[end] && w[end] != L' ')
		end++;
	if (end - start >= 4) {
		const CHAR16 *ext = w + end - 4;

		if (ext[0] == L'.' && (ext[1] | 0x20) == L'e' && (ext[2] | 0x20) == L'f' &&
		    (ext[3] | 0x20) == L'i') {
			*left = chars - end;
			return w + end;
		}
	}
	*left = chars;
	return w;
}

static EFI_STATUS from_load_options(EFI_LOADED_IMAGE *self, char *buf, size_t size)
{
	UINTN chars = self->LoadOptionsSize / sizeof(CHAR16);
	const CHAR16 *w = self->LoadOptions;
	size_t n = 0;

	buf[0] = '\0';
	if (!w || !chars || !load_options_are_text(w, chars))
		return EFI_SUCCESS;
	w = skip_program_name(w, chars, &chars);
	for (UINTN i = 0; i < chars && w[i]; i++) {
		if (n + 1 >= size)
			return EFI_BUFFER_TOO_SMALL;
		buf[n++] = (char)w[i];
	}
	buf[n] = '\0';
	return EFI_SUCCESS;
}

/* The directory part of l0.efi's own file path, with L0_CONFIG_FILE appended. */
static EFI_STATUS config_path(EFI_LOADED_IMAGE *self, CHAR16 *path, size_t size)
{
	CHAR16 *image_path = DevicePathToStr(self->FilePath);
	UINTN len, dir = 0;

	if (!image_path)
		return EFI_OUT_OF_RESOURCES;
	len = StrLen(image_path);
	for (UINTN i = 0; i < len; i++) {
		if (image_path[i] == L'\\')
			dir = i + 1;
	}
	if (dir + StrLen(L0_CONFIG_FILE) + 2 > size) {
		FreePool(image_path);
		return EFI_BUFFER_TOO_SMALL;
	}
	if (dir == 0)
		path[dir++] = L'\\';
	else
		CopyMem(path, image_path, dir * sizeof(CHAR16));
	StrCpy(path + dir, L0_CONFIG_FILE);
	FreePool(image_path);
	return EFI_SUCCESS;
}

static EFI_STATUS from_config_file(EFI_LOADED_IMAGE *self, const CHAR16 *path, char *buf,
				   size_t size)
{
	EFI_FILE_HANDLE root = LibOpenRoot(self->DeviceHandle), file;
	EFI_STATUS status;
	UINTN n = size - 1;

	if (!root)
		return EFI_NOT_FOUND;
	status = root->Open(root, &file, (CHAR16 *)path, EFI_FILE_MODE_READ, 0);
	root->Close(root);
	if (EFI_ERROR(status))
		return status;
	status = file->Read(file, &n, buf);
	if (!EFI_ERROR(status) && n == size - 1) {
		char probe;
		UINTN one = 1;

		if (!EFI_ERROR(file->Read(file, &one, &probe)) && one)
			status = EFI_BUFFER_TOO_SMALL;
	}
	file->Close(file);
	buf[EFI_ERROR(status) ? 0 : n] = '\0';
	return status;
}

EFI_STATUS l0_efi_read_cmdline(EFI_LOADED_IMAGE *self, char *buf, size_t size, char *source,
			       size_t source_size)
{
	CHAR16 path[PATH_CHARS];
	EFI_STATUS status = from_load_options(self, buf, size);

	l0_snprintf(source, source_size, "load options");
	if (EFI_ERROR(status) || buf[0])
		return status;

	status = config_path(self, path, ARRAY_SIZE(path));
	if (EFI_ERROR(status))
		return status;
	for (size_t i = 0; i < source_size; i++) {
		source[i] = i + 1 < source_size ? (char)path[i] : '\0';
		if (!path[i])
			break;
	}
	return from_config_file(self, path, buf, size);
}

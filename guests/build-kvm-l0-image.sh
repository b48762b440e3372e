#!/bin/bash
# Builds the initramfs of the KVM-as-L0 peer (design.md section 6): Linux KVM (nested=1) from the
# same Debian cloud kernel as L1 runs in Bochs in place of our L0 and starts L1 under Debian's
# QEMU. The kernel itself is L1's vmlinuz; this script packs only the initramfs: busybox, the KVM
# modules of that kernel, QEMU's microvm build with the libraries ldd lists and the firmware it
# loads, the power-off tool and the init script (guests/kvm-l0-init).
#
#   build-kvm-l0-image.sh --out DIR --init FILE --l1-image-info FILE [--program FILE]...
#
# --l1-image-info is build-l1-image.sh's l1-image.txt: it names the kernel package, whose
# extracted modules build-l1-image.sh left in ${TURTLE_CACHE:-$HOME/.cache/turtle}. Writes
# DIR/initrd-l0.img and DIR/kvm-l0-image.txt (what went in).
#
# Environment: TURTLE_CACHE, TURTLE_QEMU (default /usr/bin/qemu-system-x86_64-microvm),
# TURTLE_BUSYBOX (default /bin/busybox, must be static), SOURCE_DATE_EPOCH (file times, default 0).
set -euo pipefail

CACHE=${TURTLE_CACHE:-$HOME/.cache/turtle}
# QEMU's microvm build: the same QEMU as qemu-system-x86_64 for -M microvm, with a third of its
# size and 8 libraries instead of 50, so the initramfs loads and unpacks faster in Bochs.
QEMU=${TURTLE_QEMU:-/usr/bin/qemu-system-x86_64-microvm}
QEMU_DATA=/usr/share/qemu
# What -M microvm,x-option-roms=off loads (design.md section 6).
QEMU_FIRMWARE=(bios-microvm.bin linuxboot_dma.bin kvmvapic.bin qboot.rom)
BUSYBOX=${TURTLE_BUSYBOX:-/bin/busybox}
EPOCH=${SOURCE_DATE_EPOCH:-0}

OUT=
INIT=
INFO=
PROGRAMS=()
# shellcheck source=guests/initramfs-lib.sh
. "$(dirname "$0")/initramfs-lib.sh"

parse_args() {
	while (($#)); do
		case $1 in
		--out) OUT=${2:?--out needs a directory}; shift 2 ;;
		--init) INIT=${2:?--init needs a file}; shift 2 ;;
		--l1-image-info) INFO=${2:?--l1-image-info needs a file}; shift 2 ;;
		--program) PROGRAMS+=("${2:?--program needs a file}"); shift 2 ;;
		-h | --help) usage ;;
		*) echo "$SELF: unknown argument '$1'" >&2; usage ;;
		esac
	done
	[[ -n $OUT && -n $INIT && -n $INFO ]] || usage
	[[ -f $INIT ]] || die "init script '$INIT' not found"
	[[ -f $INFO ]] || die "'$INFO' not found (build the L1 image first)"
}

info_field() { sed -n "s/^$1=//p" "$INFO"; }


# Prints the extracted kernel directory build-l1-image.sh made for the package named in $INFO.
kernel_dir() {
	local pkg version dir
	pkg=$(info_field kernel_package)
	version=$(info_field kernel_version)
	[[ -n $pkg && -n $version ]] || die "$INFO names no kernel_package/kernel_version"
	dir=$CACHE/kernel/${pkg}_${version//:/%3a}/extracted
	[[ -f $dir/.complete ]] || die "$dir is missing (build the L1 image first)"
	echo "$dir"
}

# Copies $1 to the same path under root $2, following links.
copy_file() {
	mkdir -p "$2$(dirname "$1")"
	cp -L "$1" "$2$1"
}

# QEMU, every library ldd lists for it (with the loader), and its firmware files.
stage_qemu() {
	local root=$1 lib name
	[[ -x $QEMU ]] || die "$QEMU not found (apt-get install qemu-system-x86)"
	mkdir -p "$root/usr/bin"
	cp "$QEMU" "$root/usr/bin/qemu"
	for lib in $(ldd "$QEMU" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		copy_file "$lib" "$root"
	done
	for name in "${QEMU_FIRMWARE[@]}"; do
		[[ -e $QEMU_DATA/$name ]] || die "$QEMU_DATA/$name not found (qemu-system-data)"
		copy_file "$QEMU_DATA/$name" "$root"
	done
}

# The L0 initramfs in $1 from the kernel's modules in $2, with QEMU.
stage_initramfs() {
	stage_busybox_root "$1" "$2" run l1
	stage_qemu "$1"
}

main() {
	local kernel qemu_version
	parse_args "$@"
	TMP=$(mktemp -d)
	kernel=$(kernel_dir)
	qemu_version=$(dpkg-query -W -f='${Version}' qemu-system-x86 2>/dev/null || echo unknown)
	mkdir -p "$OUT"
	stage_initramfs "$TMP/root" "$kernel"
	pack_initramfs "$TMP/root" "$OUT/initrd-l0.img" 6
	# The harness's second initramfs follows this one (initrd= twice): the kernel finds an
	# archive's header only at a 4-byte boundary, and skips the zeros before it.
	truncate -s %4 "$OUT/initrd-l0.img.new"
	mv "$OUT/initrd-l0.img.new" "$OUT/initrd-l0.img"
	{
		echo "kernel_package=$(info_field kernel_package)"
		echo "kernel_version=$(info_field kernel_version)"
		echo "qemu=$QEMU"
		echo "qemu_version=$qemu_version"
		echo "modules=$(tr '\n' ' ' <"$kernel/modules/load-order" | sed 's/ $//')"
		echo "initrd_sha256=$(sha256sum "$OUT/initrd-l0.img" | cut -d' ' -f1)"
	} >"$OUT/kvm-l0-image.txt"
	note "wrote $OUT/initrd-l0.img (QEMU $qemu_version)"
}

main "$@"

#!/bin/bash
# Builds the L1 image: Debian's current cloud kernel (which has KVM as modules) and a busybox
# initramfs holding the KVM modules, the L2 workload programs and the init script.
#
#   build-l1-image.sh --out DIR --init FILE [--program FILE]...
#
# Writes DIR/vmlinuz, DIR/initrd.img and DIR/l1-image.txt (what went in). The kernel package is
# downloaded once into ${TURTLE_CACHE:-$HOME/.cache/turtle} and kept there, extracted.
#
# Environment: TURTLE_CACHE, TURTLE_KERNEL_META (default linux-image-cloud-amd64),
# TURTLE_KERNEL_PKG (a linux-image-* package; skips resolving the meta package),
# TURTLE_BUSYBOX (default /bin/busybox, must be static), SOURCE_DATE_EPOCH (file times, default 0).
set -euo pipefail

CACHE=${TURTLE_CACHE:-$HOME/.cache/turtle}
KERNEL_META=${TURTLE_KERNEL_META:-linux-image-cloud-amd64}
BUSYBOX=${TURTLE_BUSYBOX:-/bin/busybox}
EPOCH=${SOURCE_DATE_EPOCH:-0}
# The module L1 needs; everything it depends on (modinfo "depends") is loaded before it.
TOP_MODULE=kvm-intel

OUT=
INIT=
PROGRAMS=()
# shellcheck source=guests/initramfs-lib.sh
. "$(dirname "$0")/initramfs-lib.sh"

parse_args() {
	while (($#)); do
		case $1 in
		--out) OUT=${2:?--out needs a directory}; shift 2 ;;
		--init) INIT=${2:?--init needs a file}; shift 2 ;;
		--program) PROGRAMS+=("${2:?--program needs a file}"); shift 2 ;;
		-h | --help) usage ;;
		*) echo "$SELF: unknown argument '$1'" >&2; usage ;;
		esac
	done
	[[ -n $OUT && -n $INIT ]] || usage
	[[ -f $INIT ]] || die "init script '$INIT' not found"
}

require_tools() {
	local t
	for t in apt-get apt-cache dpkg-deb objcopy readelf gzip; do
		command -v "$t" >/dev/null || die "'$t' is not installed"
	done
	[[ -x $BUSYBOX ]] || die "busybox not found at $BUSYBOX (apt-get install busybox-static)"
}

apt_update() {
	if [[ $(id -u) -ne 0 ]]; then
		die "apt package lists are missing or stale; run 'sudo apt-get update' and retry"
	fi
	note "running apt-get update"
	apt-get update -qq || die "apt-get update failed (no network to the Debian mirror?)"
}

# Prints the concrete kernel package behind the meta package, e.g. linux-image-6.1.0-56-cloud-amd64.
resolve_kernel_package() {
	local pkg
	if [[ -n ${TURTLE_KERNEL_PKG:-} ]]; then
		echo "$TURTLE_KERNEL_PKG"
		return
	fi
	if ! apt-cache show "$KERNEL_META" >/dev/null 2>&1; then
		note "apt knows no package $KERNEL_META (package lists missing?)"
		apt_update
	fi
	pkg=$(apt-cache depends "$KERNEL_META" 2>/dev/null |
		awk '$1 ~ /Depends:$/ && $2 ~ /^linux-image-/ { print $2; exit }')
	[[ -n $pkg ]] || die "cannot resolve the kernel package behind $KERNEL_META (apt-cache depends)"
	echo "$pkg"
}

package_version() {
	apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^Version:/ { print $2; exit }'
}

# Downloads package $1 version $2 into directory $3 unless a .deb is already there.
download_deb() {
	local pkg=$1 version=$2 dir=$3
	if compgen -G "$dir/${pkg}_*.deb" >/dev/null; then
		return
	fi
	mkdir -p "$dir"
	note "downloading $pkg $version"
	if ! (cd "$dir" && apt-get download "$pkg=$version"); then
		note "download failed; refreshing package lists and retrying"
		apt_update
		(cd "$dir" && apt-get download "$pkg=$version") ||
			die "apt-get download $pkg=$version failed"
	fi
}

# Prints the value of field $2 of the .modinfo section of module $1 (like modinfo -F).
modinfo_field() {
	objcopy -O binary --only-section=.modinfo "$1" "$TMP/modinfo" ||
		die "$1: cannot read its .modinfo section"
	tr '\0' '\n' <"$TMP/modinfo" | sed -n "s/^$2=//p"
}

# Finds module $1 (name with '-' or '_') under $2; prints its path.
find_module() {
	local pattern=${1//[-_]/[-_]}
	find "$2" -name "$pattern.ko*" | head -n 1
}

# Copies module $1 from tree $2 into $3, uncompressed.
copy_module() {
	local src=$1 dest=$2
	case $src in
	*.ko) cp "$src" "$dest" ;;
	*.ko.xz) xz -dc "$src" >"$dest" ;;
	*.ko.zst) zstd -qdc "$src" >"$dest" ;;
	*.ko.gz) gzip -dc "$src" >"$dest" ;;
	*) die "$src: unknown module compression" ;;
	esac
}

# Adds module $1 and, first, its dependencies to $3/load-order (depth first, each once).
add_module_closure() {
	local name=$1 tree=$2 dest=$3 src ko deps dep
	name=${name//_/-}
	if grep -qx "$name.ko" "$dest/load-order" 2>/dev/null; then
		return
	fi
	src=$(find_module "$name" "$tree")
	[[ -n $src ]] || die "module $name not found in the kernel package"
	ko=$dest/$name.ko
	copy_module "$src" "$ko"
	deps=$(modinfo_field "$ko" depends)
	for dep in ${deps//,/ }; do
		add_module_closure "$dep" "$tree" "$dest"
	done
	echo "$name.ko" >>"$dest/load-order"
}

# Extracts vmlinuz and the KVM modules from the .deb in $1 into $2 (once).
extract_kernel() {
	local debdir=$1 dest=$2 x vmlinuz tree
	[[ -f $dest/.complete ]] && return
	note "extracting the kernel and KVM modules"
	x=$TMP/deb
	rm -rf "$x" "$dest.new"
	mkdir -p "$x" "$dest.new/modules"
	dpkg-deb -x "$debdir"/*.deb "$x" || die "dpkg-deb cannot extract $debdir/*.deb"
	vmlinuz=$(compgen -G "$x/boot/vmlinuz-*" | head -n 1) || true
	[[ -n $vmlinuz ]] || die "no boot/vmlinuz-* in the kernel package"
	tree=$(compgen -G "$x/lib/modules/*" | head -n 1) || true
	[[ -n $tree ]] || die "no lib/modules/ in the kernel package"
	cp "$vmlinuz" "$dest.new/vmlinuz"
	add_module_closure "$TOP_MODULE" "$tree" "$dest.new/modules"
	basename "$tree" >"$dest.new/kernel-release"
	touch "$dest.new/.complete"
	rm -rf "$dest"
	mv "$dest.new" "$dest"
}

# The L1 initramfs in $1 from the kernel's modules in $2.
stage_initramfs() {
	stage_busybox_root "$1" "$2" root etc
}

main() {
	local pkg version entry kernel
	parse_args "$@"
	require_tools
	TMP=$(mktemp -d)
	pkg=$(resolve_kernel_package)
	version=$(package_version "$pkg")
	[[ -n $version ]] || die "apt has no version of $pkg"
	entry=$CACHE/kernel/${pkg}_${version//:/%3a}
	download_deb "$pkg" "$version" "$entry/deb"
	kernel=$entry/extracted
	extract_kernel "$entry/deb" "$kernel"

	mkdir -p "$OUT"
	stage_initramfs "$TMP/root" "$kernel"
	pack_initramfs "$TMP/root" "$OUT/initrd.img" 9
	mv "$OUT/initrd.img.new" "$OUT/initrd.img"
	cp "$kernel/vmlinuz" "$OUT/vmlinuz.new"
	mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
	{
		echo "kernel_package=$pkg"
		echo "kernel_version=$version"
		echo "kernel_release=$(cat "$kernel/kernel-release")"
		echo "modules=$(tr '\n' ' ' <"$kernel/modules/load-order" | sed 's/ $//')"
		echo "initrd_sha256=$(sha256sum "$OUT/initrd.img" | cut -d' ' -f1)"
	} >"$OUT/l1-image.txt"
	note "wrote $OUT/vmlinuz and $OUT/initrd.img ($(cat "$kernel/kernel-release"))"
}

main "$@"

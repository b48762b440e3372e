# initramfs-lib.sh: what the image builders (build-l1-image.sh, build-kvm-l0-image.sh) share,
# sourced by both: messages named after the script, a temporary folder removed on exit, usage
# from the script's header comment, and the staging and packing of a busybox initramfs.
# Expects BUSYBOX, EPOCH, PROGRAMS and INIT set by the script.

SELF=$(basename "$0" .sh)
TMP=

die() { echo "$SELF: error: $*" >&2; exit 1; }
note() { echo "$SELF: $*" >&2; }
cleanup() { if [[ -n $TMP ]]; then rm -rf "$TMP"; fi; }
trap cleanup EXIT

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

is_static() { ! readelf -l "$1" 2>/dev/null | grep -q 'program interpreter'; }

# Fills $1 with the folders named after $2 ($1/{bin,...} plus these), busybox and its applet
# links, the modules and load order from $2/modules, the programs (stripped) and init.
stage_busybox_root() {
	local root=$1 kernel=$2 applet prog
	shift 2
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,dev,proc,sys,tmp}
	for applet in "$@"; do mkdir -p "$root/$applet"; done
	is_static "$BUSYBOX" || die "$BUSYBOX is not static (install busybox-static)"
	cp "$BUSYBOX" "$root/bin/busybox"
	for applet in $("$BUSYBOX" --list-full); do
		[[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
	done
	cp "$kernel"/modules/*.ko "$kernel/modules/load-order" "$root/lib/modules/"
	for prog in "${PROGRAMS[@]}"; do
		[[ -f $prog ]] || die "program '$prog' not found"
		is_static "$prog" || die "program '$prog' is not statically linked"
		rm -f "$root/bin/$(basename "$prog")"
		strip -o "$root/bin/$(basename "$prog")" "$prog" 2>/dev/null ||
			cp "$prog" "$root/bin/$(basename "$prog")"
	done
	install -m 0755 "$INIT" "$root/init"
}

# Packs folder $1 into gzipped (level $3) newc cpio $2, with fixed owners, times and inode
# numbers, so that the same inputs give the same bytes.
pack_initramfs() {
	local root=$1 out=$2 level=$3
	find "$root" -exec touch -h -d "@$EPOCH" {} +
	(cd "$root" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort |
		"$BUSYBOX" cpio -o -H newc -R 0:0 --ignore-devno --renumber-inodes 2>/dev/null) |
		gzip "-$level" -n >"$out.new"
}

#!/usr/bin/env bash
# The layer rule of DESIGN.md §2, checked: no file of src/core/ includes
# libevent, hiredis or libconfig, nor a header of src/daemon/ or tools/.
# Prints each offending line as FILE:LINE: reason and exits 1 when any.
set -u
cd "$(dirname "$0")/.."
bad=0

# Headers that live above the core: every .h of src/daemon/ and tools/.
upper=$(find src/daemon tools -name '*.h' -printf '%f\n' 2>/dev/null | sort -u)

while IFS= read -r hit; do
	file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
	inc=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/p' <<<"$text")
	[ -n "$inc" ] || continue
	why=
	case "$inc" in
	event2/*|event.h|evhttp.h|evdns.h|evutil.h) why="libevent ($inc)";;
	hiredis/*|hiredis.h|async.h|adapters/*) why="hiredis ($inc)";;
	libconfig.h|libconfig.h++) why="libconfig ($inc)";;
	*daemon/*|*tools/*|../*) why="a header outside the core ($inc)";;
	*)
		if grep -qxF "$(basename "$inc")" <<<"$upper" &&
		    [ ! -e "src/core/$inc" ]; then
			why="a header of src/daemon/ or tools/ ($inc)"
		fi;;
	esac
	if [ -n "$why" ]; then
		echo "$file:$line: the pure core includes $why" >&2
		bad=1
	fi
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' src/core/*.c src/core/*.h /dev/null)

if [ "$bad" -ne 0 ]; then
	echo "check-layers: src/core/ must stay pure (DESIGN.md §2)" >&2
	exit 1
fi
echo "check-layers: src/core/ includes no adapter library or upper header"

# shellcheck shell=bash
# Sourced by the lab host tests (tests/lab/host/*.sh), from the checkout's
# top: a work directory removed on exit, the module for the lab kernel and
# the initramfs, or one "not ok" line and exit 1.
#   lab_prepare NAME    sets $out to a new /tmp/ib-lab-NAME-XXXXXX
lab_prepare() {
	out=$(mktemp -d "/tmp/ib-lab-$1-XXXXXX")
	# shellcheck disable=SC2064 # $out is fixed now
	trap "rm -rf '$out'" EXIT
	make -s module-lab >/dev/null 2>&1 || { echo "not ok - make module-lab failed"; exit 1; }
	python3 scripts/lab/lab.py build --quiet || { echo "not ok - lab build failed"; exit 1; }
}

#   lab_merge_run DIR LABEL   DIR (a run directory under $out) has results.json,
#   gets the boot's trace, marks and QEMU command line and `iommubench
#   lab-merge`; else one "not ok" line (exit 1 when results.json is missing)
lab_merge_run() {
	if [[ ! -f $1/results.json ]]; then
		echo "not ok - $2: no results.json: $(grep -v '^\[' "$out/guest.log" | tail -n3 | tr '\n' ' ')"
		exit 1
	fi
	cp "$out/qemu-trace.log" "$out/marks.tsv" "$out/qemu-cmdline.txt" "$1/"
	build/iommubench lab-merge "$1" >>"$out/guest.log" 2>&1 ||
		echo "not ok - lab-merge of $2: $(tail -n1 "$out/guest.log")"
}

#!/usr/bin/env bash
# Host test (no module): the map engine's `batch` parameter (issue 22 §6)
# on the command line and in the map suite.  Bad values give one line
# naming batch and what is allowed, exit 1; the suite's map-batch job plans
# 16 points (8 batch sizes x strict, lazy) and its rows name batch.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
bin=${IB_BIN:-build/iommubench}
[[ -x $bin ]] || { echo "not ok - $bin missing (make build)"; exit 1; }

# refuse VALUE... : exit 1 and exactly one line on stderr, equal to the last arg
refuse() {
	local want=${*: -1} out rc
	out=$("$bin" run --engine map "${@:1:$#-1}" --dry-run 2>&1 >/dev/null)
	rc=$?
	if ((rc == 1)) && [[ $out == "$want" ]] && (($(wc -l <<<"$out") == 1)); then
		ok "batch refused: ${*:1:$#-1} -> exit 1, '$out'"
	else
		nok "batch refused: ${*:1:$#-1}: exit $rc, '$out', want '$want'"
	fi
}
refuse --batch 0 "iommubench: --batch: batch=0: expected an integer 1..65536"
refuse --batch 65537 "iommubench: --batch: batch=65537: expected an integer 1..65536"
refuse --batch many "iommubench: --batch: batch=many: expected an integer 1..65536"
refuse --batch 1024 "iommubench: command line: [map] batch=1024: 1024 buffers of granule=1 4 KiB pages need 4194304 bytes, above window=2m"
refuse --batch 65536 --window 256m --threads 8 "iommubench: command line: [map] batch=65536: threads=8 x 268435456 bytes mapped at once, above 1073741824 (1 GiB)"
out=$("$bin" run --engine edu --batch 4 --dry-run 2>&1)
rc=$?
if ((rc == 1)) && [[ $out == *"batch: engine edu does not take this key"* ]]; then
	ok "batch refused for engine edu: $out"
else
	nok "batch for engine edu: exit $rc, '$out'"
fi
out=$("$bin" run --engine map --batch 512 --dry-run 2>&1)
rc=$?
if ((rc == 0)) && [[ $out == *"map/batch:512"* ]] && [[ $out == *"1 points"* ]]; then
	ok "batch=512 in the default 2m window: planned, named map/batch:512"
else
	nok "batch=512: exit $rc, '$out'"
fi

plan=$(IOMMUBENCH_TOPOLOGY_XML=tests/fixtures/topology/2pkg-4numa-gpu-nic.xml \
	"$bin" run --suite bench/suites/map.suite --only map-batch --dry-run 2>&1)
n=$(grep -c '^map-batch/iommu_mode:dma-\(strict\|lazy\)/batch:[0-9]*	' <<<"$plan")
nb=$(grep -o '/batch:[0-9]*' <<<"$plan" | sort -u | tr '\n' ' ')
if ((n == 16)) && [[ $nb == "/batch:1 /batch:1024 /batch:128 /batch:16 /batch:16384 /batch:256 /batch:4096 /batch:65536 " ]]; then
	ok "map suite: map-batch plans 16 points, batch 1..65536 in strict and lazy"
else
	nok "map suite: map-batch planned $n points, batch sizes '$nb'"
fi

# shellcheck shell=bash
# The opening of the host tests that run rows on the fake CUDA driver over
# the BUILT sysinfo fixtures (test_device_first, test_sysinfo_identity,
# test_visibility); source after tests/lib/tap.sh.
#
# cuda_host_prepare NAME: sets bin, fake (the fake libcuda), fix
# (tests/fixtures/sysinfo) and tmp (/tmp/ib-NAME-XXXXXX, removed on exit);
# a missing binary or fake is "not ok" and exit 1; the fake's knobs that a
# caller's environment might carry are cleared.
cuda_host_prepare() {
	bin=${IB_BIN:-build/iommubench}
	fake=$PWD/${IB_CUDA_FAKE:-build/tests/libcuda_fake.so}
	fix=$PWD/tests/fixtures/sysinfo
	tmp=$(mktemp -d "/tmp/ib-$1-XXXXXX")
	# shellcheck disable=SC2064 # $tmp is fixed now
	trap "rm -rf '$tmp'" EXIT
	[[ -x $bin ]] || { nok "$bin missing (make build)"; exit 1; }
	[[ -f $fake ]] || { nok "$fake missing (make unit)"; exit 1; }
	unset IOMMUBENCH_FAKE_CUDA_FAIL IOMMUBENCH_FAKE_CUDA_DEVICES IOMMUBENCH_LIBCUDA
}

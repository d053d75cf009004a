#!/usr/bin/env bash
# Host test (no GPU, no IOMMU needed): the instance identity in results.json
# context (issue 23 §1) from the BUILT fixture trees in
# tests/fixtures/sysinfo/ (README.md there), replayed through
# IOMMUBENCH_SYSINFO_ROOT.  Each fixture runs one ad-hoc cuda row on the
# fake driver (IOMMUBENCH_FAKE_CUDA_BDF = the fixture's GPU), so the row's
# device gets its context.devices entry.  Exact values for machine, cloud,
# cpu.microcode, hypervisor, iommu (Intel cap/ecap, AMD-Vi units, SMMU) and
# the device's PCIe link, ATS/PRI/PASID/ACS and IOMMU group; absent sources
# give absent keys; the report and compare lead with the instance.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/cuda-host.sh
cuda_host_prepare sysid
unset IOMMUBENCH_FAKE_IOTLB_ENTRIES IOMMUBENCH_FAKE_IOTLB_MISS_NS

# run ID ROOT BDF: one ad-hoc cuda row with the context read under ROOT; sets rc
run() {
	IOMMUBENCH_SYSINFO_ROOT=$2 IOMMUBENCH_LIBCUDA=$fake IOMMUBENCH_FAKE_CUDA_BDF=$3 \
		$bin run --engine cuda --min-reps 3 --max-reps 3 --results-dir "$tmp/r" --run-id "$1" \
		>"$tmp/$1.out" 2>&1
	rc=$?
}
# ctx ID EXPR: python over the run's context c, printed as compact JSON
ctx() {
	python3 -c "import json; c=json.load(open('$tmp/r/adhoc/$1/results.json'))['context']; print(json.dumps($2, sort_keys=True, separators=(',', ':')))" 2>&1
}
same() { # name got want
	if [[ $2 == "$3" ]]; then ok "$1"; else nok "$1: got '$2', want '$3'"; fi
}

# -- the committed trees are what build.py builds --
python3 "$fix/build.py" "$tmp/built" && diff -r --no-dereference "$tmp/built" "$fix" \
	-x README.md -x build.py >"$tmp/diff" 2>&1
same "fixture trees equal a fresh build.py run" "$? $(head -c 300 "$tmp/diff")" "0 "

# -- VT-d bare metal --
run vtd "$fix/vtd-metal" 0000:4b:00.0
same "vtd: run ok" "$rc" 0
same "vtd: machine (no product_version: absent)" "$(ctx vtd "c['machine']")" \
	'{"bios_date":"08/08/2023","bios_version":"1.10.2","board_name":"0PJ7YJ","board_vendor":"Dell Inc.","product_name":"PowerEdge R750","sys_vendor":"Dell Inc."}'
same "vtd: no cloud-init data, no cloud key" "$(ctx vtd "'cloud' in c")" false
same "vtd: microcode, hypervisor none from cpuinfo" \
	"$(ctx vtd "[c['cpu']['microcode'], c['hypervisor'], c['hypervisor_source']]")" \
	'["0xd0003d1","none","cpuinfo"]'
same "vtd: Intel cap/ecap, no amd/smmu" \
	"$(ctx vtd "[c['iommu'][k] if k in c['iommu'] else None for k in ('vendor','cap','ecap','amd','smmu','default_domain')]")" \
	'["intel","d2008c40660462","f050da",null,null,"DMA"]'
same "vtd: device link, ATS on, PASID off, root port ACS, group" "$(ctx vtd "c['devices']")" \
	'[{"device":"0000:4b:00.0","iommu_group":35,"iommu_group_members":["0000:4b:00.0"],"pcie":{"acs_upstream":[{"acs":{"capabilities":["SV","TB","RR","CR","UF","DT"],"enabled":["SV","RR","CR","UF"]},"device":"0000:4a:02.0"}],"ats":{"enabled":true,"stu":0},"config_bytes":4096,"current_link_speed":"16.0 GT/s PCIe","current_link_width":16,"max_link_speed":"16.0 GT/s PCIe","max_link_width":16,"pasid":{"enabled":false,"max_width":20}}}]'

# -- AMD-Vi bare metal --
run amd "$fix/amdvi-metal" 0000:c1:00.0
same "amd: run ok" "$rc" 0
same "amd: machine" "$(ctx amd "c['machine']")" \
	'{"bios_date":"04/18/2023","bios_version":"2.4","board_name":"H12DSG-O-CPU","board_vendor":"Supermicro","product_name":"AS -4124GS-TNR","product_version":"0123456789","sys_vendor":"Supermicro"}'
same "amd: vendor amd, four IVHD units with cap and features" \
	"$(ctx amd "[c['iommu']['vendor'], c['iommu']['amd']]")" \
	'["amd",[{"cap":"190b640f","features":"58f77ef22294a5a","unit":"ivhd0"},{"cap":"190b640f","features":"58f77ef22294a5a","unit":"ivhd1"},{"cap":"190b640f","features":"58f77ef22294a5a","unit":"ivhd2"},{"cap":"190b640f","features":"58f77ef22294a5a","unit":"ivhd3"}]]'
same "amd: microcode, hypervisor none" \
	"$(ctx amd "[c['cpu']['microcode'], c['hypervisor'], c['hypervisor_source']]")" \
	'["0xa0011d1","none","cpuinfo"]'
same "amd: x8 of x16, ATS/PRI/PASID, own ACS none enabled, two-member group" "$(ctx amd "c['devices']")" \
	'[{"device":"0000:c1:00.0","iommu_group":12,"iommu_group_members":["0000:c1:00.0","0000:c1:00.1"],"pcie":{"acs":{"capabilities":["RR","CR","UF"],"enabled":[]},"acs_upstream":[{"acs":{"capabilities":["SV","TB","RR","CR","UF"],"enabled":["SV","RR","CR","UF"]},"device":"0000:c0:01.1"}],"ats":{"enabled":true,"stu":0},"config_bytes":4096,"current_link_speed":"8.0 GT/s PCIe","current_link_width":8,"max_link_speed":"16.0 GT/s PCIe","max_link_width":16,"pasid":{"enabled":false,"max_width":20},"pri":{"enabled":false,"outstanding_requests":512}}}]'

# -- cloud VM without a guest IOMMU (instance type in DMI and cloud-init) --
run aws "$fix/cloud-novi" 0000:10:1c.0
same "aws: run ok" "$rc" 0
same "aws: machine: product_name is the instance type" "$(ctx aws "c['machine']")" \
	'{"bios_date":"10/16/2017","bios_version":"1.0","board_vendor":"Amazon EC2","product_name":"p4d.24xlarge","sys_vendor":"Amazon EC2"}'
same "aws: cloud from instance-data.json" "$(ctx aws "c['cloud']")" \
	'{"instance_type":"p4d.24xlarge","provider":"aws","region":"us-east-1","zone":"us-east-1c"}'
same "aws: hypervisor bit set, named by DMI" \
	"$(ctx aws "[c['cpu']['hypervisor_flag'], c['hypervisor'], c['hypervisor_source']]")" \
	'[true,"Amazon EC2","dmi"]'
same "aws: no IOMMU: vendor none, no groups, no amd" \
	"$(ctx aws "[c['iommu']['vendor'], c['iommu']['groups'], 'amd' in c['iommu']]")" '["none",[],false]'
same "aws: device: link only, no capability shown, no group" "$(ctx aws "c['devices']")" \
	'[{"device":"0000:10:1c.0","pcie":{"config_bytes":4096,"current_link_speed":"16.0 GT/s PCIe","current_link_width":16,"max_link_speed":"16.0 GT/s PCIe","max_link_width":16}}]'

# -- VM with a vIOMMU (QEMU q35 + intel-iommu) --
run qemu "$fix/qemu-viommu" 0000:01:00.0
same "qemu: run ok" "$rc" 0
same "qemu: machine (SeaBIOS: no board keys)" "$(ctx qemu "c['machine']")" \
	'{"bios_date":"04/01/2014","bios_version":"1.16.2-debian-1.16.2-1","product_name":"Standard PC (Q35 + ICH9, 2009)","product_version":"pc-q35-7.2","sys_vendor":"QEMU"}'
same "qemu: hypervisor from DMI, microcode 0x1, vIOMMU cap/ecap" \
	"$(ctx qemu "[c['hypervisor'], c['hypervisor_source'], c['cpu']['microcode'], c['iommu']['vendor'], c['iommu']['cap'], c['iommu']['ecap']]")" \
	'["QEMU","dmi","0x1","intel","d2008c22260286","f00f5e"]'
same "qemu: device behind the ACS root port, group 3" "$(ctx qemu "c['devices']")" \
	'[{"device":"0000:01:00.0","iommu_group":3,"iommu_group_members":["0000:01:00.0"],"pcie":{"acs_upstream":[{"acs":{"capabilities":["SV","TB","RR","CR","UF"],"enabled":["SV","RR","CR","UF"]},"device":"0000:00:02.0"}],"config_bytes":4096,"current_link_speed":"16.0 GT/s PCIe","current_link_width":16,"max_link_speed":"16.0 GT/s PCIe","max_link_width":16}}]'

# -- absent sources: absent keys --
mkdir -p "$tmp/empty"
run empty "$tmp/empty" 0000:4b:00.0
same "empty root: run ok" "$rc" 0
same "empty root: no machine, cloud, devices, microcode, amd, smmu" \
	"$(ctx empty "['machine' in c, 'cloud' in c, 'devices' in c, 'microcode' in c['cpu'], 'amd' in c['iommu'], 'smmu' in c['iommu']]")" \
	'[false,false,false,false,false,false]'
same "empty root: hypervisor unknown (no cpuinfo to say none)" \
	"$(ctx empty "[c['hypervisor'], c['hypervisor_source']]")" '["unknown","cpuinfo"]'

# config space as an unprivileged read gets it (64 bytes): no capability keys
cp -a "$fix/amdvi-metal" "$tmp/user64"
cfg=$tmp/user64/sys/devices/pci0000:c0/0000:c0:01.1/0000:c1:00.0/config
head -c 64 "$cfg" >"$cfg.64" && mv "$cfg.64" "$cfg"
run user64 "$tmp/user64" 0000:c1:00.0
same "64-byte config: no ats/pri/pasid/acs, config_bytes 64" \
	"$(ctx user64 "sorted(c['devices'][0]['pcie'])")" \
	'["acs_upstream","config_bytes","current_link_speed","current_link_width","max_link_speed","max_link_width"]'
same "64-byte config: config_bytes" "$(ctx user64 "c['devices'][0]['pcie']['config_bytes']")" 64

# cloud-init of another datasource: Azure's IMDS vmSize; one with no type
cp -a "$fix/cloud-novi" "$tmp/azure"
cat >"$tmp/azure/run/cloud-init/instance-data.json" <<'EOF'
{"ds": {"meta_data": {"imds": {"compute": {"vmSize": "Standard_ND96asr_v4", "location": "eastus"}}}},
 "v1": {"cloud_name": "azure", "platform": "azure", "region": "eastus", "availability_zone": "2"}}
EOF
run azure "$tmp/azure" 0000:10:1c.0
same "azure: instance type from ds.meta_data.imds.compute.vmSize" "$(ctx azure "c['cloud']")" \
	'{"instance_type":"Standard_ND96asr_v4","provider":"azure","region":"eastus","zone":"2"}'
echo '{"v1": {"platform": "gce", "region": null, "availability_zone": "us-central1-a"}}' \
	>"$tmp/azure/run/cloud-init/instance-data.json"
run notype "$tmp/azure" 0000:10:1c.0
same "no instance type, null region: both omitted, platform as provider" "$(ctx notype "c['cloud']")" \
	'{"provider":"gce","zone":"us-central1-a"}'
echo 'not json {' >"$tmp/azure/run/cloud-init/instance-data.json"
run badjson "$tmp/azure" 0000:10:1c.0
same "instance-data.json not JSON: no cloud key, run ok" "$rc $(ctx badjson "'cloud' in c")" "0 false"

# SMMU units: the names only (no ID register in sysfs)
mkdir -p "$tmp/smmu/sys/class/iommu/smmu3.0x0000000009050000"
run smmu "$tmp/smmu" 0000:00:01.0
same "smmu: units listed, vendor other" "$(ctx smmu "[c['iommu']['vendor'], c['iommu']['smmu']]")" \
	'["other",[{"unit":"smmu3.0x0000000009050000"}]]'

# -- the report and compare lead with the instance --
$bin report "$tmp/r/adhoc/aws" >"$tmp/report.out" 2>&1
first=$(sed -n '/<h2 id="context">/,/<\/table>/p' "$tmp/r/adhoc/aws/report.html" | grep -m2 -o '<tr><th>[^<]*</th><td>[^<]*' | tr '\n' '|')
same "report: context table starts with the instance" "$first" \
	'<tr><th>instance</th><td>p4d.24xlarge (aws, us-east-1c)|<tr><th>machine (DMI)</th><td>{&quot;sys_vendor&quot;:&quot;Amazon EC2&quot;,&quot;product_name&quot;:&quot;p4d.24xlarge&quot;,&quot;board_vendor&quot;:&quot;Amazon EC2&quot;,&quot;bios_version&quot;:&quot;1.0&quot;,&quot;bios_date&quot;:&quot;10/16/2017&quot;}|'
$bin compare "$tmp/r/adhoc/aws" "$tmp/r/adhoc/vtd" -o "$tmp/cmp.csv" >"$tmp/cmp.out" 2>&1
host=$(ctx aws "c['host']" | tr -d '"')
same "compare: instances first, then the context diff from machine on" \
	"$(grep -A2 -m1 '^== ' "$tmp/cmp.out" | sed -n '2,3p' | tr '\n' '|')" \
	"instance: p4d.24xlarge (aws, us-east-1c) on $host | PowerEdge R750 (Dell Inc.) on $host|context: aws vs vtd|"
same "compare: first diff line is machine.sys_vendor" \
	"$(grep -m1 '^  machine\.' "$tmp/cmp.out")" "  machine.sys_vendor: Amazon EC2 | Dell Inc."

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the parameter names of a kernel function from a vmlinux's BTF.

    btf_func.py <vmlinux> <function>

Used by conftest.sh: Debian's headers packages ship a vmlinux that holds
only the .BTF section.  BTF lists every function the kernel kept as a real
function, so a static function that is missing was inlined (or not built)
and cannot be kprobed.  Prints "a,b,c" and exits 0; exits 1 when the
function is not in the BTF, 2 when the file has no usable BTF.
"""
import struct
import sys

BTF_KIND_FUNC, BTF_KIND_FUNC_PROTO = 12, 13
# bytes of kind-specific data after the 12-byte btf_type: (fixed, per vlen)
TRAILER = {1: (4, 0), 2: (0, 0), 3: (12, 0), 4: (0, 12), 5: (0, 12), 6: (0, 8),
           7: (0, 0), 8: (0, 0), 9: (0, 0), 10: (0, 0), 11: (0, 0), 12: (0, 0),
           13: (0, 8), 14: (4, 0), 15: (0, 12), 16: (0, 0), 17: (4, 0),
           18: (0, 0), 19: (0, 12)}


def btf_section(data):
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    sh = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    stroff = sh[shstrndx][4]
    for s in sh:
        name = data[stroff + s[0]:data.index(b"\0", stroff + s[0])]
        if name == b".BTF":
            return data[s[4]:s[4] + s[5]]
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], "rb") as f:
            btf = btf_section(f.read())
    except OSError:
        btf = None
    if not btf or struct.unpack_from("<H", btf, 0)[0] != 0xEB9F:
        return 2
    hdr_len, type_off, type_len, str_off, _ = struct.unpack_from("<IIIII", btf, 4)
    types = btf[hdr_len + type_off:hdr_len + type_off + type_len]
    strs = btf[hdr_len + str_off:]

    def name(off):
        return strs[off:strs.index(b"\0", off)].decode()

    # type ids start at 1; remember where each one starts
    starts, pos = [None], 0
    while pos < len(types):
        _, info, _ = struct.unpack_from("<III", types, pos)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        if kind not in TRAILER:
            return 2
        starts.append(pos)
        fixed, per = TRAILER[kind]
        pos += 12 + fixed + per * vlen
    want = sys.argv[2]
    for tid in range(1, len(starts)):
        name_off, info, proto = struct.unpack_from("<III", types, starts[tid])
        if (info >> 24) & 0x1F != BTF_KIND_FUNC or name(name_off) != want:
            continue
        p_name_off, p_info, _ = struct.unpack_from("<III", types, starts[proto])
        if (p_info >> 24) & 0x1F != BTF_KIND_FUNC_PROTO:
            return 2
        params = [name(struct.unpack_from("<II", types, starts[proto] + 12 + 8 * i)[0])
                  for i in range(p_info & 0xFFFF)]
        print(",".join(params))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Build-time patches of the kernel's dma_map_benchmark (make peer-check).

    patch.py KIND FILE      KIND: module-100ns, module-ns, module-sg, tool-100ns, tool-ns, header

Edits FILE in place.  Every substitution must match exactly once: a kernel
source that changed under us fails loudly, in one line naming the file and
the text that was not found (exit 2), and FILE is left untouched.  Checks
(old == new) only assert that the source still has a property we rely on.
See docs/peer-check.md.
"""
import sys

BIND = ("kthread_bind_mask(tsk[i], cpumask_of_node(node));",
        # kthread_bind_mask() is not exported to modules in 6.1
        "set_cpus_allowed_ptr(tsk[i], cpumask_of_node(node));")
# the 6.1 stable tree's cond_resched() in the loop: without it the loop
# would starve the stopping thread on a 1-vCPU guest
RESCHED = ("\t\tcond_resched();\n", "\t\tcond_resched();\n")
TIMED = ("map_stime = ktime_get();\n\t\tdma_addr = dma_map_single(",
         "map_stime = ktime_get();\n\t\tdma_addr = dma_map_single(")

# raw nanoseconds: the per-sample division by 100 (which truncates every
# sample, about -50 ns on the mean) becomes a division by 1; the fields keep
# their _100ns names but hold ns
RAW_NS = [("map_100ns = div64_ul(map_delta,  100);",
           "map_100ns = div64_ul(map_delta,  1); /* iommubench peer-check: ns */"),
          ("unmap_100ns = div64_ul(unmap_delta, 100);",
           "unmap_100ns = div64_ul(unmap_delta, 1); /* iommubench peer-check: ns */")]
DESC = 'MODULE_DESCRIPTION("dma_map benchmark driver");'

# The like-for-like variant: the timed calls become dma_map_sgtable() and
# dma_unmap_sgtable() of a one-entry sg table over the same buffer (our map
# engine's API; its 4k/granule-1 and 2M/granule-512 points map one sg entry),
# the table built once before the loop, outside the timed window, and freed
# after it.  Everything else (buffer, loop, ktime_get() window with the error
# check inside it, as upstream's dma_mapping_error(), sums) stays upstream's.
SG = [("#include <linux/slab.h>\n",
       "#include <linux/scatterlist.h> /* iommubench peer-check: sgtable */\n#include <linux/slab.h>\n"),
      ("\tdma_addr_t dma_addr;\n\tstruct map_benchmark_data *map = data;\n",
       "\tstruct sg_table sgt; /* iommubench peer-check: replaces dma_addr */\n"
       "\tstruct map_benchmark_data *map = data;\n"),
      ("\tbuf = alloc_pages_exact(size, GFP_KERNEL);\n\tif (!buf)\n\t\treturn -ENOMEM;\n",
       "\tbuf = alloc_pages_exact(size, GFP_KERNEL);\n\tif (!buf)\n\t\treturn -ENOMEM;\n"
       "\t/* iommubench peer-check: one sg entry over buf, built outside the timed window */\n"
       "\tif (sg_alloc_table(&sgt, 1, GFP_KERNEL)) {\n"
       "\t\tfree_pages_exact(buf, size);\n"
       "\t\treturn -ENOMEM;\n"
       "\t}\n"
       "\tsg_set_buf(sgt.sgl, buf, size);\n"),
      ("\t\tmap_stime = ktime_get();\n"
       "\t\tdma_addr = dma_map_single(map->dev, buf, size, map->dir);\n"
       "\t\tif (unlikely(dma_mapping_error(map->dev, dma_addr))) {\n"
       "\t\t\tpr_err(\"dma_map_single failed on %s\\n\",\n"
       "\t\t\t\tdev_name(map->dev));\n"
       "\t\t\tret = -ENOMEM;\n"
       "\t\t\tgoto out;\n"
       "\t\t}\n"
       "\t\tmap_etime = ktime_get();\n",
       "\t\tmap_stime = ktime_get();\n"
       "\t\tret = dma_map_sgtable(map->dev, &sgt, map->dir, 0); /* iommubench peer-check */\n"
       "\t\tif (unlikely(ret)) {\n"
       "\t\t\tpr_err(\"dma_map_sgtable failed on %s: %d\\n\",\n"
       "\t\t\t\tdev_name(map->dev), ret);\n"
       "\t\t\tgoto out;\n"
       "\t\t}\n"
       "\t\tmap_etime = ktime_get();\n"),
      ("\t\tunmap_stime = ktime_get();\n"
       "\t\tdma_unmap_single(map->dev, dma_addr, size, map->dir);\n"
       "\t\tunmap_etime = ktime_get();\n",
       "\t\tunmap_stime = ktime_get();\n"
       "\t\tdma_unmap_sgtable(map->dev, &sgt, map->dir, 0); /* iommubench peer-check */\n"
       "\t\tunmap_etime = ktime_get();\n"),
      ("out:\n\tfree_pages_exact(buf, size);\n",
       "out:\n\tsg_free_table(&sgt); /* iommubench peer-check */\n\tfree_pages_exact(buf, size);\n")]

PATCHES = {
    "module-100ns": [BIND, RESCHED, TIMED],
    "module-ns": [BIND, RESCHED, TIMED] + RAW_NS +
                 [(DESC, 'MODULE_DESCRIPTION("dma_map benchmark driver (iommubench peer-check: raw ns)");')],
    # read by the ns tool (tool-ns): same struct, same debugfs file
    "module-sg": [BIND, RESCHED] + SG + RAW_NS +
                 [(DESC, 'MODULE_DESCRIPTION("dma_map benchmark driver (iommubench peer-check: '
                         'dma_map_sgtable, raw ns)");')],
    "tool-100ns": [('fd = open("/sys/kernel/debug/dma_map_benchmark", O_RDWR);',
                    'fd = open("/sys/kernel/debug/dma_map_benchmark", O_RDWR);')],
    "tool-ns": [("average map latency(us):%.1f", "average map latency(ns):%.1f"),
                ("average unmap latency(us):%.1f", "average unmap latency(ns):%.1f"),
                ("map.avg_map_100ns/10.0, map.map_stddev/10.0",
                 "map.avg_map_100ns * 1.0, map.map_stddev * 1.0"),
                ("map.avg_unmap_100ns/10.0, map.unmap_stddev/10.0",
                 "map.avg_unmap_100ns * 1.0, map.unmap_stddev * 1.0")],
    # Debian's 6.1 header: the 136-byte struct; module and tool must agree
    "header": [("__u8 expansion[76]; /* For future use */", "__u8 expansion[76]; /* For future use */"),
               ("#define DMA_MAP_BENCHMARK       _IOWR('d', 1, struct map_benchmark)",
                "#define DMA_MAP_BENCHMARK       _IOWR('d', 1, struct map_benchmark)")],
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in PATCHES:
        sys.exit(f"peer patch: usage: patch.py {{{','.join(PATCHES)}}} FILE")
    kind, path = sys.argv[1], sys.argv[2]
    try:
        text = open(path).read()
    except OSError as e:
        sys.exit(f"peer patch: {path}: {e.strerror}")
    for old, new in PATCHES[kind]:
        n = text.count(old)
        if n != 1:
            print(f"peer patch: {path}: expected 1 occurrence of {old.strip()!r} ({kind}), "
                  f"found {n}: the kernel source changed; review scripts/peer/patch.py",
                  file=sys.stderr)
            sys.exit(2)
        text = text.replace(old, new)
    with open(path, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()

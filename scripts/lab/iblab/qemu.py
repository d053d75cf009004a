"""The QEMU command line of one lab boot: q35 under TCG, two NUMA nodes, the
vIOMMU, two edu devices (one behind pxb-pcie on node 1), --nics virtio-net
ports joined on a QEMU hub, the 9p shares, the
virtio-serial port for the marks, icount and the trace events."""

import os

from .kernel import ktree
from .viommu import VIOMMUS, viommu_args


def qopt(value):
    """A value inside a QEMU option string (-device a=b,c=d): QEMU reads ','
    as the next property, and ',,' as a literal comma."""
    return str(value).replace(",", ",,")


def qemu_cmdline(args, kver, initrd, ctl_dir, out_dir, trace_log, sock):
    mem = args.mem
    half = mem // 2
    cmd = ["qemu-system-x86_64", "-M", "q35,kernel-irqchip=split", "-accel", "tcg",
           "-m", str(mem), "-smp", str(args.smp), "-cpu", "max",
           "-object", f"memory-backend-ram,id=m0,size={half}M",
           "-object", f"memory-backend-ram,id=m1,size={mem - half}M"]
    if args.smp >= 2:
        cmd += ["-numa", "node,nodeid=0,cpus=0,memdev=m0",
                "-numa", f"node,nodeid=1,cpus=1-{args.smp - 1},memdev=m1"]
    else:
        # icount serialises vCPUs: one CPU and a memory-only node 1 (docs/lab.md)
        cmd += ["-numa", "node,nodeid=0,cpus=0,memdev=m0", "-numa", "node,nodeid=1,memdev=m1"]
    cmd += ["-numa", "dist,src=0,dst=1,val=21"]
    viommu_dev, viommu_append, events = viommu_args(args)
    cmd += viommu_dev
    edu = "edu" + (f",dma_mask={args.edu_dma_mask}" if args.edu_dma_mask else "")
    cmd += ["-device", f"{edu},bus=pcie.0,addr=03.0"]
    if VIOMMUS[args.iommu]["pxb_edu"]:
        cmd += ["-device", "pxb-pcie,id=pxb1,bus_nr=16,numa_node=1,bus=pcie.0",
                "-device", "pcie-root-port,id=rp1,bus=pxb1,chassis=1",
                "-device", f"{edu},bus=rp1"]
    if args.nvme:
        # scratch namespace (read-only use by the nvme engine): a sparse raw
        # image in the log directory, thrown away with it
        img = os.path.join(os.path.dirname(trace_log), "nvme-scratch.img")
        with open(img, "wb") as f:
            f.truncate(args.nvme)
        cmd += ["-drive", f"file={qopt(img)},if=none,id=nv0,format=raw",
                "-device", "nvme,serial=ib0,drive=nv0,bus=pcie.0"]
    for i in range(args.nics):
        # the net engine's pair (docs/engines-net.md): virtio-net behind the
        # vIOMMU (iommu_platform: its rings and buffers are DMA-mapped like a
        # real NIC's), both ports on one QEMU hub and nothing else: the
        # frames go from one port to the other, never to the host's network
        cmd += ["-netdev", f"hubport,id=ibnet{i},hubid=0",
                "-device", f"virtio-net-pci,netdev=ibnet{i},bus=pcie.0,iommu_platform=on,"
                           f"disable-legacy=on,ats=off,mac=52:54:00:1b:00:{i + 1:02x}"]
    cmd += ["-fsdev", f"local,id=labctl,path={qopt(ctl_dir)},security_model=none",
            "-device", "virtio-9p-pci,fsdev=labctl,mount_tag=labctl,bus=pcie.0",
            "-fsdev", f"local,id=out,path={qopt(out_dir)},security_model=none",
            "-device", "virtio-9p-pci,fsdev=out,mount_tag=out,bus=pcie.0",
            "-device", "virtio-serial-pci,bus=pcie.0",
            "-chardev", f"socket,id=ibctl,path={qopt(sock)},server=on,wait=off",
            "-device", "virtserialport,chardev=ibctl,name=iommubench.ctl"]
    if args.icount:
        cmd += ["-icount", f"shift={args.icount_shift},sleep=off"]
    if args.trace and events:  # --iommu none: nothing to trace
        cmd += ["-D", trace_log] + [a for e in events for a in ("-trace", f"enable={e}")]
    # nokaslr: the same physical layout every boot (KASLR moved the kernel
    # at random, and with it what the boot-time 1 GiB page and a buffer's
    # physical pieces could get: a 1G page was found in some boots only)
    append = ["console=ttyS0", "quiet", "loglevel=4", "panic=-1", "nokaslr",
              "oops=panic" if args.panic_on_oops else ""]
    append += viommu_append
    if args.hugepages:
        append += [f"hugepagesz=2M hugepages={args.hugepages}"]
    if args.hugepages_1g:
        # 1 GiB pages only reliably at boot: at run time the buddy allocator
        # rarely finds 1 GiB of contiguous free memory (seen: skipped runs).
        append += [f"hugepagesz=1G hugepages={args.hugepages_1g}"]
    if args.append:
        append.append(args.append)
    cmd += ["-kernel", f"{ktree(kver)}/boot/vmlinuz-{kver}", "-initrd", initrd,
            "-append", " ".join(a for a in append if a),
            "-nographic", "-no-reboot", "-nic", "none", "-vga", "none"]
    return cmd



/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The QEMU edu device's registers (hw/misc/edu.c): the one definition,
 * shared by the module's edu engine (kernels/iommubench/engine_edu.c) and
 * the harness's vfio engine, which drives the same DMA engine from user
 * space (harness/src/engines/engine_vfio.c).  A device's register map, not
 * part of the module's ABI (that is iommubench.h alone, docs/abi.md): no
 * version, nothing here crosses the ioctl boundary.
 */
#ifndef _UAPI_IOMMUBENCH_EDU_H
#define _UAPI_IOMMUBENCH_EDU_H

#define IB_EDU_VENDOR 0x1234
#define IB_EDU_DEVICE 0x11e8

/* BAR0 offsets */
#define IB_EDU_IRQ_STATUS 0x24
#define IB_EDU_IRQ_ACK 0x64
#define IB_EDU_DMA_SRC 0x80
#define IB_EDU_DMA_DST 0x88
#define IB_EDU_DMA_CNT 0x90
#define IB_EDU_DMA_CMD 0x98

/* IB_EDU_DMA_CMD bits */
#define IB_EDU_CMD_RUN 0x1
#define IB_EDU_CMD_TO_RAM 0x2 /* 1: edu -> RAM, 0: RAM -> edu */
#define IB_EDU_CMD_IRQ 0x4

/* IB_EDU_IRQ_STATUS: the DMA-done interrupt */
#define IB_EDU_DMA_IRQ 0x100

/* the device's own 4096-byte buffer, as the DMA engine addresses it */
#define IB_EDU_BUF_ADDR 0x40000
/*
 * The edu buffer is 4096 bytes, but QEMU 7.2 aborts on a transfer that ends
 * exactly at its end; keep offset + count strictly below 4096.
 */
#define IB_EDU_MAX_XFER 4095

/* QEMU's default edu dma_mask: 28 bits (the edu's dma_mask property) */
#define IB_EDU_DMA_BITS 28

#endif /* _UAPI_IOMMUBENCH_EDU_H */

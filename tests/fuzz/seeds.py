#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write the binary seeds of the insn, vfio_user and qemu_ap_insn fuzz targets into
corpus/ (the text targets' seeds are written by hand).  Numbers are in
host byte order (x86: little endian), as the protocols are host-local;
the fuzz targets' own framing (chunk and execution lengths) is big endian.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
PQAP, NQAP, DQAP = 0xb2af, 0xb2ad, 0xb2ae


def write(target, name, data):
    os.makedirs(os.path.join(HERE, 'corpus', target), exist_ok=True)
    with open(os.path.join(HERE, 'corpus', target, name + '.bin'), 'wb') as f:
        f.write(data)


# --- fuzz_insn: executions of struct vfio_ap_insn ---------------------------
def insn(opcode, gr0=0, gr1=0, gr2=0, psmid=0, length=0, data=b'',
         data_len=None):
    if data_len is None:
        data_len = len(data)
    b = struct.pack('<HBBIQQQQQ', opcode, 0, 0, data_len, gr0, gr1, gr2,
                    psmid, length) + data
    return struct.pack('>H', len(b)) + b


def apqn(apid, apqi):
    return apid << 8 | apqi


def type50(size, crt=False):
    """an RSA ME (exponent, modulus, message) or CRT request of type 50"""
    keyblock = {128: 1, 256: 2, 512: 3}[size] | (0x10 if crt else 0)
    m = bytes(size - 1) + b'\x02'
    if crt:
        half = size // 2
        body = bytes([0xfb] * half) * 2 + bytes([1] * half) * 3 + m
    else:
        body = bytes(size - 1) + b'\x03' + bytes([0xc3] * size) + m
    msg = bytearray(16) + body
    msg[1] = 0x50
    msg[2:4] = struct.pack('>H', len(msg))
    msg[8:10] = struct.pack('>H', keyblock)
    return bytes(msg)


def insn_seeds():
    q, q2 = apqn(1, 1), apqn(2, 2)
    dqap = insn(DQAP, gr0=q, length=4096, data_len=4096)
    write('insn', 'tapq-qci-qact',
          insn(PQAP, gr0=q) + insn(PQAP, gr0=4 << 24, data_len=128) +
          insn(PQAP, gr0=5 << 24 | q) + insn(PQAP, gr0=0x800000 | q))
    write('insn', 'outside-matrix',
          insn(PQAP, gr0=apqn(3, 3)) + insn(NQAP, gr0=apqn(0, 1), length=8,
                                           data=bytes(8)))
    write('insn', 'aqic',
          insn(PQAP, gr0=3 << 24 | q, gr1=0x8000 | 3, gr2=0x1000) +
          insn(PQAP, gr0=3 << 24 | q, gr1=0))
    m = type50(128)
    write('insn', 'nqap-dqap-1024',
          insn(NQAP, gr0=q, psmid=7, length=len(m), data=m) + dqap + dqap)
    m = type50(256, True)
    write('insn', 'nqap-crt-2048-parts',
          insn(NQAP, gr0=q2, psmid=9, length=len(m), data=m[:200]) +
          insn(NQAP, gr0=q2, psmid=9, length=len(m) - 200, data=m[200:]) +
          insn(DQAP, gr0=q2, length=100, data_len=64) +
          insn(DQAP, gr0=q2, length=4096, data_len=4096))
    write('insn', 'bad-type50',
          insn(NQAP, gr0=q, psmid=1, length=20, data=b'\x00\x51' + bytes(18)) +
          insn(DQAP, gr0=q, length=64, data_len=64))
    write('insn', 'refused',
          insn(0x1234) + insn(PQAP, data_len=5000) +
          insn(NQAP, gr0=q, data_len=100))


# --- fuzz_vfio_user: chunks of a vfio-user stream ---------------------------
def message(cmd, payload=b'', msg_id=0):
    return struct.pack('<HHIII', msg_id, cmd, 16 + len(payload), 0, 0) + payload


def chunk(data, nfds=0):
    return bytes([nfds]) + struct.pack('>H', len(data)) + data


def vfio_user_seeds():
    (VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, REGION_INFO, _, IRQ_INFO,
     SET_IRQS, READ, WRITE, _, _, RESET) = range(1, 14)
    caps = b'{"capabilities":{"max_msg_fds":8,"max_data_xfer_size":65536}}\0'
    version = message(VERSION, struct.pack('<HH', 0, 0) + caps, 1)
    dma_map = message(DMA_MAP, struct.pack('<IIQQQ', 32, 3, 0, 0, 1 << 20), 2)
    info = message(GET_INFO, struct.pack('<IIII', 16, 0, 0, 0), 3)
    region = message(REGION_INFO, struct.pack('<IIIIQQ', 32, 0, 0, 0, 0, 0), 4)
    irq_info = message(IRQ_INFO, struct.pack('<IIII', 16, 0, 1, 0), 5)
    set_irq = message(SET_IRQS, struct.pack('<IIIII', 20, 0x24, 0, 0, 1), 6)
    tapq = struct.pack('<HBBIQQQQQ', PQAP, 0, 0, 0, apqn(1, 1), 0, 0, 0, 0)
    write_insn = message(WRITE, struct.pack('<QII', 0, 0, len(tapq)) + tapq, 7)
    read_insn = message(READ, struct.pack('<QII', 0, 0, 48), 8)
    dma_unmap = message(DMA_UNMAP, struct.pack('<IIQQ', 24, 0, 0, 1 << 20), 9)
    reset = message(RESET, b'', 10)
    write('vfio_user', 'session',
          chunk(version) + chunk(dma_map, 1) + chunk(info) + chunk(region) +
          chunk(irq_info) + chunk(set_irq, 1) + chunk(write_insn) +
          chunk(read_insn) + chunk(reset) + chunk(dma_unmap))
    write('vfio_user', 'split-header',
          chunk(version[:7]) + chunk(version[7:]) + chunk(dma_map[:20], 1) +
          chunk(dma_map[20:]))
    write('vfio_user', 'fds-without-message',
          chunk(version) + chunk(info, 9) + chunk(region, 3))
    write('vfio_user', 'before-version', chunk(dma_map, 1) + chunk(write_insn))
    write('vfio_user', 'bad-size', chunk(struct.pack('<HHIII', 1, 1, 8, 0, 0)))



# --- qemu_ap_insn: one instruction with the CPU state and device answer -----
IN_PSTATE, IN_AMODE31, IN_AMODE64, IN_LOWPROT = 0x01, 0x02, 0x04, 0x08
IN_NEAR, IN_DEVICE_FAILS, IN_SHORT = 0x10, 0x20, 0x40


def cpu_insn(opcode, r1=0, r2=0, flags=IN_AMODE64, regs=None, cc=0, gr1=0,
             gr2=0, psmid=0, data_len=0, data=b''):
    """the layout s390x_ap_insn_fuzz.c decodes"""
    regs = dict(regs or {})
    op = {PQAP: 0, NQAP: 1, DQAP: 2}[opcode]
    body = struct.pack('<BBB', op, r1 << 4 | r2, flags)
    body += b''.join(struct.pack('<Q', regs.get(i, 0)) for i in range(16))
    return body + struct.pack('<BQQQH', cc, gr1, gr2, psmid, data_len) + data


def qemu_ap_insn_seeds():
    q = apqn(1, 1)
    near, short = IN_AMODE64 | IN_NEAR | IN_SHORT, IN_AMODE64 | IN_SHORT
    write('qemu_ap_insn', 'tapq', cpu_insn(PQAP, regs={0: q | 0x800000},
                                           gr2=0xc0000000))
    write('qemu_ap_insn', 'qci', cpu_insn(PQAP, flags=near,
                                          regs={0: 4 << 24, 2: 0x3000},
                                          data=bytes(range(128))))
    write('qemu_ap_insn', 'qci-low-protected',
          cpu_insn(PQAP, flags=near | IN_LOWPROT, regs={0: 4 << 24, 2: 0x100}))
    # 4048-4175: the part from 4096 on the next page is low-protected
    write('qemu_ap_insn', 'qci-low-protected-second-page',
          cpu_insn(PQAP, flags=near | IN_LOWPROT, regs={0: 4 << 24, 2: 0xfd0}))
    write('qemu_ap_insn', 'aqic',
          cpu_insn(PQAP, regs={0: 3 << 24 | q, 1: 0x800006 << 24, 2: 0x4000}))
    write('qemu_ap_insn', 'nqap-across-page',
          cpu_insn(NQAP, r1=4, r2=6, flags=near,
                   regs={0: q, 4: 1, 5: 2, 6: 0x1f00, 7: 0x400}, cc=2))
    write('qemu_ap_insn', 'nqap-24bit',
          cpu_insn(NQAP, r1=4, r2=6, flags=IN_NEAR | IN_SHORT,
                   regs={0: q, 6: 0xff00000000002000, 7: 0x40}))
    write('qemu_ap_insn', 'dqap-parts',
          cpu_insn(DQAP, r1=4, r2=8, flags=near,
                   regs={0: q, 8: 0x2000, 9: 0x1800}, cc=1, gr2=0x800,
                   psmid=0x1122334455667788, data_len=0x1000,
                   data=bytes([0xee] * 64)))
    write('qemu_ap_insn', 'dqap-31bit-device-gone',
          cpu_insn(DQAP, r1=4, r2=8, flags=IN_AMODE31 | IN_NEAR | IN_SHORT |
                   IN_DEVICE_FAILS, regs={0: q, 8: 0x3000, 9: 0x100}))
    write('qemu_ap_insn', 'problem-state',
          cpu_insn(NQAP, r1=4, r2=6, flags=IN_PSTATE | near))
    write('qemu_ap_insn', 'odd-pair', cpu_insn(DQAP, r1=5, r2=6, flags=near))
    write('qemu_ap_insn', 'beyond-storage',
          cpu_insn(DQAP, r1=4, r2=6, flags=short, regs={6: 1 << 40, 7: 16}))


if __name__ == '__main__':
    insn_seeds()
    vfio_user_seeds()
    qemu_ap_insn_seeds()

/*
 * Fuzz target: the guest operands of the s390x AP instructions under TCG
 *
 * Each input is one PQAP, NQAP or DQAP: the general registers, the PSW's
 * problem state and addressing mode, low-address protection, and the
 * answer of the AP device.  The instruction runs through the real code of
 * hw/s390x/ap-inst.c on CPU 0 of a stopped machine, with a device double
 * on the ap-bus that records what it was asked and answers as the input
 * says (within the device contract of ap-device.h).  After each input the
 * architecture is checked: the program exception the operands call for
 * and nothing executed, or the condition code with exactly the registers
 * and storage the instruction may change.  Any difference aborts.
 *
 * Storage is accessed in real mode (no DAT), so that every store of the
 * instruction lands at an address the checker knows.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "hw/boards.h"
#include "hw/qdev-core.h"
#include "hw/s390x/ap-bridge.h"
#include "hw/s390x/ap-device.h"
#include "hw/s390x/ap-inst.h"
#include "system/address-spaces.h"
#include "cpu.h"
#include "s390x-internal.h"
#include "fuzz.h"

#define TYPE_AP_INSN_DOUBLE     "x-ap-insn-double"

#define OP_PQAP                 0xb2af
#define OP_NQAP                 0xb2ad
#define OP_DQAP                 0xb2ae

/* real storage the checker compares after each input: the lowcore too */
#define CHECKED_SIZE            0x10000
#define LOW_ADDRESS_END         512
#define LOWCORE_TEC             offsetof(LowCore, trans_exc_code)
/* a low-address-protection TEC: the page, a store, bit 56 (LAP) */
#define TEC_STORE               0x400
#define TEC_LAP                 0x80
#define QCI_SIZE                128
#define PAGE_SIZE_4K            4096
/* no condition code: what an instruction that sets none leaves */
#define CC_BEFORE               0x5a5a

/* input flags */
#define IN_PSTATE               0x01
#define IN_AMODE_SHIFT          1       /* 0: 24-bit, 1: 31-bit, else 64 */
#define IN_LOWPROT              0x08
#define IN_NEAR_OPERAND         0x10    /* operand address in CHECKED_SIZE */
#define IN_DEVICE_FAILS         0x20
#define IN_SHORT_LENGTH         0x40    /* length register below 8 KiB */

/* what the device double answers, taken from the input */
typedef struct DoubleAnswer {
    bool fail;
    uint8_t cc;
    uint64_t gr1, gr2, psmid;
    uint16_t data_len;
    uint8_t data[AP_INSN_DATA_MAX];
} DoubleAnswer;

/* what it was asked, and what it answered */
typedef struct DoubleLog {
    unsigned calls;
    APInsn asked;
    APInsn answered;
} DoubleLog;

static DoubleAnswer answer;
static DoubleLog dlog;

static uint8_t pattern[CHECKED_SIZE];
static uint8_t expected[CHECKED_SIZE];
static uint8_t found[CHECKED_SIZE];
/* the checked storage differs from the pattern: the next input rewrites it */
static bool storage_dirty = true;

static G_NORETURN void fuzz_fail(const char *what, uint64_t a, uint64_t b)
{
    fprintf(stderr, "s390x-ap-insn: %s (0x%" PRIx64 ", expected 0x%"
            PRIx64 ")\n", what, a, b);
    abort();
}

static void check_eq(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        fuzz_fail(what, got, want);
    }
}

/*
 * The device double's answer for @insn, made valid for what was asked
 * as ap-device.h has it: condition codes the instruction can set, no data
 * beyond the limit, a partial completion only with progress.
 */
static void double_shape_answer(APInsn *insn)
{
    uint8_t cc = answer.cc & 3;
    uint32_t len = 0;

    switch (insn->opcode) {
    case OP_PQAP:
        cc = cc & 1 ? 3 : 0;
        len = ((insn->gr0 >> 24) & 0xff) == 4 ? QCI_SIZE : 0;
        break;
    case OP_NQAP:
        if (cc == 1 || (cc == 2 && !(insn->data_len &&
                                     insn->data_len < insn->length))) {
            cc = 0;
        }
        break;
    default:
        len = cc == 3 ? 0 : answer.data_len % (insn->data_len + 1);
        if ((cc == 1 || cc == 2) && (!answer.gr2 || (!len && insn->length))) {
            cc = 0;
        }
        break;
    }
    insn->cc = cc;
    insn->gr1 = answer.gr1;
    insn->gr2 = answer.gr2;
    insn->psmid = answer.psmid;
    insn->data_len = len;
    memcpy(insn->data, answer.data, len);
}

static bool double_execute(APDevice *apdev, APInsn *insn, Error **errp)
{
    dlog.calls++;
    dlog.asked = *insn;
    if (answer.fail) {
        error_setg(errp, "the device double fails as the input says");
        return false;
    }
    double_shape_answer(insn);
    dlog.answered = *insn;
    return true;
}

static void double_class_init(ObjectClass *oc, const void *data)
{
    DeviceClass *dc = DEVICE_CLASS(oc);

    AP_DEVICE_CLASS(oc)->execute = double_execute;
    dc->bus_type = TYPE_AP_BUS;
}

static const TypeInfo double_info = {
    .name = TYPE_AP_INSN_DOUBLE,
    .parent = TYPE_AP_DEVICE,
    .instance_size = sizeof(APDevice),
    .class_init = double_class_init,
};

/* little-endian fields from the input, zero once it is used up */
typedef struct InputReader {
    const uint8_t *data;
    size_t size, pos;
} InputReader;

static uint64_t take(InputReader *in, unsigned bytes)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < bytes; i++, in->pos++) {
        if (in->pos < in->size) {
            v |= (uint64_t)in->data[in->pos] << (8 * i);
        }
    }
    return v;
}

/* one decoded input: the instruction and the state it starts from */
typedef struct InsnCase {
    uint16_t opcode;
    uint8_t r1, r2, flags;
    uint64_t psw_mask;
    uint64_t regs[16];
} InsnCase;

static void decode_input(InsnCase *c, const uint8_t *data, size_t size)
{
    static const uint16_t opcodes[] = { OP_PQAP, OP_NQAP, OP_DQAP };
    InputReader in = { data, size, 0 };
    unsigned amode, rr;
    size_t rest;

    c->opcode = opcodes[take(&in, 1) % 3];
    rr = take(&in, 1);
    c->r1 = rr >> 4;
    c->r2 = rr & 15;
    c->flags = take(&in, 1);
    amode = (c->flags >> IN_AMODE_SHIFT) & 3;
    c->psw_mask = (c->flags & IN_PSTATE ? PSW_MASK_PSTATE : 0) |
                  (amode ? PSW_MASK_32 : 0) | (amode > 1 ? PSW_MASK_64 : 0);
    for (int i = 0; i < 16; i++) {
        c->regs[i] = take(&in, 8);
    }
    if (c->flags & IN_NEAR_OPERAND) {
        /* QCI's block is in GR2; the other two have R2 */
        uint8_t r = c->opcode == OP_PQAP ? 2 : c->r2;

        /*
         * below 64-bit mode the bits above the address (the high word,
         * and bits 32-39 or bit 32) stay random: they must be ignored
         */
        uint64_t width = amode == 0 ? 0x00ffffff : 0x7fffffff;

        c->regs[r] = (amode > 1 ? 0 : c->regs[r] & ~width) |
                     (c->regs[r] & 0xffff);
    }
    if (c->flags & IN_SHORT_LENGTH && c->opcode != OP_PQAP) {
        c->regs[(c->r2 + 1) & 15] &= 0x1fff;
    }
    answer.fail = c->flags & IN_DEVICE_FAILS;
    answer.cc = take(&in, 1);
    answer.gr1 = take(&in, 8);
    answer.gr2 = take(&in, 8);
    answer.psmid = take(&in, 8);
    answer.data_len = take(&in, 2);
    rest = in.pos < size ? size - in.pos : 0;
    memset(answer.data, 0, sizeof(answer.data));
    memcpy(answer.data, data + in.pos, MIN(rest, sizeof(answer.data)));
}

static uint64_t addr_in_mode(const InsnCase *c, uint64_t a)
{
    if (c->psw_mask & PSW_MASK_64) {
        return a;
    }
    return a & (c->psw_mask & PSW_MASK_32 ? 0x7fffffff : 0x00ffffff);
}

static uint64_t len_in_mode(const InsnCase *c, uint64_t l)
{
    return c->psw_mask & PSW_MASK_64 ? l : (uint32_t)l;
}

/* bytes one execution may move at @addr: to the page's end, 4 KiB */
static uint64_t part_of(uint64_t addr, uint64_t len)
{
    return MIN(len, PAGE_SIZE_4K - (addr & (PAGE_SIZE_4K - 1)));
}

/*
 * The access exception storing or fetching @len bytes at @addr raises, or
 * 0: page by page in the addressing mode's wrap-around, low-address
 * protection (stores into 0-511 and 4096-4607) before a missing page.
 */
static uint32_t access_exception(const InsnCase *c, uint64_t addr,
                                 uint64_t len, bool store, uint64_t *page_out)
{
    uint64_t ram = current_machine->ram_size;
    bool lowprot = store && (c->flags & IN_LOWPROT);

    while (len) {
        uint64_t page = addr & ~(uint64_t)(PAGE_SIZE_4K - 1);
        uint64_t chunk = part_of(addr, len);

        if (lowprot && page <= PAGE_SIZE_4K &&
            addr < page + LOW_ADDRESS_END) {
            *page_out = page;
            return PGM_PROTECTION;
        }
        if (page >= ram) {
            return PGM_ADDRESSING;
        }
        len -= chunk;
        addr = addr_in_mode(c, addr + chunk);
    }
    return 0;
}

/*
 * The PQAP function codes and their operand rules (-cpu max has all): bits
 * 41-47 are zero for every one
 */
static bool pqap_spec_error(uint64_t gr0, uint64_t gr2)
{
    if (gr0 & 0x7f0000) {
        return true;
    }
    switch ((gr0 >> 24) & 0xff) {
    case 0: case 1: case 2: case 3: case 5:
        return false;
    case 4:
        return gr2 & 7;
    default:
        return true;
    }
}

/* NQAP and DQAP: the GR0 bits defined as zero, and a length of zero */
static bool queue_insn_spec_error(const InsnCase *c)
{
    uint64_t reserved = c->opcode == OP_NQAP ? 0xb0800000ULL : 0x70c00000ULL;

    return ((c->r1 | c->r2) & 1) || (c->regs[0] & reserved) ||
           !len_in_mode(c, c->regs[c->r2 + 1]);
}

/*
 * The program exception @c must raise, or 0; for a protection exception
 * the page refused in @page.
 */
static uint32_t expected_exception(const InsnCase *c, uint64_t *page)
{
    uint64_t addr, len;

    if (c->psw_mask & PSW_MASK_PSTATE) {
        return PGM_PRIVILEGED;
    }
    if (c->opcode == OP_PQAP) {
        if (pqap_spec_error(c->regs[0], c->regs[2])) {
            return PGM_SPECIFICATION;
        }
        if (((c->regs[0] >> 24) & 0xff) != 4) {
            return 0;
        }
        return access_exception(c, addr_in_mode(c, c->regs[2]), QCI_SIZE,
                                true, page);
    }
    if (queue_insn_spec_error(c)) {
        return PGM_SPECIFICATION;
    }
    addr = addr_in_mode(c, c->regs[c->r2]);
    len = part_of(addr, len_in_mode(c, c->regs[c->r2 + 1]));
    return access_exception(c, addr, len, c->opcode == OP_DQAP, page);
}

/* registers that PQAP, NQAP and DQAP may change, as a mask */
static unsigned changeable_regs(const InsnCase *c)
{
    unsigned fc = (c->regs[0] >> 24) & 0xff;

    switch (c->opcode) {
    case OP_PQAP:
        return fc == 4 ? 0 : (fc == 0 || fc == 5) ? 0x6 : 0x2;
    case OP_NQAP:
        return 0x2 | 3u << c->r2;
    default:
        return 0x6 | 3u << c->r1 | 3u << c->r2;
    }
}

/*
 * the pairs overlap each other or the registers the instruction sets
 * besides them: their final values are open
 */
static bool pairs_overlap(const InsnCase *c)
{
    unsigned pair2 = 3u << c->r2;
    unsigned pair1 = c->opcode == OP_DQAP ? 3u << c->r1 : 0;
    /* NQAP sets GR1; DQAP GR1 and GR2 */
    unsigned implied = c->opcode == OP_DQAP ? 0x6 : 0x2;

    return ((pair1 | pair2) & implied) || (pair1 & pair2);
}

/* an address register moved by @n as the addressing mode moves it */
static uint64_t advanced_addr(const InsnCase *c, uint64_t reg, uint64_t n)
{
    uint64_t width_mask;

    if (c->psw_mask & PSW_MASK_64) {
        return reg + n;
    }
    width_mask = c->psw_mask & PSW_MASK_32 ? 0xffffffffULL : 0x00ffffffULL;
    return (reg & ~width_mask) |
           (addr_in_mode(c, reg + n) & width_mask);
}

static uint64_t reduced_len(const InsnCase *c, uint64_t reg, uint64_t n)
{
    if (c->psw_mask & PSW_MASK_64) {
        return reg - n;
    }
    return (reg & ~0xffffffffULL) | (uint32_t)(reg - n);
}

/*
 * R2 and R2 + 1 after an instruction that took or stored @n bytes
 * (@moved), or that left them (an update sets bit 32 to zero in 31-bit
 * mode, so that "moved by 0" is not "left")
 */
static void check_moved(const InsnCase *c, const uint64_t *regs, bool moved,
                        uint64_t n)
{
    uint64_t addr = c->regs[c->r2], len = c->regs[c->r2 + 1];

    check_eq("R2", regs[c->r2], moved ? advanced_addr(c, addr, n) : addr);
    check_eq("R2 + 1", regs[c->r2 + 1], moved ? reduced_len(c, len, n) : len);
}

/* @len bytes of @src stored at real address @addr, as far as we compare */
static void expect_store(const InsnCase *c, uint64_t addr, const uint8_t *src,
                         uint64_t len)
{
    for (uint64_t i = 0; i < len; i++) {
        uint64_t a = addr_in_mode(c, addr + i);

        if (a < CHECKED_SIZE) {
            expected[a] = src[i];
        }
    }
}

/*
 * The store operand of DQAP or PQAP(QCI) when it lies beyond the
 * compared storage: filled with the complement of what must be stored
 * before the instruction, read back after it.
 */
static struct {
    uint64_t addr, len;
    uint8_t fill[PAGE_SIZE_4K];
} far;

static void fallback_answer(const InsnCase *c, APInsn *a);

static void prepare_far_store(const InsnCase *c)
{
    static APInsn fallback;
    const uint8_t *data = answer.data;
    uint64_t addr, len;

    far.len = 0;
    if (c->opcode == OP_DQAP) {
        addr = addr_in_mode(c, c->regs[c->r2]);
        len = part_of(addr, len_in_mode(c, c->regs[c->r2 + 1]));
    } else if (c->opcode == OP_PQAP && ((c->regs[0] >> 24) & 0xff) == 4) {
        addr = addr_in_mode(c, c->regs[2]);
        len = QCI_SIZE;
        if (answer.fail) {
            fallback_answer(c, &fallback);
            data = fallback.data;
        }
    } else {
        return;
    }
    /* in one piece, outside the compared storage */
    if (!len || addr < CHECKED_SIZE ||
        addr_in_mode(c, addr + len - 1) != addr + len - 1) {
        return;
    }
    for (uint64_t i = 0; i < len; i++) {
        far.fill[i] = data[i] ^ 0xff;
    }
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        far.fill, len);
    far.addr = addr;
    far.len = len;
}

/* @stored bytes of @src there, the rest of the fill left */
static void check_far_store(const uint8_t *src, uint64_t stored)
{
    uint8_t now[PAGE_SIZE_4K];

    if (!far.len) {
        return;
    }
    address_space_read(&address_space_memory, far.addr,
                       MEMTXATTRS_UNSPECIFIED, now, far.len);
    for (uint64_t i = 0; i < far.len; i++) {
        uint8_t want = i < stored ? src[i] : far.fill[i];

        if (now[i] != want) {
            fuzz_fail("storage at this real address beyond the compared",
                      far.addr + i, want);
        }
    }
}

/* the request the device got: what the operands say */
static void check_request(const InsnCase *c)
{
    const APInsn *q = &dlog.asked;
    uint8_t msg[PAGE_SIZE_4K];
    uint64_t addr, len;

    check_eq("device calls", dlog.calls, 1);
    check_eq("opcode to the device", q->opcode, c->opcode);
    check_eq("GR0 to the device", q->gr0, c->regs[0]);
    if (c->opcode == OP_PQAP) {
        check_eq("GR1 to the device", q->gr1, c->regs[1]);
        check_eq("GR2 to the device", q->gr2, c->regs[2]);
        return;
    }
    /* an even R2 (a completion had one): R2 + 1 is a register */
    addr = addr_in_mode(c, c->regs[c->r2]);
    len = len_in_mode(c, c->regs[c->r2 + 1]);
    check_eq("length to the device", q->length, len);
    check_eq("part to the device", q->data_len, part_of(addr, len));
    if (c->opcode == OP_DQAP) {
        return;
    }
    check_eq("psmid to the device", q->psmid,
             (uint64_t)(uint32_t)c->regs[c->r1] << 32 |
             (uint32_t)c->regs[c->r1 + 1]);
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       msg, q->data_len);
    if (memcmp(msg, q->data, q->data_len)) {
        fuzz_fail("message part differs from storage", addr, q->data_len);
    }
}

/* with no queue behind the device: cc 3, or an empty configuration */
static void fallback_answer(const InsnCase *c, APInsn *a)
{
    memset(a, 0, offsetof(APInsn, data));
    a->cc = 3;
    a->gr1 = 0x01ULL << 16;
    a->gr2 = c->opcode == OP_DQAP ? 0 : c->regs[2];
    if (c->opcode == OP_PQAP && ((c->regs[0] >> 24) & 0xff) == 4) {
        memset(a->data, 0, QCI_SIZE);
        a->data[0] = 0x40;      /* APXA: the ids below are the limits */
        a->data[4] = 63;
        a->data[5] = 15;
        a->cc = 0;
    }
}

/* the registers and storage after a completed instruction */
static void check_completion(const InsnCase *c, const uint64_t *regs,
                             uint8_t cc)
{
    APInsn a;
    unsigned fc = (c->regs[0] >> 24) & 0xff;
    uint64_t addr;

    check_request(c);
    if (answer.fail) {
        fallback_answer(c, &a);
    } else {
        a = dlog.answered;
    }
    check_eq("condition code", cc, a.cc);
    if (c->opcode == OP_PQAP) {
        if (fc == 4) {
            expect_store(c, addr_in_mode(c, c->regs[2]), a.data, QCI_SIZE);
            check_far_store(a.data, QCI_SIZE);
            return;
        }
        check_eq("PQAP GR1", regs[1], a.gr1);
        if (fc == 0 || fc == 5) {
            check_eq("PQAP GR2", regs[2], a.gr2);
        }
        return;
    }
    addr = addr_in_mode(c, c->regs[c->r2]);
    if (c->opcode == OP_DQAP) {
        expect_store(c, addr, a.data, answer.fail ? 0 : a.data_len);
        check_far_store(a.data, answer.fail ? 0 : a.data_len);
    }
    if (pairs_overlap(c)) {
        return;
    }
    if (c->opcode == OP_NQAP) {
        check_eq("NQAP GR1", regs[1], a.cc == 2 ? c->regs[1] : a.gr1);
        /* the message part was taken (cc 0 or 2): R2 and R2 + 1 move */
        check_moved(c, regs, a.cc == 0 || a.cc == 2, dlog.asked.data_len);
        return;
    }
    check_eq("DQAP GR1", regs[1],
             a.cc == 0 || a.cc == 3 ? a.gr1 : c->regs[1]);
    check_eq("DQAP GR2", regs[2], a.gr2);
    check_moved(c, regs, a.data_len, a.data_len);
    check_eq("DQAP R1", regs[c->r1], a.cc == 3 ? c->regs[c->r1] :
             (c->regs[c->r1] & ~0xffffffffULL) | a.psmid >> 32);
    check_eq("DQAP R1 + 1", regs[c->r1 + 1], a.cc == 3 ? c->regs[c->r1 + 1] :
             (c->regs[c->r1 + 1] & ~0xffffffffULL) | (uint32_t)a.psmid);
}

static void set_up_cpu(S390CPU *cpu, const InsnCase *c)
{
    CPUS390XState *env = &cpu->env;

    memcpy(env->regs, c->regs, sizeof(env->regs));
    env->psw.mask = c->psw_mask;
    env->psw.addr = 0x2000;
    env->cregs[0] = c->flags & IN_LOWPROT ? CR0_LOWPROT : 0;
    env->psa = 0;
    env->cc_op = CC_BEFORE;
    env->int_pgm_code = 0;
    if (storage_dirty) {
        address_space_write(&address_space_memory, 0, MEMTXATTRS_UNSPECIFIED,
                            pattern, CHECKED_SIZE);
        storage_dirty = false;
    }
    memcpy(expected, pattern, CHECKED_SIZE);
    memset(&dlog, 0, sizeof(dlog));
}

/* run the instruction; the program exception it raised, or 0 */
static uint32_t run_insn(S390CPU *cpu, const InsnCase *c)
{
    CPUState *cs = CPU(cpu);

    if (sigsetjmp(cs->jmp_env, 0)) {
        /* a program exception leaves the helper by this long jump */
        cs->exception_index = -1;
        return cpu->env.int_pgm_code;
    }
    switch (c->opcode) {
    case OP_PQAP:
        ap_pqap_service_call(cpu, 0);
        break;
    case OP_NQAP:
        ap_nqap_service_call(cpu, c->r1, c->r2, 0);
        break;
    default:
        ap_dqap_service_call(cpu, c->r1, c->r2, 0);
        break;
    }
    return 0;
}

static void ap_insn_fuzz(QTestState *s, const unsigned char *data,
                         size_t size)
{
    S390CPU *cpu = S390_CPU(qemu_get_cpu(0));
    CPUS390XState *env = &cpu->env;
    uint64_t lap_page = 0;
    InsnCase c;
    uint32_t want, got;
    unsigned may_change;

    decode_input(&c, data, size);
    set_up_cpu(cpu, &c);
    want = expected_exception(&c, &lap_page);
    if (!want) {
        prepare_far_store(&c);
    } else {
        far.len = 0;
    }
    got = run_insn(cpu, &c);
    check_eq("program exception", got, want);
    may_change = got ? 0 : changeable_regs(&c);
    for (int i = 0; i < 16; i++) {
        if (!(may_change & 1u << i)) {
            check_eq("an unchanged register", env->regs[i], c.regs[i]);
        }
    }
    if (got) {
        check_eq("device calls after an exception", dlog.calls, 0);
        check_eq("condition code after an exception", env->cc_op, CC_BEFORE);
        check_far_store(NULL, 0);
    } else {
        check_completion(&c, env->regs, env->cc_op);
    }
    address_space_read(&address_space_memory, 0, MEMTXATTRS_UNSPECIFIED,
                       found, CHECKED_SIZE);
    if (got == PGM_PROTECTION) {
        /* the exception stores its translation-exception code */
        stq_be_p(expected + LOWCORE_TEC, lap_page | TEC_STORE | TEC_LAP);
    }
    if (memcmp(found, expected, CHECKED_SIZE)) {
        for (size_t i = 0; i < CHECKED_SIZE; i++) {
            if (found[i] != expected[i]) {
                fuzz_fail("storage at this real address", i, expected[i]);
            }
        }
    }
    /* stores outside the checked storage are not undone: none matter */
    storage_dirty = memcmp(found, pattern, CHECKED_SIZE);
}

static void ap_insn_fuzz_pre(QTestState *s)
{
    uint32_t x = 0x2545f491;

    /* the same storage before every input, not all zeros */
    for (size_t i = 0; i < CHECKED_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pattern[i] = x;
    }
    if (!s390_get_ap_device()) {
        fprintf(stderr, "s390x-ap-insn: the device double is not on the "
                "ap-bus\n");
        abort();
    }
}

static GString *ap_insn_fuzz_cmdline(FuzzTarget *t)
{
    return g_string_new(TARGET_NAME " -machine s390-ccw-virtio,accel=tcg"
                        " -cpu max -m 64M -S -display none -nodefaults"
                        " -device " TYPE_AP_INSN_DOUBLE);
}

static void register_ap_insn_double(void)
{
    type_register_static(&double_info);
}

type_init(register_ap_insn_double);

static void register_ap_insn_fuzz_target(void)
{
    fuzz_add_target(&(FuzzTarget){
        .name = "s390x-ap-insn",
        .description = "PQAP, NQAP and DQAP with random registers, PSW and "
                       "device answers, through hw/s390x/ap-inst.c",
        .get_init_cmdline = ap_insn_fuzz_cmdline,
        .pre_fuzz = ap_insn_fuzz_pre,
        .fuzz = ap_insn_fuzz,
    });
}

fuzz_target_init(register_ap_insn_fuzz_target);

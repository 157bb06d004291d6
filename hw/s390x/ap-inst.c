/*
 * s390x AP (crypto adapter) instructions under TCG: PQAP, NQAP, DQAP
 *
 * What the architecture and KVM's PQAP intercept check comes first, in
 * their order: the AP facility (operation exception), the problem state
 * (privileged operation), then the specification exceptions.  Operands in
 * guest memory go through the virtual memory helpers, so addressing and
 * protection exceptions come out as the guest expects, before the device
 * is asked; a part of a message or reply moves at most up to the next page
 * boundary per execution (partial completion, the guest repeats).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"
#include "cpu.h"
#include "s390x-internal.h"
#include "exec/target_page.h"
#include "hw/s390x/ap-bridge.h"
#include "hw/s390x/ap-device.h"
#include "hw/s390x/ap-inst.h"
#include "trace.h"

#define AP_OP_PQAP              0xb2af
#define AP_OP_NQAP              0xb2ad
#define AP_OP_DQAP              0xb2ae

/* PQAP function codes (GR0 bits 32-39) */
#define PQAP_TAPQ               0
#define PQAP_AQIC               3
#define PQAP_QCI                4
#define PQAP_QACT               5

#define GR0_FC(gr0)             (((gr0) >> 24) & 0xff)
#define GR0_T_BIT               0x0000000000800000ULL
/* PQAP: bits 41-47 are defined as zero, for every function code */
#define GR0_PQAP_RESERVED       0x00000000007f0000ULL
/* NQAP: bits 32, 34, 35 and 40 must be zero (33 is "last part") */
#define GR0_NQAP_RESERVED       0x00000000b0800000ULL
/* DQAP: bits 33, 34, 35, 40 and 41 must be zero (32 is Linux's flag) */
#define GR0_DQAP_RESERVED       0x0000000070c00000ULL

#define AP_QCI_SIZE             128
/* QCI without a device: information there (a flag set), nothing in it */
#define AP_QCI_FLAG_APXA        0x40
#define AP_QCI_NA_NON_APXA      63
#define AP_QCI_ND_NON_APXA      15
#define AP_RC_Q_NOT_AVAIL       0x01

/*
 * The instruction being executed.  The helpers run with the BQL held, so
 * one is enough; and a program exception leaves them by a long jump, so
 * nothing they use may need freeing.
 */
static APInsn ap_insn;

/* a fresh instruction: the header cleared, the data left as it is */
static APInsn *ap_insn_new(uint16_t opcode, uint64_t gr0)
{
    memset(&ap_insn, 0, offsetof(APInsn, data));
    ap_insn.opcode = opcode;
    ap_insn.gr0 = gr0;
    return &ap_insn;
}

/*
 * Advance the address in @r by @len and take @len from the length in
 * @r + 1, as the addressing mode has them: in 24- and 31-bit mode the high
 * bits of the address register stay, and the length is bits 32-63.
 */
static void ap_advance(CPUS390XState *env, uint8_t r, uint64_t len)
{
    uint64_t addr = wrap_address(env, env->regs[r] + len);

    if (env->psw.mask & PSW_MASK_64) {
        env->regs[r] = addr;
        env->regs[r + 1] -= len;
        return;
    }
    env->regs[r] = deposit64(env->regs[r], 0,
                             (env->psw.mask & PSW_MASK_32) ? 32 : 24, addr);
    env->regs[r + 1] = deposit64(env->regs[r + 1], 0, 32,
                                 (uint32_t)env->regs[r + 1] - len);
}

/* the length operand in @r: 64 bits, or bits 32-63 below 64-bit mode */
static uint64_t ap_length(CPUS390XState *env, uint8_t r)
{
    return (env->psw.mask & PSW_MASK_64) ? env->regs[r] :
           (uint32_t)env->regs[r];
}

static bool ap_insn_allowed(CPUS390XState *env, uintptr_t ra)
{
    if (!s390_has_feat(S390_FEAT_AP)) {
        s390_program_interrupt(env, PGM_OPERATION, ra);
        return false;
    }
    if (env->psw.mask & PSW_MASK_PSTATE) {
        s390_program_interrupt(env, PGM_PRIVILEGED, ra);
        return false;
    }
    return true;
}

/*
 * The PQAP checks of the architecture and of KVM's handle_pqap(), common
 * ones first.  Under TCG the machine always has the extended addressing
 * of 256 adapters and domains (APXA): every id is a valid operand, with a
 * device or without, as QCI says.
 */
static bool ap_pqap_valid(uint64_t gr0, uint64_t gr2)
{
    if (gr0 & GR0_PQAP_RESERVED) {
        return false;
    }
    if ((gr0 & GR0_T_BIT) && !s390_has_feat(S390_FEAT_AP_FACILITIES_TEST)) {
        return false;
    }
    switch (GR0_FC(gr0)) {
    case PQAP_AQIC:
        return s390_has_feat(S390_FEAT_AP_QUEUE_INTERRUPT_CONTROL);
    case PQAP_QCI:
        return s390_has_feat(S390_FEAT_AP_QUERY_CONFIG_INFO) && !(gr2 & 7);
    case PQAP_TAPQ:
    case 1: /* RAPQ */
    case 2: /* ZAPQ */
    case PQAP_QACT:
        return true;
    default:
        return false;
    }
}

/*
 * Have the device execute @insn.  Without a device, or when it fails, the
 * guest finds no queue (and an empty configuration).
 */
static void ap_execute(APInsn *insn)
{
    APDevice *apdev = s390_get_ap_device();
    Error *err = NULL;

    if (apdev && AP_DEVICE_GET_CLASS(apdev)->execute) {
        if (AP_DEVICE_GET_CLASS(apdev)->execute(apdev, insn, &err)) {
            trace_ap_insn(insn->opcode, insn->gr0, insn->cc, insn->gr1);
            return;
        }
        /* the hook's contract: a failure comes with its reason */
        g_assert(err);
        /* the device says so once; the guest goes on without the queue */
        error_free(err);
        trace_ap_insn_failed(insn->opcode, insn->gr0);
    }
    insn->data_len = 0;
    if (insn->opcode == AP_OP_PQAP && GR0_FC(insn->gr0) == PQAP_QCI) {
        /* a flags word of 0 would mean "every id configured" to Linux */
        memset(insn->data, 0, AP_QCI_SIZE);
        insn->data[0] = AP_QCI_FLAG_APXA;
        insn->data[4] = AP_QCI_NA_NON_APXA;
        insn->data[5] = AP_QCI_ND_NON_APXA;
        insn->data_len = AP_QCI_SIZE;
        insn->cc = 0;
        return;
    }
    insn->gr1 = (uint64_t)AP_RC_Q_NOT_AVAIL << 16;
    insn->gr2 = insn->opcode == AP_OP_DQAP ? 0 : insn->gr2;
    insn->cc = 3;
}

/* bytes from @addr up to the next page boundary, at most @len */
static uint64_t ap_part_len(uint64_t addr, uint64_t len)
{
    uint64_t to_page = TARGET_PAGE_SIZE - (addr & ~TARGET_PAGE_MASK);

    return MIN(MIN(len, to_page), AP_INSN_DATA_MAX);
}

void ap_pqap_service_call(S390CPU *cpu, uintptr_t ra)
{
    CPUS390XState *env = &cpu->env;
    uint64_t qci_addr;
    APInsn *insn;

    if (!ap_insn_allowed(env, ra)) {
        return;
    }
    if (!ap_pqap_valid(env->regs[0], env->regs[2])) {
        s390_program_interrupt(env, PGM_SPECIFICATION, ra);
        return;
    }
    insn = ap_insn_new(AP_OP_PQAP, env->regs[0]);
    insn->gr1 = env->regs[1];
    insn->gr2 = env->regs[2];
    qci_addr = wrap_address(env, env->regs[2]);
    if (GR0_FC(insn->gr0) == PQAP_QCI &&
        s390_cpu_virt_mem_check_write(cpu, qci_addr, 2, AP_QCI_SIZE)) {
        s390_cpu_virt_mem_handle_exc(cpu, ra);
        return;
    }
    ap_execute(insn);
    if (GR0_FC(insn->gr0) == PQAP_QCI) {
        if (s390_cpu_virt_mem_write(cpu, qci_addr, 2, insn->data,
                                    AP_QCI_SIZE)) {
            s390_cpu_virt_mem_handle_exc(cpu, ra);
            return;
        }
    } else {
        env->regs[1] = insn->gr1;
    }
    if (GR0_FC(insn->gr0) == PQAP_TAPQ || GR0_FC(insn->gr0) == PQAP_QACT) {
        env->regs[2] = insn->gr2;
    }
    setcc(cpu, insn->cc);
}

/*
 * NQAP and DQAP: even register pairs, the GR0 bits defined as zero clear,
 * and a length that is not zero
 */
static bool ap_queue_insn_valid(CPUS390XState *env, uint8_t r1, uint8_t r2,
                                uint64_t reserved, uintptr_t ra)
{
    if ((r1 & 1) || (r2 & 1) || (env->regs[0] & reserved) ||
        !ap_length(env, r2 + 1)) {
        s390_program_interrupt(env, PGM_SPECIFICATION, ra);
        return false;
    }
    return true;
}

void ap_nqap_service_call(S390CPU *cpu, uint8_t r1, uint8_t r2, uintptr_t ra)
{
    CPUS390XState *env = &cpu->env;
    uint64_t addr, left, len;
    APInsn *insn;

    if (!ap_insn_allowed(env, ra) ||
        !ap_queue_insn_valid(env, r1, r2, GR0_NQAP_RESERVED, ra)) {
        return;
    }
    addr = wrap_address(env, env->regs[r2]);
    left = ap_length(env, r2 + 1);
    len = ap_part_len(addr, left);
    insn = ap_insn_new(AP_OP_NQAP, env->regs[0]);
    if (len && s390_cpu_virt_mem_read(cpu, addr, r2, insn->data, len)) {
        s390_cpu_virt_mem_handle_exc(cpu, ra);
        return;
    }
    insn->psmid = (uint64_t)(uint32_t)env->regs[r1] << 32 |
                  (uint32_t)env->regs[r1 + 1];
    insn->length = left;
    insn->data_len = len;
    ap_execute(insn);
    if (insn->cc == 0 || insn->cc == 2) {
        /* the part was taken: the registers move past it */
        ap_advance(env, r2, len);
    }
    if (insn->cc != 2) {
        env->regs[1] = insn->gr1;
    }
    setcc(cpu, insn->cc);
}

void ap_dqap_service_call(S390CPU *cpu, uint8_t r1, uint8_t r2, uintptr_t ra)
{
    CPUS390XState *env = &cpu->env;
    uint64_t addr, room, limit;
    APInsn *insn;

    if (!ap_insn_allowed(env, ra) ||
        !ap_queue_insn_valid(env, r1, r2, GR0_DQAP_RESERVED, ra)) {
        return;
    }
    addr = wrap_address(env, env->regs[r2]);
    room = ap_length(env, r2 + 1);
    limit = ap_part_len(addr, room);
    /* a reply part is taken from the queue only if it can be stored */
    if (limit && s390_cpu_virt_mem_check_write(cpu, addr, r2, limit)) {
        s390_cpu_virt_mem_handle_exc(cpu, ra);
        return;
    }
    insn = ap_insn_new(AP_OP_DQAP, env->regs[0]);
    insn->length = room;
    insn->data_len = limit;
    ap_execute(insn);
    if (insn->data_len) {
        if (s390_cpu_virt_mem_write(cpu, addr, r2, insn->data,
                                    insn->data_len)) {
            s390_cpu_virt_mem_handle_exc(cpu, ra);
            return;
        }
        ap_advance(env, r2, insn->data_len);
    }
    if (insn->cc != 3) {
        /* the request id in bits 32-63 of R1 and R1 + 1 */
        env->regs[r1] = deposit64(env->regs[r1], 0, 32, insn->psmid >> 32);
        env->regs[r1 + 1] = deposit64(env->regs[r1 + 1], 0, 32,
                                      (uint32_t)insn->psmid);
    }
    if (insn->cc == 0 || insn->cc == 3) {
        env->regs[1] = insn->gr1;
    }
    env->regs[2] = insn->gr2;
    setcc(cpu, insn->cc);
}

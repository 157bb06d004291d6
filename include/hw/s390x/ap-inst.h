/*
 * s390x AP (crypto adapter) instructions under TCG
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_S390X_AP_INST_H
#define HW_S390X_AP_INST_H

#include "cpu.h"

/*
 * PQAP, NQAP and DQAP as the CPU executes them without SIE: the operands
 * are checked and guest memory accessed here, and the device on the
 * ap-bus executes what is left.  Each ends with a program exception or
 * with the condition code set.
 */
void ap_pqap_service_call(S390CPU *cpu, uintptr_t ra);
void ap_nqap_service_call(S390CPU *cpu, uint8_t r1, uint8_t r2, uintptr_t ra);
void ap_dqap_service_call(S390CPU *cpu, uint8_t r1, uint8_t r2, uintptr_t ra);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * What a simulated CEX accelerator computes: RSA modular exponentiation and
 * RSA-CRT requests in message type 50 (the MEB1-3 and CRB1-3 layouts that
 * zcrypt_msgtype50.c builds), answered as a type 80 reply carrying the
 * result, or as a type 82 error reply for anything the card cannot do.
 * The arithmetic is OpenSSL's libcrypto.  Numbers in the messages are
 * big-endian, right-aligned in fields of a fixed size per layout.
 */
#include <openssl/bn.h>

#include "ap_card.h"

#define T50_HDR_LEN	16	/* type50 header, keyblock type, reserved */
#define T80_HDR_LEN	16
#define T82_LEN		8

#define TYPE50_CODE	0x50
#define TYPE80_CODE	0x80
#define TYPE82_CODE	0x82

/* type 82 reply codes zcrypt knows (zcrypt_error.h) */
#define REP82_MESSAGE_TYPE	0x20
#define REP82_INVALID_MSG_LEN	0x23
#define REP82_FORMAT_FIELD	0x29
#define REP82_OPERAND_INVALID	0x82
#define REP82_EVEN_MODULUS	0x85
#define REP82_MACHINE_FAILURE	0x10

static unsigned int be16(const u8 *p)
{
	return p[0] << 8 | p[1];
}

static size_t error_reply(u8 *reply, unsigned int code)
{
	memset(reply, 0, T82_LEN);
	reply[1] = TYPE82_CODE;
	reply[4] = code;
	return T82_LEN;
}

/* the field size of a keyblock type: 128, 256 or 512 bytes; 0 if unknown */
static size_t field_size(unsigned int keyblock, bool *crt)
{
	*crt = keyblock & 0x10;
	switch (keyblock & ~0x10u) {
	case 1: return 128;
	case 2: return 256;
	case 3: return 512;
	default: return 0;
	}
}

static BIGNUM *num(const u8 *p, size_t len, BN_CTX *ctx)
{
	BIGNUM *bn = BN_CTX_get(ctx);

	return bn && BN_bin2bn(p, len, bn) ? bn : NULL;
}

/* result = base ^ exp mod n; 0 or a type 82 reply code */
static int mod_exp(const u8 *f, size_t size, BIGNUM *result, BN_CTX *ctx)
{
	BIGNUM *e = num(f, size, ctx), *n = num(f + size, size, ctx);
	BIGNUM *m = num(f + 2 * size, size, ctx);

	if (!e || !n || !m)
		return REP82_MACHINE_FAILURE;
	if (BN_is_zero(n) || BN_cmp(m, n) >= 0)
		return REP82_OPERAND_INVALID;
	if (!BN_is_odd(n))
		return REP82_EVEN_MODULUS;
	return BN_mod_exp(result, m, e, n, ctx) ? 0 : REP82_MACHINE_FAILURE;
}

/*
 * Garner's recombination: m1 = c^dp mod p, m2 = c^dq mod q,
 * h = u (m1 - m2) mod p, result = m2 + h q, with u = q^-1 mod p.
 */
static int crt(const u8 *f, size_t size, BIGNUM *result, BN_CTX *ctx)
{
	size_t half = size / 2;
	BIGNUM *p = num(f, half, ctx), *q = num(f + half, half, ctx);
	BIGNUM *dp = num(f + 2 * half, half, ctx);
	BIGNUM *dq = num(f + 3 * half, half, ctx);
	BIGNUM *u = num(f + 4 * half, half, ctx);
	BIGNUM *c = num(f + 5 * half, size, ctx);
	BIGNUM *m1 = BN_CTX_get(ctx), *m2 = BN_CTX_get(ctx);
	BIGNUM *h = BN_CTX_get(ctx);

	if (!p || !q || !dp || !dq || !u || !c || !h)
		return REP82_MACHINE_FAILURE;
	if (BN_is_zero(p) || BN_is_zero(q))
		return REP82_OPERAND_INVALID;
	if (!BN_is_odd(p) || !BN_is_odd(q))
		return REP82_EVEN_MODULUS;
	if (!BN_mod_exp(m1, c, dp, p, ctx) || !BN_mod_exp(m2, c, dq, q, ctx) ||
	    !BN_mod_sub(h, m1, m2, p, ctx) || !BN_mod_mul(h, h, u, p, ctx) ||
	    !BN_mul(h, h, q, ctx) || !BN_add(result, h, m2))
		return REP82_MACHINE_FAILURE;
	return 0;
}

size_t sim_rsa_type50(const u8 *msg, size_t len, u8 *reply)
{
	size_t size, want;
	BIGNUM *result;
	BN_CTX *ctx;
	bool is_crt;
	int code;

	if (len < T50_HDR_LEN)
		return error_reply(reply, REP82_INVALID_MSG_LEN);
	if (msg[1] != TYPE50_CODE)
		return error_reply(reply, REP82_MESSAGE_TYPE);
	size = field_size(be16(msg + 8), &is_crt);
	if (!size)
		return error_reply(reply, REP82_FORMAT_FIELD);
	want = T50_HDR_LEN + (is_crt ? 5 * (size / 2) + size : 3 * size);
	if (be16(msg + 2) != len || len != want)
		return error_reply(reply, REP82_INVALID_MSG_LEN);

	ctx = BN_CTX_new();
	if (!ctx)
		return error_reply(reply, REP82_MACHINE_FAILURE);
	BN_CTX_start(ctx);
	result = BN_CTX_get(ctx);
	code = !result ? REP82_MACHINE_FAILURE :
	       is_crt ? crt(msg + T50_HDR_LEN, size, result, ctx) :
			mod_exp(msg + T50_HDR_LEN, size, result, ctx);
	/* a CRT result of inconsistent parts may not fit: the card says so */
	if (!code && BN_bn2binpad(result, reply + T80_HDR_LEN, size) < 0)
		code = REP82_OPERAND_INVALID;
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	if (code)
		return error_reply(reply, code);

	memset(reply, 0, T80_HDR_LEN);
	reply[1] = TYPE80_CODE;
	reply[2] = (T80_HDR_LEN + size) >> 8;
	reply[3] = (T80_HDR_LEN + size) & 0xff;
	return T80_HDR_LEN + size;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Build-time helper (runs on the host): RSA requests in message type 50 as
 * zcrypt builds them (MEB1-3, CRB1-3) for fresh 1024-, 2048- and 4096-bit
 * keys, each with the result OpenSSL's own RSA computes for it, for the
 * bare-metal guest to send and compare.  The guest is big-endian, so the
 * file is too:
 *
 *   "APV1", u32 count, then per vector: u32 message length, u32 result
 *   length, the message, the result, padded to 8 bytes.
 *
 * With --ica, the same operations as a Linux guest's program hands them to
 * zcrypt (ICARSAMODEXPO, ICARSACRT: include/uapi/asm/zcrypt.h):
 *
 *   "ICV1", u32 count, then per vector: u32 bits, u32 crt, u32 fields,
 *   and each field as u32 length and bytes: ME: input, exponent (e),
 *   modulus, result; CRT: input, bp_key (dp), bq_key (dq), np_prime (p),
 *   nq_prime (q), u_mult_inv, result.  bp_key, np_prime and u_mult_inv
 *   carry 8 leading zero bytes more than the others, as zcrypt wants.
 *
 * Usage: mkvectors [--ica] OUTPUT
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what)
{
	fprintf(stderr, "mkvectors: %s failed\n", what);
	exit(1);
}

static void put32(FILE *f, uint32_t v)
{
	unsigned char b[4] = { v >> 24, v >> 16, v >> 8, v };

	fwrite(b, 1, 4, f);
}

static void put_param(EVP_PKEY *pkey, const char *name, unsigned char *field,
		      size_t size)
{
	BIGNUM *bn = NULL;

	if (!EVP_PKEY_get_bn_param(pkey, name, &bn) ||
	    BN_bn2binpad(bn, field, size) != (int)size)
		die(name);
	BN_free(bn);
}

/* the raw RSA operation: public for ME (e), private (CRT) for CRT */
static void rsa_raw(EVP_PKEY *pkey, int private, const unsigned char *in,
		    size_t len, unsigned char *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	size_t outlen = len;

	if (!ctx || (private ? EVP_PKEY_decrypt_init(ctx) :
			       EVP_PKEY_encrypt_init(ctx)) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) <= 0 ||
	    (private ? EVP_PKEY_decrypt(ctx, out, &outlen, in, len) :
		       EVP_PKEY_encrypt(ctx, out, &outlen, in, len)) <= 0 ||
	    outlen != len)
		die("RSA");
	EVP_PKEY_CTX_free(ctx);
}

static void vector(FILE *f, EVP_PKEY *pkey, int bits, int crt)
{
	static const char *const crt_names[] = {
		OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
		OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	size_t mod = bits / 8, fld = mod <= 128 ? 128 : mod <= 256 ? 256 : 512;
	size_t len = 16 + (crt ? 5 * (fld / 2) + fld : 3 * fld), i;
	unsigned char msg[16 + 5 * 256 + 512] = { 0 }, in[512], want[512] = { 0 };
	static const unsigned char pad[8];

	for (i = 0; i < mod; i++)
		in[i] = (unsigned char)(bits + i * 13 + crt);
	in[0] &= 0x3f;				/* below the modulus */
	msg[1] = 0x50;
	msg[2] = len >> 8;
	msg[3] = len;
	msg[9] = (fld == 128 ? 1 : fld == 256 ? 2 : 3) | (crt ? 0x10 : 0);
	if (crt) {
		for (i = 0; i < 5; i++)
			put_param(pkey, crt_names[i], msg + 16 + i * (fld / 2),
				  fld / 2);
		memcpy(msg + 16 + 5 * (fld / 2) + fld - mod, in, mod);
	} else {
		put_param(pkey, OSSL_PKEY_PARAM_RSA_E, msg + 16, fld);
		put_param(pkey, OSSL_PKEY_PARAM_RSA_N, msg + 16 + fld, fld);
		memcpy(msg + 16 + 3 * fld - mod, in, mod);
	}
	rsa_raw(pkey, crt, in, mod, want + fld - mod);
	put32(f, len);
	put32(f, fld);
	fwrite(msg, 1, len, f);
	fwrite(want, 1, fld, f);
	fwrite(pad, 1, (8 - (len + fld) % 8) % 8, f);
}

static void put_field(FILE *f, const unsigned char *data, size_t len)
{
	put32(f, len);
	fwrite(data, 1, len, f);
}

/* one of the key's numbers, @extra zero bytes before its @size bytes */
static void put_key_field(FILE *f, EVP_PKEY *pkey, const char *name,
			  size_t size, size_t extra)
{
	unsigned char field[8 + 512] = { 0 };

	put_param(pkey, name, field + extra, size);
	put_field(f, field, extra + size);
}

static void ica_vector(FILE *f, EVP_PKEY *pkey, int bits, int crt)
{
	size_t mod = bits / 8, half = (mod + 1) / 2, i;
	unsigned char in[512], want[512];

	for (i = 0; i < mod; i++)
		in[i] = (unsigned char)(bits * 7 + i * 29 + crt);
	in[0] &= 0x3f;				/* below the modulus */
	rsa_raw(pkey, crt, in, mod, want);
	put32(f, bits);
	put32(f, crt);
	put32(f, crt ? 7 : 4);
	put_field(f, in, mod);
	if (crt) {
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, half, 8);
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, half, 0);
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, half, 8);
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, half, 0);
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, half,
			      8);
	} else {
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_E, mod, 0);
		put_key_field(f, pkey, OSSL_PKEY_PARAM_RSA_N, mod, 0);
	}
	put_field(f, want, mod);
}

int main(int argc, char **argv)
{
	static const int sizes[] = { 1024, 2048, 4096 };
	int ica = argc == 3 && !strcmp(argv[1], "--ica");
	FILE *f;
	int i, crt;

	if (argc != 2 && !ica) {
		fprintf(stderr, "usage: mkvectors [--ica] OUTPUT\n");
		return 2;
	}
	f = fopen(argv[argc - 1], "wb");
	if (!f)
		die("open");
	fwrite(ica ? "ICV1" : "APV1", 1, 4, f);
	put32(f, 6);
	for (i = 0; i < 3; i++) {
		EVP_PKEY *pkey = EVP_RSA_gen(sizes[i]);

		if (!pkey)
			die("key generation");
		for (crt = 0; crt < 2; crt++) {
			if (ica)
				ica_vector(f, pkey, sizes[i], crt);
			else
				vector(f, pkey, sizes[i], crt);
		}
		EVP_PKEY_free(pkey);
	}
	return fclose(f) ? 1 : 0;
}

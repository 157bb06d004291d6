// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware's instruction path (vfio-ap-sim/insn.c) and the simulated
 * cards behind it: QCI and TAPQ against the guest's masks, RSA ME and CRT
 * requests computed right (checked against OpenSSL's own RSA), queue depth,
 * reply order, requests and replies in parts, resets, malformed requests,
 * and each deliberately wrong answer of the cards caught.
 */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/core_names.h>
#include <unistd.h>

#include "harness.h"
#include "ap_card.h"
#include "insn.h"

#define UUID1 "11111111-0000-0000-0000-000000000001"

#define QUEUE_EMPTY	0x80000000UL
#define REPLIES_WAITING	0x40000000UL
#define QUEUE_FULL	0x20000000UL
#define RC(gr1)		(((gr1) >> 16) & 0xff)
#define T_BIT		0x800000UL

static struct vfio_ap_insn insn;
static struct kvm *kvm;
static struct mdev_device *mdev;

/* a guest with adapters 1-2 and domains 1-2 of a host with 0-3 */
static void guest_up(void)
{
	t_machine_up("0-3", "0-3", "0-3");
	mdev = t_mdev_with(UUID1, "1-2", "1-2");
	kvm = t_attach(mdev, 0);
}

static void guest_down(void)
{
	t_detach(mdev, kvm);
	sim_mdev_remove(mdev);
	sim_ap_set_faults(0);
	t_machine_down();
}

static int execute(u16 opcode, u64 gr0, size_t data_len)
{
	insn.opcode = opcode;
	insn.gr0 = gr0;
	insn.data_len = data_len;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn,
				      VFIO_AP_INSN_HDR_SIZE + data_len), 0);
	return insn.cc;
}

static int pqap(unsigned int fc, int apqn, u64 flags)
{
	return execute(VFIO_AP_OP_PQAP, (u64)fc << 24 | flags | apqn, 0);
}

/* NQAP of a whole request in parts of at most @part bytes; the last cc */
static int nqap(int apqn, u64 psmid, const u8 *msg, size_t len, size_t part)
{
	size_t done = 0;
	int cc;

	do {
		size_t n = min(part, len - done);

		memcpy(insn.data, msg + done, n);
		insn.psmid = psmid;
		insn.length = len - done;
		cc = execute(VFIO_AP_OP_NQAP, apqn, n);
		if (cc == 0 || cc == 2)
			done += n;
	} while (cc == 2);
	return cc;
}

/*
 * DQAP into @buf of @room bytes, at most @part per execution, as Linux's
 * ap_dqap() loops; *@got bytes stored; the last cc.
 */
static int dqap(int apqn, u64 *psmid, u8 *buf, size_t room, size_t part,
		size_t *got)
{
	int cc;

	*got = 0;
	do {
		insn.length = room - *got;
		cc = execute(VFIO_AP_OP_DQAP, apqn, part);
		memcpy(buf + *got, insn.data, insn.data_len);
		*got += insn.data_len;
	} while ((cc == 1 || cc == 2) && *got < room);
	*psmid = insn.psmid;
	return cc;
}

/* poll DQAP until a reply is there (the workers compute in the background) */
static int dqap_wait(int apqn, u64 *psmid, u8 *buf, size_t room, size_t *got)
{
	int i, cc = 3;

	for (i = 0; i < 2000; i++) {
		cc = dqap(apqn, psmid, buf, room, VFIO_AP_INSN_DATA_MAX, got);
		if (cc != 3 || RC(insn.gr1) != AP_RESPONSE_NO_PENDING_REPLY)
			break;
		usleep(1000);
	}
	return cc;
}

/* ---- RSA requests and their expected results, from OpenSSL's RSA ---- */

struct vector {
	u8 msg[16 + 5 * 256 + 512];
	size_t len, size;
	u8 want[512];
};

static EVP_PKEY *keys[3];

static EVP_PKEY *key(int bits)
{
	int i = bits == 1024 ? 0 : bits == 2048 ? 1 : 2;

	if (!keys[i])
		keys[i] = EVP_RSA_gen(bits);
	return keys[i];
}

static void put_bn(u8 *field, size_t size, const BIGNUM *bn)
{
	CHECK(BN_bn2binpad(bn, field, size) == (int)size);
}

static BIGNUM *param(EVP_PKEY *pkey, const char *name)
{
	BIGNUM *bn = NULL;

	CHECK(EVP_PKEY_get_bn_param(pkey, name, &bn));
	return bn;
}

/* OpenSSL's raw RSA: public (encrypt) or private (decrypt) operation */
static void openssl_rsa(EVP_PKEY *pkey, bool private, const u8 *in,
			size_t len, u8 *out)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
	size_t outlen = len;

	CHECK(private ? EVP_PKEY_decrypt_init(ctx) : EVP_PKEY_encrypt_init(ctx));
	CHECK(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) > 0);
	CHECK(private ? EVP_PKEY_decrypt(ctx, out, &outlen, in, len) :
			EVP_PKEY_encrypt(ctx, out, &outlen, in, len));
	CHECK_EQ_INT(outlen, len);
	EVP_PKEY_CTX_free(ctx);
}

static void header(struct vector *v, unsigned int keyblock)
{
	memset(v->msg, 0, sizeof(v->msg));
	v->msg[1] = 0x50;
	v->msg[2] = v->len >> 8;
	v->msg[3] = v->len & 0xff;
	v->msg[9] = keyblock;
}

/* MEB1-3 (@crt false) or CRB1-3 of a @bits key, an input of @seed */
static void make_vector(struct vector *v, int bits, bool crt, u8 seed)
{
	EVP_PKEY *pkey = key(bits);
	size_t mod = bits / 8, f = mod <= 128 ? 128 : mod <= 256 ? 256 : 512;
	unsigned int fmt = (f == 128 ? 1 : f == 256 ? 2 : 3) | (crt ? 0x10 : 0);
	BIGNUM *n = param(pkey, OSSL_PKEY_PARAM_RSA_N);
	u8 input[512];
	size_t i;

	for (i = 0; i < mod; i++)
		input[i] = (u8)(seed + i * 7);
	input[0] &= 0x3f;	/* below the modulus */
	v->size = f;
	v->len = 16 + (crt ? 5 * (f / 2) + f : 3 * f);
	header(v, fmt);
	if (crt) {
		static const char *const names[] = {
			OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
			OSSL_PKEY_PARAM_RSA_EXPONENT1, OSSL_PKEY_PARAM_RSA_EXPONENT2,
			OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
		};
		for (i = 0; i < 5; i++) {
			BIGNUM *bn = param(pkey, names[i]);

			put_bn(v->msg + 16 + i * (f / 2), f / 2, bn);
			BN_free(bn);
		}
		memcpy(v->msg + 16 + 5 * (f / 2) + f - mod, input, mod);
	} else {
		BIGNUM *e = param(pkey, OSSL_PKEY_PARAM_RSA_E);

		put_bn(v->msg + 16, f, e);
		put_bn(v->msg + 16 + f, f, n);
		memcpy(v->msg + 16 + 3 * f - mod, input, mod);
		BN_free(e);
	}
	memset(v->want, 0, f);
	openssl_rsa(pkey, crt, input, mod, v->want + f - mod);
	BN_free(n);
}

/* the reply is a type 80 with the expected result */
static bool reply_right(const u8 *reply, size_t got, const struct vector *v)
{
	return got == 16 + v->size && reply[1] == 0x80 &&
	       (size_t)(reply[2] << 8 | reply[3]) == got &&
	       !memcmp(reply + 16, v->want, v->size);
}

/* ---- tests ---- */

static void test_qci_is_guest_matrix(void)
{
	guest_up();
	CHECK_EQ_INT(pqap(4, 0, 0), 0);
	CHECK_EQ_INT(insn.data_len, 128);
	CHECK_EQ_INT(insn.data[0], 0x40);		/* APXA */
	CHECK_EQ_INT(insn.data[16], 0x60);		/* apm: 1, 2 */
	CHECK_EQ_INT(insn.data[48], 0x60);		/* aqm: 1, 2 */
	CHECK_EQ_INT(insn.data[17] | insn.data[49] | insn.data[80], 0);
	/* an assignment shows at once */
	CHECK_EQ_INT(t_write(mdev, "assign_adapter", "3"), 0);
	CHECK_EQ_INT(pqap(4, 0, 0), 0);
	CHECK_EQ_INT(insn.data[16], 0x70);
	guest_down();
}

static void test_tapq(void)
{
	guest_up();
	insn.gr2 = 0x1234;
	CHECK_EQ_INT(pqap(0, AP_MKQID(1, 2), 0), 0);
	CHECK_EQ_INT(insn.gr1, QUEUE_EMPTY);
	/* no T bit: the type and sizes, not the facilities */
	CHECK_EQ_INT(insn.gr2 >> 32, 0);
	CHECK_EQ_INT((insn.gr2 >> 24) & 0xff, AP_DEVICE_TYPE_CEX8);
	CHECK_EQ_INT(pqap(0, AP_MKQID(1, 2), T_BIT), 0);
	CHECK_EQ_INT((insn.gr2 >> 24) & 0xff, AP_DEVICE_TYPE_CEX8);
	CHECK(insn.gr2 & (1UL << 59));			/* accelerator */
	CHECK_EQ_INT(insn.gr2 & 0xf, SIM_AP_QUEUE_DEPTH - 1);
	/* NQAP to a queue not the guest's: code 01, and no data back */
	insn.psmid = 1;
	insn.length = 100;
	CHECK_EQ_INT(execute(VFIO_AP_OP_NQAP, AP_MKQID(0, 1), 100), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_Q_NOT_AVAIL);
	CHECK_EQ_INT(insn.data_len, 0);
	/* the host has 0.0, the guest does not */
	CHECK_EQ_INT(pqap(0, AP_MKQID(0, 0), T_BIT), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_Q_NOT_AVAIL);
	CHECK_EQ_INT(pqap(0, AP_MKQID(1, 3), 0), 3);
	/* a card type per adapter, the same on each domain */
	CHECK_EQ_INT(sim_ap_set_card_type(2, AP_DEVICE_TYPE_CEX6), 0);
	CHECK_EQ_INT(sim_ap_set_card_type(2, 9), -EINVAL);
	CHECK_EQ_INT(pqap(0, AP_MKQID(2, 1), T_BIT), 0);
	CHECK_EQ_INT((insn.gr2 >> 24) & 0xff, AP_DEVICE_TYPE_CEX6);
	CHECK_EQ_INT(pqap(0, AP_MKQID(2, 2), T_BIT), 0);
	CHECK_EQ_INT((insn.gr2 >> 24) & 0xff, AP_DEVICE_TYPE_CEX6);
	guest_down();
}

static void test_rsa_vectors(void)
{
	static const int sizes[] = { 1024, 2048, 4096 };
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	size_t got;
	u64 psmid;
	int i, crt;

	guest_up();
	for (i = 0; i < 3; i++) {
		for (crt = 0; crt < 2; crt++) {
			make_vector(&v, sizes[i], crt, i * 2 + crt);
			CHECK_EQ_INT(nqap(AP_MKQID(1, 1), 0x100 + i, v.msg, v.len,
					  VFIO_AP_INSN_DATA_MAX), 0);
			CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 1), &psmid, reply,
					       sizeof(reply), &got), 0);
			CHECK_EQ_INT(psmid, 0x100 + i);
			if (!CHECK(reply_right(reply, got, &v)))
				t_check(false, crt ? "CRT" : "ME", __FILE__, sizes[i]);
		}
	}
	guest_down();
}

/* fewer workers, at idle priority, compute the same; set before they start */
static void test_card_workers(void)
{
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	size_t got;
	u64 psmid;
	int i;

	CHECK_EQ_INT(sim_ap_set_card_workers(0, true), -EINVAL);
	CHECK_EQ_INT(sim_ap_set_card_workers(5, true), -EINVAL);
	CHECK_EQ_INT(sim_ap_set_card_workers(2, true), 0);
	guest_up();
	make_vector(&v, 2048, 1, 3);
	CHECK_EQ_INT(nqap(AP_MKQID(1, 1), 7, v.msg, v.len,
			  VFIO_AP_INSN_DATA_MAX), 0);
	CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 1), &psmid, reply, sizeof(reply),
			       &got), 0);
	CHECK(reply_right(reply, got, &v));
	/*
	 * Each worker lowers its own priority as it starts: under load the
	 * second may start after the first has computed the request.
	 */
	for (i = 0; i < 500 && sim_card_idle_workers() < 2; i++)
		usleep(10 * 1000);
	CHECK_EQ_INT(sim_card_idle_workers(), 2);
	CHECK_EQ_INT(sim_ap_set_card_workers(4, false), -EBUSY);
	guest_down();
	/* the workers went with the machine: the default back */
	CHECK_EQ_INT(sim_card_idle_workers(), 0);
	CHECK_EQ_INT(sim_ap_set_card_workers(4, false), 0);
}

/* requests and replies that do not fit one execution come in parts */
static void test_parts(void)
{
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	size_t got;
	u64 psmid;
	int i;

	guest_up();
	make_vector(&v, 2048, true, 9);
	CHECK_EQ_INT(nqap(AP_MKQID(2, 2), 77, v.msg, v.len, 100), 0);
	/* a reply in 50-byte steps, then into a buffer too small */
	for (i = 0; i < 2000 && !(insn.gr1 & REPLIES_WAITING); i++) {
		usleep(1000);
		pqap(0, AP_MKQID(2, 2), 0);
	}
	CHECK_EQ_INT(dqap(AP_MKQID(2, 2), &psmid, reply, 200, 50, &got), 1);
	CHECK_EQ_INT(got, 200);
	CHECK_EQ_INT(insn.gr2, 16 + 256 - 200);		/* residual */
	CHECK_EQ_INT(dqap(AP_MKQID(2, 2), &psmid, reply + 200,
			  sizeof(reply) - 200, 50, &got), 0);
	CHECK_EQ_INT(got, 16 + 256 - 200);
	CHECK_EQ_INT(psmid, 77);
	CHECK(reply_right(reply, 16 + 256, &v));
	/* a part that does not continue the request starts a new one */
	insn.psmid = 5;
	insn.length = 1000;
	CHECK_EQ_INT(execute(VFIO_AP_OP_NQAP, AP_MKQID(2, 2), 10), 2);
	CHECK_EQ_INT(nqap(AP_MKQID(2, 2), 6, v.msg, v.len, 4096), 0);
	CHECK_EQ_INT(dqap_wait(AP_MKQID(2, 2), &psmid, reply, sizeof(reply),
			       &got), 0);
	CHECK_EQ_INT(psmid, 6);
	guest_down();
}

/* depth + 1 is "queue full"; replies come in request order */
static void test_depth_and_order(void)
{
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	size_t got;
	u64 psmid;
	int i;

	guest_up();
	make_vector(&v, 1024, false, 3);
	for (i = 0; i < SIM_AP_QUEUE_DEPTH; i++)
		CHECK_EQ_INT(nqap(AP_MKQID(1, 2), i, v.msg, v.len, 4096), 0);
	CHECK(insn.gr1 & QUEUE_FULL);
	CHECK_EQ_INT(nqap(AP_MKQID(1, 2), 99, v.msg, v.len, 4096), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_Q_FULL);
	for (i = 0; i < SIM_AP_QUEUE_DEPTH; i++) {
		CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 2), &psmid, reply,
				       sizeof(reply), &got), 0);
		CHECK_EQ_INT(psmid, i);
		CHECK(reply_right(reply, got, &v));
	}
	CHECK(insn.gr1 & QUEUE_EMPTY);
	CHECK_EQ_INT(dqap(AP_MKQID(1, 2), &psmid, reply, sizeof(reply), 4096,
			  &got), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_NO_PENDING_REPLY);
	guest_down();
}

/* RAPQ and ZAPQ drop what is queued; the queue takes work again after */
static void test_reset_drops(void)
{
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	unsigned int fc;
	size_t got;
	u64 psmid;
	int i;

	guest_up();
	make_vector(&v, 2048, false, 4);
	for (fc = 1; fc <= 2; fc++) {
		for (i = 0; i < 3; i++)
			CHECK_EQ_INT(nqap(AP_MKQID(1, 1), i, v.msg, v.len, 4096), 0);
		CHECK_EQ_INT(pqap(fc, AP_MKQID(1, 1), 0), 0);
		/* reset in progress until the workers let go, then empty */
		for (i = 0; i < 2000 && pqap(0, AP_MKQID(1, 1), 0); i++)
			usleep(1000);
		CHECK_EQ_INT(insn.gr1, QUEUE_EMPTY);
		usleep(20 * 1000);
		CHECK_EQ_INT(dqap(AP_MKQID(1, 1), &psmid, reply, sizeof(reply),
				  4096, &got), 3);
		CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_NO_PENDING_REPLY);
	}
	CHECK_EQ_INT(nqap(AP_MKQID(1, 1), 42, v.msg, v.len, 4096), 0);
	CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 1), &psmid, reply, sizeof(reply),
			       &got), 0);
	CHECK(reply_right(reply, got, &v));
	guest_down();
}

/* anything the card cannot do gets a type 82 reply */
static void test_bad_requests(void)
{
	static const struct { size_t trim; u8 byte, off, val, code; } bad[] = {
		{ 0, 1, 1, 0x06, 0x20 },	/* not type 50 */
		{ 0, 1, 9, 0x07, 0x29 },	/* unknown keyblock */
		{ 1, 0, 0, 0, 0x23 },		/* a byte short */
		{ 0, 1, 2, 0x7f, 0x23 },	/* msg_len wrong */
	};
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	size_t got, i;
	u64 psmid;

	guest_up();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		make_vector(&v, 1024, false, 1);
		if (bad[i].byte)
			v.msg[bad[i].off] = bad[i].val;
		CHECK_EQ_INT(nqap(AP_MKQID(1, 1), i, v.msg, v.len - bad[i].trim,
				  4096), 0);
		CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 1), &psmid, reply,
				       sizeof(reply), &got), 0);
		CHECK_EQ_INT(got, 8);
		CHECK_EQ_INT(reply[1], 0x82);
		CHECK_EQ_INT(reply[4], bad[i].code);
	}
	/* a modulus of zero, an input above the modulus */
	make_vector(&v, 1024, false, 1);
	memset(v.msg + 16 + 128, 0, 128);
	CHECK_EQ_INT(nqap(AP_MKQID(1, 1), 9, v.msg, v.len, 4096), 0);
	CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 1), &psmid, reply, sizeof(reply),
			       &got), 0);
	CHECK_EQ_INT(reply[4], 0x82);
	/* too big for the card: refused at NQAP */
	insn.psmid = 1;
	insn.length = SIM_AP_MAX_MSG + 1;
	CHECK_EQ_INT(execute(VFIO_AP_OP_NQAP, AP_MKQID(1, 1), 16), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_MESSAGE_TOO_BIG);
	guest_down();
}

/* what no checking VMM would send is refused and executes nothing */
static void test_bad_region_input(void)
{
	guest_up();
	insn.opcode = 0xb2b0;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, VFIO_AP_INSN_HDR_SIZE), -EINVAL);
	insn.opcode = VFIO_AP_OP_PQAP;
	insn.gr0 = 6UL << 24;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, VFIO_AP_INSN_HDR_SIZE), -EINVAL);
	insn.gr0 = 0;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, 10), -EINVAL);
	insn.opcode = VFIO_AP_OP_NQAP;
	insn.data_len = 100;		/* more than was written */
	insn.length = 100;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, VFIO_AP_INSN_HDR_SIZE + 50),
		     -EINVAL);
	insn.data_len = VFIO_AP_INSN_DATA_MAX + 1;
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, sizeof(insn)), -EINVAL);
	insn.data_len = 10;
	insn.length = 5;		/* a part longer than the rest */
	CHECK_EQ_INT(sim_insn_execute(kvm, &insn, sizeof(insn)), -EINVAL);
	/* nothing was queued; a PQAP other than QCI answers no data */
	CHECK_EQ_INT(execute(VFIO_AP_OP_PQAP, AP_MKQID(1, 1), 100), 0);
	CHECK_EQ_INT(insn.gr1, QUEUE_EMPTY);
	CHECK_EQ_INT(insn.data_len, 0);
	guest_down();
}

/* PQAP(AQIC) reaches the driver's hook, as KVM's intercept would */
static void test_aqic_reaches_driver(void)
{
	struct vfio_ap_queue *q;

	guest_up();
	/* a NIB in the guest's memory: pinned, interrupts on */
	insn.gr1 = 0x0000800000000006UL;
	insn.gr2 = 0x2000;
	CHECK_EQ_INT(pqap(3, AP_MKQID(1, 1), 0), 0);
	/* enabling is asynchronous: they show on at a later TAPQ */
	CHECK(!(insn.gr1 & 0x01000000UL));
	CHECK(t_irq_shows(AP_MKQID(1, 1), true));
	CHECK_EQ_INT(sim_pins_live(), 1);
	mutex_lock(&matrix_dev->mdevs_lock);
	q = vfio_ap_find_queue(AP_MKQID(1, 1));
	CHECK(q && q->saved_iova == 0x2000 && q->saved_isc == 6);
	mutex_unlock(&matrix_dev->mdevs_lock);
	/* again: the driver says "otherwise changed" */
	insn.gr1 = 0x0000800000000006UL;
	insn.gr2 = 0x2000;
	CHECK_EQ_INT(pqap(3, AP_MKQID(1, 1), 0), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_OTHERWISE_CHANGED);
	/* a NIB outside the guest's memory: invalid address */
	insn.gr1 = 0x0000800000000006UL;
	insn.gr2 = 0x7fff0000;
	CHECK_EQ_INT(pqap(3, AP_MKQID(1, 2), 0), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_INVALID_ADDRESS);
	/* off again: the pin is given back */
	insn.gr1 = 0;
	CHECK_EQ_INT(pqap(3, AP_MKQID(1, 1), 0), 0);
	CHECK_EQ_INT(sim_pins_live(), 0);
	/* a queue that is not the guest's */
	insn.gr1 = 0x0000800000000006UL;
	insn.gr2 = 0x2000;
	CHECK_EQ_INT(pqap(3, AP_MKQID(0, 0), 0), 3);
	CHECK_EQ_INT(RC(insn.gr1), AP_RESPONSE_Q_NOT_AVAIL);
	guest_down();
}

/* each deliberately wrong answer of the cards is caught by the checks */
static void test_faults_caught(void)
{
	static struct vector v;
	u8 reply[SIM_AP_MAX_REPLY];
	size_t got;
	u64 psmid;
	int i;

	guest_up();
	make_vector(&v, 1024, true, 5);
	sim_ap_set_faults(SIM_FAULT_CORRUPT_RESULT);
	CHECK_EQ_INT(nqap(AP_MKQID(1, 1), 1, v.msg, v.len, 4096), 0);
	CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 1), &psmid, reply, sizeof(reply),
			       &got), 0);
	CHECK(!reply_right(reply, got, &v));

	sim_ap_set_faults(SIM_FAULT_NO_DEPTH_LIMIT);
	for (i = 0; i <= SIM_AP_QUEUE_DEPTH; i++)
		nqap(AP_MKQID(1, 2), i, v.msg, v.len, 4096);
	CHECK(RC(insn.gr1) != AP_RESPONSE_Q_FULL);

	sim_ap_set_faults(SIM_FAULT_REPLY_ORDER);
	usleep(100 * 1000);	/* every request computed */
	CHECK_EQ_INT(dqap_wait(AP_MKQID(1, 2), &psmid, reply, sizeof(reply),
			       &got), 0);
	CHECK(psmid != 0);

	sim_ap_set_faults(SIM_FAULT_TAPQ_INFO);
	CHECK_EQ_INT(pqap(0, AP_MKQID(1, 2), T_BIT), 0);
	CHECK(((insn.gr2 >> 24) & 0xff) != AP_DEVICE_TYPE_CEX8);
	guest_down();
}

int main(void)
{
	int i;

	t_run("insn: QCI shows the guest's matrix", test_qci_is_guest_matrix);
	t_run("insn: TAPQ inside and outside the matrix", test_tapq);
	t_run("insn: RSA ME and CRT, 1024/2048/4096", test_rsa_vectors);
	t_run("insn: fewer card workers, at idle priority", test_card_workers);
	t_run("insn: requests and replies in parts", test_parts);
	t_run("insn: queue depth and reply order", test_depth_and_order);
	t_run("insn: RAPQ and ZAPQ drop pending work", test_reset_drops);
	t_run("insn: bad requests get type 82", test_bad_requests);
	t_run("insn: bad region input refused", test_bad_region_input);
	t_run("insn: AQIC reaches the driver's PQAP hook", test_aqic_reaches_driver);
	t_run("insn: wrong card answers caught", test_faults_caught);
	for (i = 0; i < 3; i++)
		EVP_PKEY_free(keys[i]);
	return t_done();
}

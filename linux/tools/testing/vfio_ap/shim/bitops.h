/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bitmaps (with s390's MSB-first "_inv" numbering), lists and hash tables
 * for the user-space build.
 */
#ifndef _SHIM_BITOPS_H
#define _SHIM_BITOPS_H

#include "kernel.h"

#define DECLARE_BITMAP(name, bits)	unsigned long name[BITS_TO_LONGS(bits)]

static inline unsigned long inv_word(unsigned long nr)
{
	return nr / BITS_PER_LONG;
}

static inline unsigned long inv_mask(unsigned long nr)
{
	return 1UL << (BITS_PER_LONG - 1 - nr % BITS_PER_LONG);
}

static inline void set_bit_inv(unsigned long nr, unsigned long *addr)
{
	addr[inv_word(nr)] |= inv_mask(nr);
}

static inline void clear_bit_inv(unsigned long nr, unsigned long *addr)
{
	addr[inv_word(nr)] &= ~inv_mask(nr);
}

static inline bool test_bit_inv(unsigned long nr, const unsigned long *addr)
{
	return addr[inv_word(nr)] & inv_mask(nr);
}

static inline unsigned long find_next_bit_inv(const unsigned long *addr,
					      unsigned long size,
					      unsigned long offset)
{
	while (offset < size) {
		unsigned long word = addr[inv_word(offset)] <<
				     (offset % BITS_PER_LONG);

		if (word) {
			offset += __builtin_clzl(word);
			return offset < size ? offset : size;
		}
		offset = (inv_word(offset) + 1) * BITS_PER_LONG;
	}
	return size;
}

static inline unsigned long find_first_bit_inv(const unsigned long *addr,
					       unsigned long size)
{
	return find_next_bit_inv(addr, size, 0);
}

#define for_each_set_bit_inv(bit, addr, size)				\
	for ((bit) = find_first_bit_inv((addr), (size));		\
	     (bit) < (size);						\
	     (bit) = find_next_bit_inv((addr), (size), (bit) + 1))

/* whole-word operations; sizes here are always multiples of 64 */
#define BITMAP_LOOP(i, bits) for (unsigned int i = 0; i < BITS_TO_LONGS(bits); i++)

static inline void bitmap_zero(unsigned long *dst, unsigned int bits)
{
	memset(dst, 0, BITS_TO_LONGS(bits) * sizeof(long));
}

static inline void bitmap_fill(unsigned long *dst, unsigned int bits)
{
	memset(dst, 0xff, BITS_TO_LONGS(bits) * sizeof(long));
}

static inline void bitmap_copy(unsigned long *dst, const unsigned long *src,
			       unsigned int bits)
{
	memmove(dst, src, BITS_TO_LONGS(bits) * sizeof(long));
}

static inline bool bitmap_and(unsigned long *dst, const unsigned long *a,
			      const unsigned long *b, unsigned int bits)
{
	unsigned long any = 0;

	BITMAP_LOOP(i, bits)
		any |= (dst[i] = a[i] & b[i]);
	return any != 0;
}

static inline bool bitmap_andnot(unsigned long *dst, const unsigned long *a,
				 const unsigned long *b, unsigned int bits)
{
	unsigned long any = 0;

	BITMAP_LOOP(i, bits)
		any |= (dst[i] = a[i] & ~b[i]);
	return any != 0;
}

static inline void bitmap_or(unsigned long *dst, const unsigned long *a,
			     const unsigned long *b, unsigned int bits)
{
	BITMAP_LOOP(i, bits)
		dst[i] = a[i] | b[i];
}

static inline bool bitmap_equal(const unsigned long *a, const unsigned long *b,
				unsigned int bits)
{
	return !memcmp(a, b, BITS_TO_LONGS(bits) * sizeof(long));
}

static inline bool bitmap_empty(const unsigned long *a, unsigned int bits)
{
	BITMAP_LOOP(i, bits)
		if (a[i])
			return false;
	return true;
}

static inline bool bitmap_intersects(const unsigned long *a,
				     const unsigned long *b, unsigned int bits)
{
	BITMAP_LOOP(i, bits)
		if (a[i] & b[i])
			return true;
	return false;
}

static inline bool bitmap_subset(const unsigned long *a, const unsigned long *b,
				 unsigned int bits)
{
	BITMAP_LOOP(i, bits)
		if (a[i] & ~b[i])
			return false;
	return true;
}

/* doubly linked lists */
struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }
#define LIST_HEAD(name) struct list_head name = LIST_HEAD_INIT(name)

static inline void INIT_LIST_HEAD(struct list_head *l)
{
	l->next = l;
	l->prev = l;
}

static inline void list_add(struct list_head *n, struct list_head *head)
{
	n->next = head->next;
	n->prev = head;
	head->next->prev = n;
	head->next = n;
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
	n->next = head;
	n->prev = head->prev;
	head->prev->next = n;
	head->prev = n;
}

static inline void list_del(struct list_head *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

static inline bool list_empty(const struct list_head *head)
{
	return head->next == head;
}

/* move every entry of @list to the front of @head; @list ends empty */
static inline void list_splice_init(struct list_head *list,
				    struct list_head *head)
{
	if (list_empty(list))
		return;
	list->next->prev = head;
	list->prev->next = head->next;
	head->next->prev = list->prev;
	head->next = list->next;
	INIT_LIST_HEAD(list);
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)
#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))

#define list_for_each_entry_safe(pos, n, head, member)			\
	for (pos = list_entry((head)->next, __typeof__(*pos), member),	\
	     n = list_entry(pos->member.next, __typeof__(*pos), member); \
	     &pos->member != (head);					\
	     pos = n, n = list_entry(n->member.next, __typeof__(*n), member))

/* hash tables of singly headed lists */
struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

#define DECLARE_HASHTABLE(name, bits)	struct hlist_head name[1 << (bits)]
#define HASH_SIZE(name)			(ARRAY_SIZE(name))
#define HASH_BITS(name)			(__builtin_ctzl(HASH_SIZE(name)))

/* the kernel's multiplicative hash, so chains are as long as there */
static inline u32 hash_32(u32 val, unsigned int bits)
{
	return (val * 0x61C88647u) >> (32 - bits);
}

#define hash_bucket(name, key)	(&(name)[hash_32((key), HASH_BITS(name))])

#define hash_init(name) memset((name), 0, sizeof(name))

static inline void hlist_add_head(struct hlist_node *n, struct hlist_head *h)
{
	n->next = h->first;
	if (h->first)
		h->first->pprev = &n->next;
	h->first = n;
	n->pprev = &h->first;
}

static inline void hash_del(struct hlist_node *n)
{
	*n->pprev = n->next;
	if (n->next)
		n->next->pprev = n->pprev;
	n->next = NULL;
	n->pprev = NULL;
}

#define hash_add(name, node, key) hlist_add_head((node), hash_bucket(name, key))

#define hlist_entry_safe(ptr, type, member) \
	({ __typeof__(ptr) ____p = (ptr); ____p ? container_of(____p, type, member) : NULL; })

#define hlist_for_each_entry(pos, head, member)				\
	for (pos = hlist_entry_safe((head)->first, __typeof__(*pos), member); \
	     pos;							\
	     pos = hlist_entry_safe(pos->member.next, __typeof__(*pos), member))

#define hlist_for_each_entry_safe(pos, n, head, member)			\
	for (pos = hlist_entry_safe((head)->first, __typeof__(*pos), member); \
	     pos && ({ n = pos->member.next; 1; });			\
	     pos = hlist_entry_safe(n, __typeof__(*pos), member))

#define hash_for_each_possible(name, obj, member, key) \
	hlist_for_each_entry(obj, hash_bucket(name, key), member)

#define hash_for_each(name, bkt, obj, member)				\
	for ((bkt) = 0; (bkt) < (int)HASH_SIZE(name); (bkt)++)		\
		hlist_for_each_entry(obj, &(name)[bkt], member)

#define hash_for_each_safe(name, bkt, tmp, obj, member)			\
	for ((bkt) = 0; (bkt) < (int)HASH_SIZE(name); (bkt)++)		\
		hlist_for_each_entry_safe(obj, tmp, &(name)[bkt], member)

#endif /* _SHIM_BITOPS_H */

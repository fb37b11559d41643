/*
 * fuzz_ops' structure-aware mutator. libFuzzer's byte mutations rarely
 * make a record that does something with what earlier records made (a link
 * to the file an earlier create made, an unlink of one of its names), so
 * bugs that need three or more related operations stay out of reach. This
 * one decodes the input into operations with op_decode, inserts, deletes,
 * duplicates, swaps and re-parameterises whole operations (names are drawn
 * mostly from the operation before, or others in the sequence), and encodes them
 * again; now and then it leaves the bytes to libFuzzer's own mutator (its
 * dictionary and comparison hints), and a content byte too.
 */
#include "ops.h"

#include <string.h>

/* libFuzzer's byte mutator; absent (NULL) in the replay build. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) __attribute__((weak));

struct rng {
    uint64_t s;
};

static unsigned rnd(struct rng *r, unsigned n)
{
    r->s ^= r->s >> 12, r->s ^= r->s << 25, r->s ^= r->s >> 27; /* xorshift64* */
    return n ? (unsigned)((r->s * 0x2545F4914F6CDD1DULL) >> 33) % n : 0;
}

static int parse(const uint8_t *data, size_t size, struct op *ops, int cap)
{
    int n = (int)(size / OP_BYTES) < cap ? (int)(size / OP_BYTES) : cap;
    for (int i = 0; i < n; i++)
        op_decode(data + OP_BYTES * i, &ops[i]);
    return n;
}

static size_t emit(const struct op *ops, int n, uint8_t *out)
{
    for (int i = 0; i < n; i++)
        op_encode(&ops[i], out + OP_BYTES * i);
    return (size_t)n * OP_BYTES;
}

/* The names operation o uses (at most 2) into out; how many. */
static int names_of(const struct op *o, int *out)
{
    const struct op_desc *od = &op_table[o->kind];
    int n = 0;
    if (!od->a_slot)
        out[n++] = o->a;
    if (od->nb == NNAMES)
        out[n++] = o->b;
    return n;
}

/* A name for an operation at position at: half the time one of the
 * operation just before it (a link after the create of its existing file,
 * an unlink or a rename after that link), a quarter one the sequence
 * uses anywhere, a quarter any. */
static int pick_name(struct rng *r, const struct op *ops, int n, int at)
{
    int used[2 * MAX_OPS], nused = 0, near[2], nnear = at > 0 && at <= n ? names_of(&ops[at - 1], near) : 0;
    for (int i = 0; i < n; i++)
        nused += names_of(&ops[i], used + nused);
    unsigned way = rnd(r, 4);
    if (way < 2 && nnear)
        return near[rnd(r, (unsigned)nnear)];
    if (way == 2 && nused)
        return used[rnd(r, (unsigned)nused)];
    return (int)rnd(r, NNAMES);
}

static void pick_b(struct rng *r, struct op *o, const struct op *ops, int n, int at)
{
    unsigned nb = op_table[o->kind].nb;
    o->b = nb == NNAMES ? pick_name(r, ops, n, at) : nb ? (int)rnd(r, nb) : 0;
}

static void pick_a(struct rng *r, struct op *o, const struct op *ops, int n, int at)
{
    o->a = op_table[o->kind].a_slot ? (int)rnd(r, NSLOTS) : pick_name(r, ops, n, at);
}

/* Decoding keeps each field in its range: a changed kind keeps what fits. */
static void canonical(struct op *o)
{
    uint8_t rec[OP_BYTES];
    op_encode(o, rec);
    op_decode(rec, o);
}

static void random_op(struct rng *r, struct op *o, const struct op *ops, int n, int at)
{
    uint8_t rec[OP_BYTES] = {(uint8_t)rnd(r, 16)}; /* the op byte's weights: links and renames double */
    op_decode(rec, o);
    o->v = (int)rnd(r, op_table[o->kind].nv);
    pick_a(r, o, ops, n, at);
    pick_b(r, o, ops, n, at);
    o->c = (int)rnd(r, 256);
}

static void mutate_one(struct rng *r, struct op *ops, int *n, int cap)
{
    int i = *n ? (int)rnd(r, (unsigned)*n) : 0;
    switch (rnd(r, 6)) {
    case 0: /* insert */
    insert:
        if (*n >= cap)
            return;
        i = (int)rnd(r, (unsigned)*n + 1);
        memmove(&ops[i + 1], &ops[i], (size_t)(*n - i) * sizeof *ops);
        (*n)++;
        random_op(r, &ops[i], ops, *n, i);
        return;
    case 1: /* delete */
        if (!*n)
            goto insert;
        memmove(&ops[i], &ops[i + 1], (size_t)(*n - i - 1) * sizeof *ops);
        (*n)--;
        return;
    case 2: { /* duplicate, to a place of its own */
        if (!*n || *n >= cap)
            goto insert;
        struct op copy = ops[i];
        int j = (int)rnd(r, (unsigned)*n + 1);
        memmove(&ops[j + 1], &ops[j], (size_t)(*n - j) * sizeof *ops);
        ops[j] = copy;
        (*n)++;
        return;
    }
    case 3: { /* swap */
        if (*n < 2)
            goto insert;
        int j = (int)rnd(r, (unsigned)*n);
        struct op t = ops[i];
        ops[i] = ops[j];
        ops[j] = t;
        return;
    }
    case 4: /* another value for one parameter */
        if (!*n)
            goto insert;
        switch (rnd(r, 4)) {
        case 0: ops[i].v = (int)rnd(r, op_table[ops[i].kind].nv); break;
        case 1: pick_a(r, &ops[i], ops, *n, i); break;
        case 2: pick_b(r, &ops[i], ops, *n, i); break;
        default: {
            uint8_t c = (uint8_t)ops[i].c;
            if (LLVMFuzzerMutate && rnd(r, 2))
                LLVMFuzzerMutate(&c, 1, 1);
            else
                c = (uint8_t)rnd(r, 256);
            ops[i].c = c;
        }
        }
        return;
    default: /* another operation on the same parameters */
        if (!*n)
            goto insert;
        ops[i].kind = (int)rnd(r, K_COUNT);
        canonical(&ops[i]);
        return;
    }
}

size_t ops_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed)
{
    struct rng r = {seed * 0x9E3779B97F4A7C15ULL + 1};
    int cap = (int)(max_size / OP_BYTES) < MAX_OPS ? (int)(max_size / OP_BYTES) : MAX_OPS;
    if (LLVMFuzzerMutate && (cap == 0 || rnd(&r, 16) == 0))
        return LLVMFuzzerMutate(data, size, max_size);
    if (cap == 0)
        return size < max_size ? size : max_size;
    struct op ops[MAX_OPS];
    int n = parse(data, size, ops, cap);
    for (unsigned k = 1 + rnd(&r, 3); k > 0; k--)
        mutate_one(&r, ops, &n, cap);
    return emit(ops, n, data);
}

size_t ops_cross_over(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2, uint8_t *out, size_t max_size,
                      unsigned seed)
{
    struct rng r = {seed * 0x9E3779B97F4A7C15ULL + 7};
    int cap = (int)(max_size / OP_BYTES) < MAX_OPS ? (int)(max_size / OP_BYTES) : MAX_OPS;
    struct op a[MAX_OPS], b[MAX_OPS], ops[MAX_OPS];
    int na = parse(d1, s1, a, MAX_OPS), nb = parse(d2, s2, b, MAX_OPS);
    /* a prefix of one, then a suffix of the other */
    int i = (int)rnd(&r, (unsigned)na + 1), j = (int)rnd(&r, (unsigned)nb + 1), n = 0;
    for (int k = 0; k < i && n < cap; k++)
        ops[n++] = a[k];
    for (int k = j; k < nb && n < cap; k++)
        ops[n++] = b[k];
    return emit(ops, n, out);
}

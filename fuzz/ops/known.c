/* fuzz_ops' known divergences: the lines "fuzz_ops/<signature> reason" of
 * the driver's cases/known/<driver>.known (read by the test kit, as the
 * cases read it; the cases' lines are theirs). A known divergence is
 * tolerated, counted and noted once, unless HL_STRICT=1 makes it a failure
 * again. */
#include "ops.h"
#include "../sandbox.h"

#include <testkit.h>

#include <stdio.h>
#include <string.h>

static const char family[] = "fuzz_ops/";
static tk_known *known;
static size_t nours; /* fuzz_ops/ lines */
static int strict;

static int ours(const tk_known_entry *e) { return strncmp(e->name, family, sizeof family - 1) == 0; }

void known_load(const char *path)
{
    strict = fz_strict();
    if (!path)
        return;
    char err[TK_KNOWN_ERR_MAX];
    known = tk_known_load(path, err);
    if (!known)
        fz_die("fuzz_ops", "known divergences: %s", err);
    for (size_t i = 0; i < known->n; i++) {
        const tk_known_entry *e = &known->e[i];
        if (!ours(e))
            continue;
        size_t n = strlen(e->name) - (sizeof family - 1);
        if (n == 0 || n >= SIG_MAX) /* could never be matched */
            fz_die("fuzz_ops", "%s:%zu: a signature of 1 to %d bytes expected after %s: %s", path, e->line,
                   SIG_MAX - 1, family, e->name);
        nours++;
    }
}

int known_tolerated(const char *sig)
{
    if (strict || !known)
        return 0;
    char name[sizeof family + SIG_MAX];
    snprintf(name, sizeof name, "%s%s", family, sig);
    const tk_known_entry *e = tk_known_hit(known, name);
    if (!e)
        return 0;
    if (e->hits == 1)
        fprintf(stderr, "fuzz_ops: tolerated known divergence %s (%s:%zu): %s\n", name, known->file, e->line,
                e->reason);
    return 1;
}

const char *known_file(void) { return known ? known->file : NULL; }
size_t known_count(void) { return nours; }

void known_summary(void)
{
    int any = 0;
    for (size_t i = 0; known && i < known->n; i++) {
        const tk_known_entry *e = &known->e[i];
        if (!ours(e) || !e->hits)
            continue;
        if (!any++)
            fprintf(stderr, "fuzz_ops: known divergences tolerated (from %s; HL_STRICT=1 makes them failures):\n",
                    known->file);
        fprintf(stderr, "  %s: %lu times\n", e->name, e->hits);
    }
}

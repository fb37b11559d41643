/* fuzz_ops' known divergences: the lines "fuzz_ops/<signature> reason" of
 * the driver's cases/known/<driver>.known (the cases' format and files).
 * A known divergence is tolerated, counted and noted once, unless HL_STRICT=1
 * makes it a failure again. */
#include "ops.h"
#include "../sandbox.h"

#include <testkit.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNOWN_MAX 64

static struct known {
    char sig[SIG_MAX];
    char reason[384];
    unsigned long hits;
} known[KNOWN_MAX];
static size_t nknown;
static char file[TK_PATH_MAX];
static int strict;

void known_load(const char *path)
{
    strict = fz_strict();
    if (!path)
        return;
    FILE *f = fopen(path, "re");
    if (!f)
        fz_die("fuzz_ops", "known divergences %s: %s", path, strerror(errno));
    snprintf(file, sizeof file, "%s", path);
    char line[1024];
    static const char family[] = "fuzz_ops/";
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *p = line + strspn(line, " \t");
        if (strncmp(p, family, sizeof family - 1) != 0) /* comments, the cases' lines */
            continue;
        p += sizeof family - 1;
        size_t n = strcspn(p, " \t");
        if (n == 0 || n >= SIG_MAX)
            fz_die("fuzz_ops", "%s: a signature of 1 to %d bytes expected: %s", path, SIG_MAX - 1, line);
        if (nknown == KNOWN_MAX)
            fz_die("fuzz_ops", "%s: more than %d fuzz_ops lines", path, KNOWN_MAX);
        struct known *k = &known[nknown++];
        snprintf(k->sig, sizeof k->sig, "%.*s", (int)n, p);
        p += n;
        p += strspn(p, " \t");
        snprintf(k->reason, sizeof k->reason, "%s", *p ? p : "(no reason given)");
    }
    fclose(f);
}

int known_tolerated(const char *sig)
{
    if (strict)
        return 0;
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i].sig, sig) == 0) {
            if (!known[i].hits++)
                fprintf(stderr, "fuzz_ops: tolerated known divergence fuzz_ops/%s (%s): %s\n", sig, file,
                        known[i].reason);
            return 1;
        }
    return 0;
}

const char *known_file(void) { return file[0] ? file : NULL; }
size_t known_count(void) { return nknown; }

void known_summary(void)
{
    int any = 0;
    for (size_t i = 0; i < nknown; i++)
        if (known[i].hits) {
            if (!any++)
                fprintf(stderr, "fuzz_ops: known divergences tolerated (from %s; HL_STRICT=1 makes them failures):\n",
                        file);
            fprintf(stderr, "  fuzz_ops/%s: %lu times\n", known[i].sig, known[i].hits);
        }
}

/* fuzz_ops' known divergences: the lines "fuzz_ops/<signature> reason" of
 * the driver's cases/known/<driver>.known (read by the test kit, as the
 * cases read it; the cases' lines are theirs). A known divergence is
 * tolerated, counted and noted once, unless HL_STRICT=1 makes it a failure
 * again. */
#include "ops.h"
#include "../sandbox.h"

#include <testkit.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* $HL_FUZZ_OPS_SAVE_KNOWN: the input up to the step that showed a known
 * divergence is saved as DIR/<signature> (the smallest kept), so a campaign,
 * which goes past known divergences, can still make each one a reproducer. */
static void save_input(const char *sig)
{
    const char *dir = getenv("HL_FUZZ_OPS_SAVE_KNOWN");
    if (!dir || !*dir || !fo.input)
        return;
    size_t n = fo.cur_step >= 0 ? (size_t)(fo.cur_step + 1) * OP_BYTES : fo.input_size;
    if (n > fo.input_size)
        n = fo.input_size;
    char path[TK_PATH_MAX], tmp[TK_PATH_MAX + SIG_MAX + 16];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, sig);
    if (stat(path, &st) == 0 && (size_t)st.st_size <= n)
        return;
    snprintf(tmp, sizeof tmp, "%s/.%s.%d", dir, sig, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    int ok = write(fd, fo.input, n) == (ssize_t)n;
    close(fd);
    if (!ok || rename(tmp, path) != 0)
        unlink(tmp);
}

static int tolerated(const char *sig, int save)
{
    if (strict || !known)
        return 0;
    char name[sizeof family + SIG_MAX];
    snprintf(name, sizeof name, "%s%s", family, sig);
    const tk_known_entry *e = tk_known_hit(known, name);
    if (!e)
        return 0;
    if (save && e->hits <= 8) /* the first few: a shorter input may come */
        save_input(sig);
    if (e->hits == 1)
        fprintf(stderr, "fuzz_ops: tolerated known divergence %s (%s:%zu): %s\n", name, known->file, e->line,
                e->reason);
    return 1;
}

int known_tolerated(const char *sig) { return tolerated(sig, 1); }
int known_tolerated_not_run(const char *sig) { return tolerated(sig, 0); }

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

/* The fuzz targets' shared sandbox and violation handling (see sandbox.h),
 * on the test kit's work directories. */
#define _GNU_SOURCE
#include "sandbox.h"

#include <testkit.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char sandbox[TK_PATH_MAX];
static int sandbox_fd = -1;
static void (*release_hook)(void);

void fz_wipe(int dfd) { tk_empty_dir(dfd); }

void fz_sandbox_remove(void)
{
    if (release_hook)
        release_hook();
    if (sandbox_fd >= 0) {
        close(sandbox_fd);
        sandbox_fd = -1;
        int e = tk_remove_tree(AT_FDCWD, sandbox);
        if (e)
            fprintf(stderr, "fuzz: cannot remove the sandbox %s: %s\n", sandbox, strerror(e));
    }
}

int fz_sandbox_make(const char *target, const char *base, void (*before_remove)(void))
{
    char prefix[128], mine[160];
    snprintf(prefix, sizeof prefix, "hl-%s", target);
    snprintf(mine, sizeof mine, "%s.%d", prefix, (int)getpid());
    tk_remove_stale(base, prefix);
    int e = tk_workdir_make(base, mine, sandbox, &sandbox_fd);
    if (e)
        fz_die(target, "a sandbox in %s: %s", base, strerror(e));
    release_hook = before_remove;
    atexit(fz_sandbox_remove);
    return sandbox_fd;
}

const char *fz_sandbox_path(void) { return sandbox; }

void fz_die(const char *target, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", target);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void fz_violation_header(const char *target, const char *rule)
{
    fprintf(stderr, "\n==== %s: ORACLE VIOLATED: %s\n", target, rule);
}

void fz_trap(void)
{
    fflush(stderr);
    fz_sandbox_remove();
    __builtin_trap();
}

int fz_strict(void)
{
    const char *s = getenv("HL_STRICT");
    if (s && *s)
        return tk_strict();
    s = getenv("HL_FUZZ_STRICT");
    if (!s || !*s)
        return 0;
    static int noted;
    if (!noted++)
        fprintf(stderr, "note: HL_FUZZ_STRICT is deprecated, set HL_STRICT=%s instead\n", s);
    return strcmp(s, "0") != 0;
}

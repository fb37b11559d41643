/* The fuzz targets' shared sandbox and violation handling (see sandbox.h). */
#define _GNU_SOURCE
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char sandbox[FZ_PATH_MAX];
static int sandbox_fd = -1;
static void (*release_hook)(void);

static void wipe_at(int dfd, int depth)
{
    /* several passes: a FUSE release may leave a .fuse_hidden* name behind
     * for a moment after the descriptor is closed */
    for (int pass = 0; pass < 4; pass++) {
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        if (!dir) {
            if (fd >= 0)
                close(fd);
            return;
        }
        struct dirent *e;
        int left = 0;
        while ((e = readdir(dir))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            left++;
            if (unlinkat(dfd, e->d_name, 0) == 0 || depth > 16)
                continue;
            int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                wipe_at(sub, depth + 1);
                close(sub);
            }
            unlinkat(dfd, e->d_name, AT_REMOVEDIR);
        }
        closedir(dir);
        if (!left)
            return;
    }
}

void fz_wipe(int dfd) { wipe_at(dfd, 0); }

static int remove_dir_at(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        fz_wipe(fd);
        close(fd);
    }
    return unlinkat(parent, name, AT_REMOVEDIR);
}

/* base/hl-<target>.<pid>.* of a pid that is gone */
static void remove_stale(const char *target, const char *base, const char *prefix)
{
    int bfd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = bfd >= 0 ? fdopendir(bfd) : NULL;
    if (!d) {
        if (bfd >= 0)
            close(bfd);
        return;
    }
    size_t n = strlen(prefix);
    struct dirent *de;
    while ((de = readdir(d))) {
        char *end;
        if (strncmp(de->d_name, prefix, n) != 0)
            continue;
        long pid = strtol(de->d_name + n, &end, 10);
        if (pid <= 0 || *end != '.' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        if (remove_dir_at(dirfd(d), de->d_name) != 0)
            fprintf(stderr, "%s: could not remove the stale sandbox %s/%s: %s\n", target, base, de->d_name,
                    strerror(errno));
    }
    closedir(d);
}

void fz_sandbox_remove(void)
{
    if (release_hook)
        release_hook();
    if (sandbox_fd >= 0) {
        fz_wipe(sandbox_fd);
        close(sandbox_fd);
        sandbox_fd = -1;
        if (rmdir(sandbox) != 0)
            fprintf(stderr, "fuzz: cannot remove the sandbox %s: %s\n", sandbox, strerror(errno));
    }
}

int fz_sandbox_make(const char *target, const char *base, void (*before_remove)(void))
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, "hl-%s.", target);
    remove_stale(target, base, prefix);
    if ((size_t)snprintf(sandbox, sizeof sandbox, "%s/%s%d.XXXXXX", base, prefix, (int)getpid()) >= sizeof sandbox)
        fz_die(target, "the sandbox's directory %s is too long a path", base);
    if (!mkdtemp(sandbox))
        fz_die(target, "mkdtemp in %s: %s", base, strerror(errno));
    sandbox_fd = open(sandbox, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sandbox_fd < 0) {
        int e = errno;
        rmdir(sandbox);
        fz_die(target, "open %s: %s", sandbox, strerror(e));
    }
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

const char *fz_env(const char *name, const char *deprecated_alias)
{
    const char *v = getenv(name);
    if (v && *v)
        return v;
    v = deprecated_alias ? getenv(deprecated_alias) : NULL;
    if (!v || !*v)
        return NULL;
    static const char *noted[4]; /* once per alias and process */
    for (int i = 0; i < 4; i++) {
        if (noted[i] == deprecated_alias)
            return v;
        if (!noted[i]) {
            noted[i] = deprecated_alias;
            break;
        }
    }
    fprintf(stderr, "note: %s is deprecated, use %s (read as %s=%s)\n", deprecated_alias, name, name, v);
    return v;
}

int fz_strict(void)
{
    const char *s = fz_env("HL_STRICT", "HL_FUZZ_STRICT");
    return s && strcmp(s, "0") != 0;
}

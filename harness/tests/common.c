#include "common.h"

#include <dirent.h>

char hlt_dir[4096];
int hlt_dfd = -1;

static char mounts[8][8300];
static int nmounts;

void hlt_setup(void)
{
    const char *base = getenv("HL_TEST_DIR");
    snprintf(hlt_dir, sizeof hlt_dir, "%s/hlt.XXXXXX", base && *base ? base : "/tmp");
    cr_assert(mkdtemp(hlt_dir), "cannot create a work directory under %s: %s", base ? base : "/tmp",
              strerror(errno));
    chmod(hlt_dir, 0755);
    hlt_dfd = open(hlt_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    cr_assert(hlt_dfd >= 0, "cannot open %s: %s", hlt_dir, strerror(errno));
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_DP || flag == FTW_D)
        chmod(p, 0700);
    remove(p); /* keep going; what is left is reported below */
    return 0;
}

void hlt_teardown(void)
{
    hlt_root();
    while (nmounts > 0)
        umount2(mounts[--nmounts], MNT_DETACH);
    if (hlt_dfd >= 0)
        close(hlt_dfd);
    hlt_dfd = -1;
    if (hlt_dir[0]) {
        chmod(hlt_dir, 0700);
        nftw(hlt_dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
        if (access(hlt_dir, F_OK) == 0)
            fprintf(stderr, "warning: could not remove %s\n", hlt_dir);
    }
}

static char *at(const char *rel)
{
    static char p[8300];
    snprintf(p, sizeof p, "%s/%s", hlt_dir, rel);
    return p;
}

void hlt_touch(const char *rel) { hlt_write(rel, ""); }

void hlt_write(const char *rel, const char *data)
{
    int fd = openat(hlt_dfd, rel, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
    cr_assert(fd >= 0, "cannot create %s: %s", at(rel), strerror(errno));
    size_t n = strlen(data);
    cr_assert(write(fd, data, n) == (ssize_t)n, "cannot write %s: %s", at(rel), strerror(errno));
    close(fd);
}

void hlt_mkdir(const char *rel)
{
    cr_assert(mkdirat(hlt_dfd, rel, 0755) == 0, "mkdir %s: %s", at(rel), strerror(errno));
}

void hlt_symlink(const char *target, const char *rel)
{
    cr_assert(symlinkat(target, hlt_dfd, rel) == 0, "symlink %s: %s", at(rel), strerror(errno));
}

int hlt_exists(const char *rel)
{
    struct stat st;
    return fstatat(hlt_dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

struct stat hlt_lstat(const char *rel)
{
    struct stat st;
    cr_assert(fstatat(hlt_dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0, "lstat %s: %s", at(rel), strerror(errno));
    return st;
}

static char **lines;
static size_t nlines, caplines;
static size_t skip_prefix;

static int snap_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    char buf[4400];
    snprintf(buf, sizeof buf, "%s %o %llu %llu\n", p + skip_prefix, (unsigned)(st->st_mode & S_IFMT),
             (unsigned long long)st->st_ino, (unsigned long long)st->st_nlink);
    if (nlines == caplines) {
        caplines = caplines ? 2 * caplines : 64;
        lines = realloc(lines, caplines * sizeof *lines);
    }
    lines[nlines++] = strdup(buf);
    return 0;
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char *hlt_snapshot(const char *dir)
{
    nlines = 0;
    skip_prefix = strlen(dir);
    nftw(dir, snap_entry, 32, FTW_PHYS | FTW_MOUNT);
    qsort(lines, nlines, sizeof *lines, cmp_line);
    size_t total = 1;
    for (size_t i = 0; i < nlines; i++)
        total += strlen(lines[i]);
    char *out = malloc(total), *o = out;
    for (size_t i = 0; i < nlines; i++) {
        o = stpcpy(o, lines[i]);
        free(lines[i]);
    }
    *o = '\0';
    free(lines);
    lines = NULL;
    caplines = 0;
    return out;
}

int hlt_count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

int hlt_private_mounts(void)
{
    if (geteuid() != 0)
        return EPERM;
    if (unshare(CLONE_NEWNS) != 0)
        return errno;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        return errno;
    /* descriptors opened before still see the old namespace's mounts */
    int fd = open(hlt_dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    dup3(fd, hlt_dfd, O_CLOEXEC);
    close(fd);
    return 0;
}

int hlt_mount(const char *rel, const char *fstype, const char *opts)
{
    mkdirat(hlt_dfd, rel, 0755);
    if (mount(fstype, at(rel), fstype, 0, opts) != 0)
        return errno;
    if (nmounts < 8) /* after 8, the namespace still drops them when the test exits */
        snprintf(mounts[nmounts++], sizeof mounts[0], "%s", at(rel));
    return 0;
}

int hlt_bind(const char *from_rel, const char *to_rel)
{
    char from[8300];
    snprintf(from, sizeof from, "%s/%s", hlt_dir, from_rel);
    if (mount(from, at(to_rel), NULL, MS_BIND, NULL) != 0)
        return errno;
    if (nmounts < 8)
        snprintf(mounts[nmounts++], sizeof mounts[0], "%s", at(to_rel));
    return 0;
}

void hlt_nobody(void)
{
    cr_assert(setgroups(0, NULL) == 0 && setegid(HLT_NOBODY) == 0 && seteuid(HLT_NOBODY) == 0,
              "cannot become uid %d: %s", HLT_NOBODY, strerror(errno));
}

void hlt_root(void)
{
    if (geteuid() != 0 && seteuid(0) == 0)
        setegid(0);
}

/*
 * hlprobe PATH: print what libhl knows about the volume holding PATH, then run
 * the basic hard-link cases there, in a fresh directory it removes afterwards,
 * and print expected and actual status for each. Exit 0 when every case gave
 * what the volume's kind should give, 1 otherwise, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <hl.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const char usage[] =
    "usage: hlprobe PATH\n"
    "Print the libhl volume probe for PATH (filesystem, mount, hard-link support,\n"
    "link limit) and run the basic hard-link cases in a temporary directory under\n"
    "PATH, which is removed afterwards. PATH must be a writable directory.\n"
    "Exit status: 0 every case as expected, 1 some case not, 2 bad usage or setup.\n";

static int failures;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void report(const char *name, hl_status want, hl_status got, const hl_error *e, const char *extra)
{
    int ok = want == got && !extra;
    failures += !ok;
    printf("  %-28s %-24s %-24s %s%s%s\n", name, hl_status_name(want), hl_status_name(got),
           ok ? "ok" : "UNEXPECTED", got != HL_OK ? "  " : "", got != HL_OK ? e->message : "");
    if (extra)
        printf("  %-28s %s\n", "", extra);
}

static void touch(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd >= 0)
        close(fd);
}

/* The other volume for the cross-device case: /dev/shm or /tmp, whichever is elsewhere. */
static const char *other_volume(dev_t dev)
{
    static const char *candidates[] = {"/dev/shm", "/tmp", "/run", NULL};
    struct stat st;
    for (int i = 0; candidates[i]; i++)
        if (stat(candidates[i], &st) == 0 && st.st_dev != dev && access(candidates[i], W_OK) == 0)
            return candidates[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc != 2 || argv[1][0] == '-') {
        fputs(usage, stderr);
        return 2;
    }
    hl_volume v;
    hl_status ps = hl_volume_probe(argv[1], &v);
    if (ps != HL_OK) {
        fprintf(stderr, "hlprobe: cannot probe %s: %s (%s)\n", argv[1], hl_strerror(ps), hl_status_name(ps));
        return 2;
    }
    printf("volume %s\n", argv[1]);
    printf("  filesystem   %s (mount type %s, statfs magic 0x%llx)\n", v.name, v.fstype[0] ? v.fstype : "?",
           v.magic);
    printf("  mounted on   %s from %s%s\n", v.mount_point[0] ? v.mount_point : "?", v.source[0] ? v.source : "?",
           v.read_only ? ", read-only" : "");
    printf("  device       %u:%u\n", major((dev_t)v.device), minor((dev_t)v.device));
    printf("  hard links   %s\n", v.hardlinks == 1 ? "yes" : v.hardlinks == 0 ? "no" : "unknown");
    if (v.link_max)
        printf("  link limit   %llu names per file (libhl's table)\n", v.link_max);
    else
        printf("  link limit   none known\n");

    /* Signals wait until the work directory is gone, then take effect. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/hlprobe.XXXXXX", argv[1]);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "hlprobe: cannot create a directory under %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct statfs sf;
    long name_max = dfd >= 0 && fstatfs(dfd, &sf) == 0 && sf.f_namelen > 0 ? sf.f_namelen : 255;
    int links = v.hardlinks != 0;
    hl_status NOLINK = HL_ERR_NOT_SUPPORTED;
    hl_error e;
    hl_status s;
    printf("cases in %s\n  %-28s %-24s %-24s\n", dir, "case", "expected", "got");

    touch(dir, "file");
    mkdirat(dfd, "dir", 0755);
    s = hl_create_at(dfd, "link", "file", NULL, &e);
    {
        struct stat a, b;
        char extra[200] = "";
        if (s == HL_OK && (fstatat(dfd, "file", &a, 0) || fstatat(dfd, "link", &b, 0) ||
                           a.st_ino != b.st_ino || a.st_dev != b.st_dev || a.st_nlink != 2))
            snprintf(extra, sizeof extra, "the new name is not the same inode with nlink 2");
        report("link a file", links ? HL_OK : NOLINK, s, &e, extra[0] ? extra : NULL);
    }
    touch(dir, "taken");
    report("new name exists", HL_ERR_EXISTS, hl_create_at(dfd, "taken", "file", NULL, &e), &e, NULL);
    report("source is a directory", HL_ERR_IS_DIRECTORY, hl_create_at(dfd, "d2", "dir", NULL, &e), &e, NULL);
    report("source missing", HL_ERR_NOT_FOUND, hl_create_at(dfd, "n1", "missing", NULL, &e), &e, NULL);
    report("new name's directory missing", HL_ERR_PATH_NOT_FOUND,
           hl_create_at(dfd, "nodir/n2", "file", NULL, &e), &e, NULL);
    report("file used as a directory", HL_ERR_NOT_DIRECTORY, hl_create_at(dfd, "file/n3", "file", NULL, &e), &e,
           NULL);
    char longname[4096];
    memset(longname, 'n', (size_t)name_max + 1);
    longname[name_max + 1] = '\0';
    /* a FUSE volume without hard links may refuse the link before it looks at the name */
    s = hl_create_at(dfd, longname, "file", NULL, &e);
    report("name one byte too long", !links && s == NOLINK ? NOLINK : HL_ERR_NAME_TOO_LONG, s, &e, NULL);
    touch(dir, "policy");
    hl_options two = {0, 2};
    report("max_links 2: first link", links ? HL_OK : NOLINK, hl_create_at(dfd, "p1", "policy", &two, &e), &e,
           NULL);
    report("max_links 2: second link", links ? HL_ERR_TOO_MANY_LINKS : NOLINK,
           hl_create_at(dfd, "p2", "policy", &two, &e), &e, NULL);
    hl_options beneath = {HL_BENEATH, 0};
    report("HL_BENEATH: ../escape", HL_ERR_ESCAPE, hl_create_at(dfd, "../escape", "file", &beneath, &e), &e,
           NULL);
    const char *other = other_volume((dev_t)v.device);
    if (other) {
        char far[4200];
        snprintf(far, sizeof far, "%s/hlprobe-xdev-%ld", other, (long)getpid());
        s = hl_create_at(dfd, far, "file", NULL, &e);
        if (s == HL_OK)
            unlink(far);
        report("other volume", HL_ERR_CROSS_DEVICE, s, &e, NULL);
    } else {
        printf("  %-28s not run: no writable directory on another volume\n", "other volume");
    }
    if (dfd >= 0)
        close(dfd);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    sigprocmask(SIG_SETMASK, &old, NULL);
    printf("%d unexpected\n", failures);
    return failures ? 1 : 0;
}

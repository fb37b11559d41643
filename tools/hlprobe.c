/*
 * hlprobe [--format=text|kv] PATH: print what libhl knows about the volume
 * holding PATH, then run the basic hard-link cases there, in a fresh directory
 * it removes afterwards, and print expected and actual status for each. Exit 0
 * when every case gave what the volume's kind should give, 1 otherwise, 2 on
 * bad usage. --format=kv is for programs (tools/hlcheck): key=value lines.
 */
#define _GNU_SOURCE
#include <hl.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _WIN32
/* Windows (mingw): the same cases through the Win32 backend, by full paths in
 * the work directory; HL_BENEATH is not implemented there (hl.h). */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#endif

static const char usage[] =
    "usage: hlprobe [--format=text|kv] PATH\n"
    "Print the libhl volume probe for PATH (filesystem, mount, hard-link support,\n"
    "link limit) and run the basic hard-link cases in a temporary directory under\n"
    "PATH, which is removed afterwards. PATH must be a writable directory.\n"
    "\n"
    "--format=text  (the default) for people: aligned columns\n"
    "--format=kv    for programs: one key=value per line, the key never holding '=',\n"
    "               the value running to the end of the line (a newline in it is\n"
    "               written as \\n, a backslash as \\\\); keys in this order:\n"
    "                 path filesystem mount_type statfs_magic mount_point source\n"
    "                 read_only (yes|no) device (MAJOR:MINOR; Windows: the volume serial,\n"
    "                 XXXX-XXXX) hard_links (yes|no|unknown)\n"
    "                 link_limit (names per file from libhl's table, 0: none known)\n"
    "                 work_dir, then per case ID: case.ID.name case.ID.expected\n"
    "                 case.ID.got case.ID.verdict (ok|unexpected|not-run)\n"
    "                 [case.ID.message] [case.ID.note], and last unexpected (a count)\n"
    "               ID is one of link_a_file new_name_exists existing_is_a_directory\n"
    "               existing_missing new_name_dir_missing file_as_directory\n"
    "               name_too_long max_links_first max_links_second beneath_escape\n"
    "               other_volume\n"
    "Exit status: 0 every case as expected, 1 some case not, 2 bad usage or setup.\n";

static int failures;
static int kv_format; /* --format=kv */

/* One key=value line; a newline in the value becomes \n (and a backslash \\), so one line stays one pair. */
static void kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv(const char *key, const char *fmt, ...)
{
    char v[4608];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v, sizeof v, fmt, ap);
    va_end(ap);
    printf("%s=", key);
    for (const char *c = v; *c; c++)
        if (*c == '\n')
            fputs("\\n", stdout);
        else if (*c == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*c);
    putchar('\n');
}

static void kv_case(const char *id, const char *field, const char *fmt, const char *value)
{
    char key[128];
    snprintf(key, sizeof key, "case.%s.%s", id, field);
    kv(key, fmt, value);
}

#ifdef _WIN32
/* The work directory holds files and one level of directories. */
static void remove_tree(const char *dir)
{
    char pat[4200], p[4200];
    WIN32_FIND_DATAA fd;
    snprintf(pat, sizeof pat, "%s\\*", dir);
    HANDLE h = FindFirstFileA(pat, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (strcmp(fd.cFileName, ".") == 0 || strcmp(fd.cFileName, "..") == 0)
                continue;
            snprintf(p, sizeof p, "%s\\%s", dir, fd.cFileName);
            if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                remove_tree(p);
            else
                DeleteFileA(p);
        } while (FindNextFileA(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryA(dir);
}
#else
static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}
#endif

static void report(const char *id, const char *name, hl_status want, hl_status got, const hl_error *e,
                   const char *extra)
{
    int ok = want == got && !extra;
    failures += !ok;
    if (kv_format) {
        kv_case(id, "name", "%s", name);
        kv_case(id, "expected", "%s", hl_status_name(want));
        kv_case(id, "got", "%s", hl_status_name(got));
        kv_case(id, "verdict", "%s", ok ? "ok" : "unexpected");
        if (got != HL_OK)
            kv_case(id, "message", "%s", e->message);
        if (extra)
            kv_case(id, "note", "%s", extra);
        return;
    }
    printf("  %-28s %-24s %-24s %s%s%s\n", name, hl_status_name(want), hl_status_name(got),
           ok ? "ok" : "UNEXPECTED", got != HL_OK ? "  " : "", got != HL_OK ? e->message : "");
    if (extra)
        printf("  %-28s %s\n", "", extra);
}

static void print_volume(const char *path, const hl_volume *v)
{
    const char *links = v->hardlinks == 1 ? "yes" : v->hardlinks == 0 ? "no" : "unknown";
    if (kv_format) {
        kv("path", "%s", path);
        kv("filesystem", "%s", v->name);
        kv("mount_type", "%s", v->fstype);
        kv("statfs_magic", "0x%llx", v->magic);
        kv("mount_point", "%s", v->mount_point);
        kv("source", "%s", v->source);
        kv("read_only", "%s", v->read_only ? "yes" : "no");
#ifdef _WIN32
        kv("device", "%04llX-%04llX", v->device >> 16, v->device & 0xffff); /* the volume serial, as dir shows it */
#else
        kv("device", "%u:%u", major((dev_t)v->device), minor((dev_t)v->device));
#endif
        kv("hard_links", "%s", links);
        kv("link_limit", "%llu", v->link_max);
        return;
    }
    printf("volume %s\n", path);
    printf("  filesystem   %s (mount type %s, statfs magic 0x%llx)\n", v->name, v->fstype[0] ? v->fstype : "?",
           v->magic);
    printf("  mounted on   %s from %s%s\n", v->mount_point[0] ? v->mount_point : "?", v->source[0] ? v->source : "?",
           v->read_only ? ", read-only" : "");
#ifdef _WIN32
    printf("  device       %04llX-%04llX (volume serial)\n", v->device >> 16, v->device & 0xffff);
#else
    printf("  device       %u:%u\n", major((dev_t)v->device), minor((dev_t)v->device));
#endif
    printf("  hard links   %s\n", links);
    if (v->link_max)
        printf("  link limit   %llu names per file (libhl's table)\n", v->link_max);
    else
        printf("  link limit   none known\n");
}

static void touch(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "ab");
    if (f)
        fclose(f);
}

#ifdef _WIN32
/* hl_create_at(dfd, ...) of the Linux build: the names joined to the work directory. */
static char work[4096];
static hl_status create_in(int dfd, const char *new_name, const char *existing, const hl_options *opt, hl_error *e)
{
    static char n[8400], x[8400];
    (void)dfd;
    snprintf(n, sizeof n, "%s\\%s", work, new_name);
    snprintf(x, sizeof x, "%s\\%s", work, existing);
    return hl_create_at(-100, n, x, opt, e);
}
#define hl_create_at create_in
static const char *create_path(const char *name)
{
    static char p[8400];
    snprintf(p, sizeof p, "%s\\%s", work, name);
    return p;
}
static int file_info(const char *name, BY_HANDLE_FILE_INFORMATION *fi)
{
    HANDLE h = CreateFileA(create_path(name), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    int ok = GetFileInformationByHandle(h, fi) != 0;
    CloseHandle(h);
    return ok;
}
/* Windows answers ERROR_PATH_NOT_FOUND for a file used as a directory; HL_BENEATH is not there */
#define NOT_A_DIR HL_ERR_PATH_NOT_FOUND
#define BENEATH_ESCAPE HL_ERR_NOT_SUPPORTED
#else
#define NOT_A_DIR HL_ERR_NOT_DIRECTORY
#define BENEATH_ESCAPE HL_ERR_ESCAPE

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
#endif

int main(int argc, char **argv)
{
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
            fputs(usage, stdout);
            return 0;
        } else if (strcmp(argv[a], "--format=kv") == 0) {
            kv_format = 1;
        } else if (strcmp(argv[a], "--format=text") == 0) {
            kv_format = 0;
        } else {
            fprintf(stderr, "hlprobe: unknown option %s\n", argv[a]);
            fputs(usage, stderr);
            return 2;
        }
    }
    if (argc - a != 1) {
        fputs(usage, stderr);
        return 2;
    }
    const char *path = argv[a];
    hl_volume v;
    hl_status ps = hl_volume_probe(path, &v);
    if (ps != HL_OK) {
        fprintf(stderr, "hlprobe: cannot probe %s: %s (%s)\n", path, hl_strerror(ps), hl_status_name(ps));
        return 2;
    }
    print_volume(path, &v);

#ifdef _WIN32
    char *dir = work;
    snprintf(dir, sizeof work, "%s%shlprobe.%lu", path, strchr("\\/", path[strlen(path) - 1]) ? "" : "\\",
             (unsigned long)GetCurrentProcessId());
    if (!CreateDirectoryA(dir, NULL)) {
        fprintf(stderr, "hlprobe: cannot create %s: Win32 error %lu\n", dir, (unsigned long)GetLastError());
        return 2;
    }
    int dfd = -100;
    DWORD maxcomp = 255;
    if (!GetVolumeInformationA(v.mount_point, NULL, 0, NULL, &maxcomp, NULL, NULL, 0) || !maxcomp)
        maxcomp = 255;
    long name_max = (long)maxcomp;
    /* the volume may not say (Wine: NTFS without FILE_SUPPORTS_HARD_LINKS); then the first link decides */
    int links = v.hardlinks != 0;
#define mkdirat(dfd, name, mode) ((void)(dfd), (void)(mode), CreateDirectoryA(create_path(name), NULL))
#else
    /* Signals wait until the work directory is gone, then take effect. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &old);

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/hlprobe.XXXXXX", path);
    if (!mkdtemp(dir)) {
        fprintf(stderr, "hlprobe: cannot create a directory under %s: %s\n", path, strerror(errno));
        return 2;
    }
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct statfs sf;
    long name_max = dfd >= 0 && fstatfs(dfd, &sf) == 0 && sf.f_namelen > 0 ? sf.f_namelen : 255;
    int links = v.hardlinks != 0;
#endif
    hl_status NOLINK = HL_ERR_NOT_SUPPORTED;
    hl_error e;
    hl_status s;
    if (kv_format)
        kv("work_dir", "%s", dir);
    else
        printf("cases in %s\n  %-28s %-24s %-24s\n", dir, "case", "expected", "got");

    touch(dir, "file");
    mkdirat(dfd, "dir", 0755);
    s = hl_create_at(dfd, "link", "file", NULL, &e);
#ifdef _WIN32
    if (v.hardlinks < 0) /* the volume did not say; the real call did */
        links = s != NOLINK;
    {
        char extra[200] = "";
        BY_HANDLE_FILE_INFORMATION a, b;
        if (s == HL_OK && (!file_info("file", &a) || !file_info("link", &b) || a.nFileIndexLow != b.nFileIndexLow ||
                           a.nFileIndexHigh != b.nFileIndexHigh || a.nNumberOfLinks != 2))
            snprintf(extra, sizeof extra, "the new name is not the same file index with 2 links");
#else
    {
        struct stat a, b;
        char extra[200] = "";
        if (s == HL_OK && (fstatat(dfd, "file", &a, 0) || fstatat(dfd, "link", &b, 0) ||
                           a.st_ino != b.st_ino || a.st_dev != b.st_dev || a.st_nlink != 2))
            snprintf(extra, sizeof extra, "the new name is not the same inode with nlink 2");
#endif
        report("link_a_file", "link a file", links ? HL_OK : NOLINK, s, &e, extra[0] ? extra : NULL);
    }
    touch(dir, "taken");
    report("new_name_exists", "new name exists", HL_ERR_EXISTS, hl_create_at(dfd, "taken", "file", NULL, &e), &e, NULL);
    report("existing_is_a_directory", "existing is a directory", HL_ERR_IS_DIRECTORY, hl_create_at(dfd, "d2", "dir", NULL, &e), &e, NULL);
    report("existing_missing", "existing file missing", HL_ERR_NOT_FOUND, hl_create_at(dfd, "n1", "missing", NULL, &e), &e, NULL);
    report("new_name_dir_missing", "new name's directory missing", HL_ERR_PATH_NOT_FOUND,
           hl_create_at(dfd, "nodir/n2", "file", NULL, &e), &e, NULL);
    report("file_as_directory", "file used as a directory", NOT_A_DIR, hl_create_at(dfd, "file/n3", "file", NULL, &e), &e,
           NULL);
    char longname[4096];
    memset(longname, 'n', (size_t)name_max + 1);
    longname[name_max + 1] = '\0';
    /* a FUSE volume without hard links may refuse the link before it looks at the name */
    s = hl_create_at(dfd, longname, "file", NULL, &e);
#ifdef _WIN32
    /* NTFS answers ERROR_INVALID_NAME (123) for a component past 255 units, Wine ERROR_FILENAME_EXCED_RANGE */
    if (s == HL_ERR_INVALID_ARGUMENT && e.domain == HL_DOMAIN_WIN32 && e.native == 123)
        s = HL_ERR_NAME_TOO_LONG;
#endif
    report("name_too_long", "name one byte too long", !links && s == NOLINK ? NOLINK : HL_ERR_NAME_TOO_LONG, s, &e, NULL);
    touch(dir, "policy");
    hl_options two = {0, 2};
    report("max_links_first", "max_links 2: first link", links ? HL_OK : NOLINK, hl_create_at(dfd, "p1", "policy", &two, &e), &e,
           NULL);
    report("max_links_second", "max_links 2: second link", links ? HL_ERR_TOO_MANY_LINKS : NOLINK,
           hl_create_at(dfd, "p2", "policy", &two, &e), &e, NULL);
    hl_options beneath = {HL_BENEATH, 0};
    report("beneath_escape", "HL_BENEATH: ../escape", BENEATH_ESCAPE, hl_create_at(dfd, "../escape", "file", &beneath, &e), &e,
           NULL);
#ifdef _WIN32
    if (0) { /* another drive is hl-wintest's --target2 */
#else
    const char *other = other_volume((dev_t)v.device);
    if (other) {
        char far[4200];
        snprintf(far, sizeof far, "%s/hlprobe-xdev-%ld", other, (long)getpid());
        s = hl_create_at(dfd, far, "file", NULL, &e);
        if (s == HL_OK)
            unlink(far);
        report("other_volume", "other volume", HL_ERR_CROSS_DEVICE, s, &e, NULL);
#endif
    } else if (kv_format) {
        kv_case("other_volume", "name", "%s", "other volume");
        kv_case("other_volume", "verdict", "%s", "not-run");
        kv_case("other_volume", "message", "%s", "no writable directory on another volume");
    } else {
        printf("  %-28s not run: no writable directory on another volume\n", "other volume");
    }
#ifdef _WIN32
    (void)dfd;
    remove_tree(dir);
#else
    if (dfd >= 0)
        close(dfd);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    sigprocmask(SIG_SETMASK, &old, NULL);
#endif
    if (kv_format)
        kv("unexpected", "%d", failures);
    else
        printf("%d unexpected\n", failures);
    return failures ? 1 : 0;
}

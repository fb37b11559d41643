/*
 * hl-wintest: the contract's conformance cases through libhl's Win32 backend
 * (CreateHardLinkW), with a TAP runner of its own (Criterion has no mingw
 * build). The same case text decides on Windows and under Wine; what Wine does
 * differently is listed as data in a known file (wintest/known/wine.known),
 * never asserted as right. Usage: see usage[] below.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <shellapi.h>

#include <hl.h>

#include <io.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* mingw's stdio is C99 (__USE_MINGW_ANSI_STDIO): check formats as GNU's */
#define FMT(f, a) __attribute__((format(gnu_printf, f, a)))

static const char usage[] =
    "usage: hl-wintest --target DIR [--target2 DIR] [--target-ro DIR] [--profile ntfs|fat|posix|auto]\n"
    "                  [--known FILE] [--list] [--only CASE]\n"
    "Run libhl's Windows conformance cases (CreateHardLinkW) in a fresh directory\n"
    "under --target (removed afterwards); TAP version 13 on stdout, one test line\n"
    "per case and after it one '# outcome: ...' line.\n"
    "  --target DIR     a writable directory, e.g. D:\\\n"
    "  --target2 DIR    a writable directory on another volume (different volumes)\n"
    "  --target-ro DIR  a read-only volume of --target's kind holding a file\n"
    "  --profile P      what --target is: ntfs (hard links, 1024 names per file),\n"
    "                   fat (no hard links), posix (hard links, no 1024 limit: a\n"
    "                   Linux volume under Wine), auto (from hl_volume_probe; the\n"
    "                   default; under Wine a drive says NTFS or nothing: name it)\n"
    "  --known FILE     known divergences, 'family/case reason' a line; a name may\n"
    "                   end in @PROFILE to apply to that profile only\n"
    "  --list           print the case names and exit\n"
    "  --only CASE      run one case (family::case or family/case)\n"
    "HL_STRICT=1: a case that cannot run is a failure.\n"
    "Exit status: 0 every case passed (known divergences count as passed), 1 some\n"
    "case failed, 2 bad usage or setup.\n";

enum profile { P_AUTO, P_NTFS, P_FAT, P_POSIX };
static const char *const profile_names[] = {"auto", "ntfs", "fat", "posix"};

static struct {
    const char *target, *target2, *target_ro;
    enum profile profile;
    char work[1024];  /* this run's directory under --target */
    char work2[1024]; /* and under --target2 */
} g;

/* ---- the result of one case ---- */

static struct tcase {
    int failed, not_run;
    char why[1024];     /* expected ..., seen ... / the reason it cannot run */
    char outcome[512];  /* # outcome: ... */
    char dir[1100];     /* the case's own directory */
} T;

static void fail(const char *fmt, ...) FMT(1, 2);
static void fail(const char *fmt, ...)
{
    if (T.failed || T.not_run)
        return; /* the first failure is the one reported */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(T.why, sizeof T.why, fmt, ap);
    va_end(ap);
    T.failed = 1;
}

static void not_run(const char *fmt, ...) FMT(1, 2);
static void not_run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(T.why, sizeof T.why, fmt, ap);
    va_end(ap);
    T.not_run = 1;
}

/* Win32 codes the shared table does not classify but a reader wants named. */
static const char *win32_name(long code)
{
    switch (code) {
    case 21: return "ERROR_NOT_READY";
    case 31: return "ERROR_GEN_FAILURE";
    case 32: return "ERROR_SHARING_VIOLATION";
    case 1314: return "ERROR_PRIVILEGE_NOT_HELD";
    default: return hl_win32_name((unsigned long)code);
    }
}

static const char *short_status(hl_status s)
{
    const char *n = hl_status_name(s);
    return strncmp(n, "HL_ERR_", 7) == 0 ? n + 7 : strncmp(n, "HL_", 3) == 0 ? n + 3 : n;
}

/* "linked" / "refused: NOT_SUPPORTED (ERROR_ACCESS_DENIED 5)" / "refused: INVALID_ARGUMENT (libhl: ...)" */
static void describe(char *out, size_t cap, hl_status s, const hl_error *e, const char *extra)
{
    if (s == HL_OK)
        snprintf(out, cap, "linked");
    else if (e->domain == HL_DOMAIN_WIN32)
        snprintf(out, cap, "refused: %s%s (%s %ld)", short_status(s), extra, win32_name(e->native), e->native);
    else
        snprintf(out, cap, "refused: %s%s (libhl: %s)", short_status(s), extra, e->operation);
}

/* ---- paths and files: UTF-8 in the cases, UTF-16 to Windows ---- */

/* A case path as Windows takes it: '/' as '\', and the \\?\ form once long. */
static wchar_t *W(const char *utf8)
{
    static wchar_t ring[4][33000];
    static int next;
    wchar_t *w = ring[next++ & 3];
    wchar_t tmp[32760];
    if (!MultiByteToWideChar(CP_UTF8, 0, utf8, -1, tmp, 32760))
        tmp[0] = 0;
    for (wchar_t *c = tmp; *c; c++)
        if (*c == L'/')
            *c = L'\\';
    if (wcslen(tmp) >= 240 && tmp[1] == L':' && tmp[2] == L'\\')
        swprintf(w, 33000, L"\\\\?\\%ls", tmp);
    else
        wcscpy(w, tmp);
    return w;
}

static const char *P(const char *fmt, ...) FMT(1, 2);
/* T.dir + "\" + the formatted name (a ring of buffers, for two at a time) */
static const char *P(const char *fmt, ...)
{
    static char ring[4][8192];
    static int next;
    char *p = ring[next++ & 3];
    int n = snprintf(p, 8192, "%s\\", T.dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p + n, 8192 - (size_t)n, fmt, ap);
    va_end(ap);
    return p;
}

static int write_file(const char *path, const char *data)
{
    HANDLE h = CreateFileW(W(path), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    DWORD n;
    int ok = WriteFile(h, data, (DWORD)strlen(data), &n, NULL) && n == strlen(data);
    return CloseHandle(h) && ok;
}

static int read_file(const char *path, char *out, size_t cap)
{
    HANDLE h = CreateFileW(W(path), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    DWORD n = 0;
    int ok = ReadFile(h, out, (DWORD)cap - 1, &n, NULL);
    out[ok ? n : 0] = '\0';
    CloseHandle(h);
    return ok;
}

static int make_dir(const char *path) { return CreateDirectoryW(W(path), NULL) != 0; }

static int exists(const char *path) { return GetFileAttributesW(W(path)) != INVALID_FILE_ATTRIBUTES; }

static int file_info(const char *path, BY_HANDLE_FILE_INFORMATION *fi)
{
    HANDLE h = CreateFileW(W(path), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    int ok = GetFileInformationByHandle(h, fi) != 0;
    CloseHandle(h);
    return ok;
}

static unsigned long long file_index(const BY_HANDLE_FILE_INFORMATION *fi)
{
    return (unsigned long long)fi->nFileIndexHigh << 32 | fi->nFileIndexLow;
}

static void remove_tree_w(const wchar_t *dir)
{
    static wchar_t pat[33000];
    wchar_t *p = malloc(33000 * sizeof *p);
    if (!p)
        return;
    swprintf(pat, 33000, L"%ls\\*", dir);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(pat, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0)
                continue;
            swprintf(p, 33000, L"%ls\\%ls", dir, fd.cFileName);
            if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !(fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT))
                remove_tree_w(p);
            else if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
                RemoveDirectoryW(p);
            else {
                SetFileAttributesW(p, FILE_ATTRIBUTE_NORMAL);
                DeleteFileW(p);
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    free(p);
    RemoveDirectoryW(dir);
}

/* The names in a directory, sorted, joined by '/': "nothing created" is this string unchanged. */
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static void listing(const char *dir, char *out, size_t cap)
{
    static char names[4096][64];
    static char *ptrs[4096];
    size_t n = 0, used = 0;
    wchar_t pat[33000];
    swprintf(pat, 33000, L"%ls\\*", W(dir));
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(pat, &fd);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(fd.cFileName, L".") && wcscmp(fd.cFileName, L"..") && n < 4096) {
                WideCharToMultiByte(CP_UTF8, 0, fd.cFileName, -1, names[n], 64, NULL, NULL);
                names[n][63] = '\0';
                ptrs[n] = names[n];
                n++;
            }
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    qsort(ptrs, n, sizeof *ptrs, cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n && used + strlen(ptrs[i]) + 2 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "/" : "", ptrs[i]);
}

/* ---- checks ---- */

static hl_status attempt(const char *new_name, const char *existing, const hl_options *opt, hl_error *e)
{
    hl_status s = hl_create_at(-100, new_name, existing, opt, e);
    describe(T.outcome, sizeof T.outcome, s, e, "");
    return s;
}

static int profile_links(void) { return g.profile != P_FAT; }

/* The status wanted, and the Win32 codes that may come with it (0-terminated;
 * NULL: any). On a volume without hard links a refusal for another reason may
 * also come as NOT_SUPPORTED (Windows' FAT driver refuses the link before it
 * looks at the new name), so fat accepts both where said. */
static int check_status(hl_status got, const hl_error *e, hl_status want, const long *natives)
{
    if (got != want) {
        fail("expected %s, seen %s: %s", hl_status_name(want), hl_status_name(got), got ? e->message : "linked");
        return 0;
    }
    if (natives && got != HL_OK) {
        int ok = 0;
        for (const long *n = natives; *n; n++)
            ok |= e->domain == HL_DOMAIN_WIN32 && e->native == *n;
        if (!ok) {
            char list[128] = "";
            for (const long *n = natives; *n; n++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s %ld", n != natives ? " or " : "",
                         win32_name(*n), *n);
            fail("expected %s with %s, seen %s", hl_status_name(want), list,
                 e->domain == HL_DOMAIN_WIN32 ? win32_name(e->native) : "no native code");
            return 0;
        }
    }
    if (!hl_status_refines(e->domain, e->native, got) && got != HL_OK) {
        fail("expected a status that follows from native %ld (hl_status_refines), seen %s", e->native, hl_status_name(got));
        return 0;
    }
    return 1;
}

static const long NOLINK_CODES[] = {1, 50, 5, 0}; /* FAT, WinFsp/DrivePool, ACCESS_DENIED + the volume's look */

/* The refusal wanted on a volume with hard links; on fat, either it or NOT_SUPPORTED. */
static void expect_refusal(hl_status got, const hl_error *e, hl_status want, const long *natives)
{
    if (!profile_links() && got == HL_ERR_NOT_SUPPORTED)
        check_status(got, e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
    else
        check_status(got, e, want, natives);
}

static void expect_unchanged(const char *before)
{
    char after[4096];
    listing(T.dir, after, sizeof after);
    if (strcmp(before, after) != 0)
        fail("expected nothing created, seen [%s] become [%s]", before, after);
}

/* The new name and the existing file are one file: same volume and file index,
 * the link count wanted, and data written through one read through the other. */
static void expect_one_file(const char *new_name, const char *existing, DWORD links)
{
    BY_HANDLE_FILE_INFORMATION a, b;
    char data[64];
    if (!file_info(existing, &a) || !file_info(new_name, &b)) {
        fail("expected both names to open after the link, seen %s",
             exists(new_name) ? "the existing file gone" : "the new name missing");
        return;
    }
    if (a.dwVolumeSerialNumber != b.dwVolumeSerialNumber || file_index(&a) != file_index(&b))
        fail("expected the same file index through both names, seen %llx and %llx", file_index(&a), file_index(&b));
    else if (a.nNumberOfLinks != links || b.nNumberOfLinks != links)
        fail("expected nNumberOfLinks %lu through both names, seen %lu and %lu", (unsigned long)links,
             (unsigned long)a.nNumberOfLinks, (unsigned long)b.nNumberOfLinks);
    else if (!write_file(new_name, "through the new name") || !read_file(existing, data, sizeof data) ||
             strcmp(data, "through the new name") != 0)
        fail("expected data written through the new name to read through the existing one, seen \"%s\"", data);
}

/* A fresh file "file" in the case directory. */
static int setup_file(void)
{
    if (!write_file(P("file"), "existing")) {
        not_run("cannot create a file in %s (Win32 %lu)", T.dir, (unsigned long)GetLastError());
        return 0;
    }
    return 1;
}

/* ---- the cases ---- */

static void status_win32_table_both_ways(void)
{
    static const struct { unsigned long code; hl_status status; } doc[] = {
        {183, HL_ERR_EXISTS}, {5, HL_ERR_ACCESS_DENIED}, {2, HL_ERR_NOT_FOUND}, {3, HL_ERR_PATH_NOT_FOUND},
        {17, HL_ERR_CROSS_DEVICE}, {1, HL_ERR_NOT_SUPPORTED}, {50, HL_ERR_NOT_SUPPORTED}, {1142, HL_ERR_TOO_MANY_LINKS},
        {19, HL_ERR_READ_ONLY}, {31, HL_ERR_UNEXPECTED}, {0, HL_ERR_UNEXPECTED}, {4294967295UL, HL_ERR_UNEXPECTED},
    };
    for (size_t i = 0; i < sizeof doc / sizeof doc[0]; i++)
        if (hl_status_from_win32(doc[i].code) != doc[i].status)
            fail("expected Win32 %lu -> %s, seen %s", doc[i].code, hl_status_name(doc[i].status),
                 hl_status_name(hl_status_from_win32(doc[i].code)));
    for (int s = 1; s < HL_STATUS_COUNT; s++) {
        unsigned long w = hl_status_to_win32((hl_status)s);
        if (s != HL_ERR_UNEXPECTED && s != HL_ERR_ESCAPE && !hl_status_refines(HL_DOMAIN_WIN32, (long)w, (hl_status)s))
            fail("expected %s -> Win32 %lu to map back, seen it does not", hl_status_name((hl_status)s), w);
    }
    /* the looks: ACCESS_DENIED may mean a directory or a volume without links, and nothing else */
    if (!hl_status_refines(HL_DOMAIN_WIN32, 5, HL_ERR_IS_DIRECTORY) ||
        !hl_status_refines(HL_DOMAIN_WIN32, 5, HL_ERR_NOT_SUPPORTED) || hl_status_refines(HL_DOMAIN_WIN32, 5, HL_ERR_EXISTS))
        fail("expected ERROR_ACCESS_DENIED to refine to IS_DIRECTORY and NOT_SUPPORTED only, seen otherwise");
    snprintf(T.outcome, sizeof T.outcome, "no link (table check)");
}

static void link_file(void)
{
    if (!setup_file())
        return;
    char before[4096];
    listing(T.dir, before, sizeof before);
    hl_error e;
    hl_status s = attempt(P("new"), P("file"), NULL, &e);
    if (!profile_links()) {
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
        expect_unchanged(before);
        return;
    }
    if (check_status(s, &e, HL_OK, NULL))
        expect_one_file(P("new"), P("file"), 2);
}

static void exists_common(const char *what)
{
    if (!setup_file())
        return;
    if (strcmp(what, "file") == 0)
        write_file(P("taken"), "taken");
    else if (strcmp(what, "dir") == 0)
        make_dir(P("taken"));
    const char *new_name = strcmp(what, "self") == 0 ? P("file") : P("taken");
    char before[4096], data[64];
    listing(T.dir, before, sizeof before);
    hl_error e;
    static const long codes[] = {183, 80, 0};
    expect_refusal(attempt(new_name, P("file"), NULL, &e), &e, HL_ERR_EXISTS, codes);
    expect_unchanged(before);
    if (strcmp(what, "file") == 0 && (!read_file(P("taken"), data, sizeof data) || strcmp(data, "taken") != 0))
        fail("expected the existing new name untouched, seen \"%s\"", data);
}
static void exists_file(void) { exists_common("file"); }
static void exists_directory(void) { exists_common("dir"); }
static void exists_existing_itself(void) { exists_common("self"); }

static void directory_existing_is_a_directory(void)
{
    make_dir(P("dir"));
    char before[4096];
    listing(T.dir, before, sizeof before);
    hl_error e;
    static const long codes[] = {5, 0};
    /* Windows opens the existing file before the driver sees the link: the same answer on FAT */
    check_status(attempt(P("new"), P("dir"), NULL, &e), &e, HL_ERR_IS_DIRECTORY, codes);
    expect_unchanged(before);
    if (e.which != HL_PATH_SOURCE && !T.failed)
        fail("expected the failure to concern the existing file (HL_PATH_SOURCE), seen %d", (int)e.which);
}

/* A refusal that leaves the case directory as it was. */
static void refused_unchanged(const char *new_name, const char *existing, hl_status want, const long *codes)
{
    char before[4096];
    listing(T.dir, before, sizeof before);
    hl_error e;
    check_status(attempt(new_name, existing, NULL, &e), &e, want, codes);
    expect_unchanged(before);
}

static void missing_existing(void)
{
    static const long codes[] = {2, 0};
    refused_unchanged(P("new"), P("missing"), HL_ERR_NOT_FOUND, codes);
}

static void missing_new_name_directory(void)
{
    static const long codes[] = {3, 0};
    if (setup_file())
        refused_unchanged(P("nodir\\new"), P("file"), HL_ERR_PATH_NOT_FOUND, codes);
}

static void volume_different_volumes(void)
{
    if (!g.target2) {
        not_run("no --target2 (a directory on another volume)");
        return;
    }
    if (!setup_file())
        return;
    char far_name[2048], before[4096], before2[4096];
    snprintf(far_name, sizeof far_name, "%s\\new", g.work2);
    listing(T.dir, before, sizeof before);
    listing(g.work2, before2, sizeof before2);
    hl_error e;
    static const long codes[] = {17, 0};
    check_status(attempt(far_name, P("file"), NULL, &e), &e, HL_ERR_CROSS_DEVICE, codes);
    expect_unchanged(before);
    char after2[4096];
    listing(g.work2, after2, sizeof after2);
    if (strcmp(before2, after2) != 0)
        fail("expected nothing created on the other volume, seen [%s]", after2);
}

/* The first regular file under dir, one level down at most (a read-only volume brings its own). */
static int find_file(const char *dir, char *out, size_t cap, int depth)
{
    wchar_t pat[2048];
    swprintf(pat, 2048, L"%ls\\*", W(dir));
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(pat, &fd);
    int found = 0;
    if (h == INVALID_HANDLE_VALUE)
        return 0;
    do {
        char name[600];
        if (!wcscmp(fd.cFileName, L".") || !wcscmp(fd.cFileName, L".."))
            continue;
        WideCharToMultiByte(CP_UTF8, 0, fd.cFileName, -1, name, sizeof name, NULL, NULL);
        snprintf(out, cap, "%s%s%s", dir, strchr("\\/", dir[strlen(dir) - 1]) ? "" : "\\", name);
        if (!(fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
            found = 1;
        else if (depth > 0) {
            char sub[2048];
            snprintf(sub, sizeof sub, "%s", out);
            found = find_file(sub, out, cap, depth - 1);
        }
    } while (!found && FindNextFileW(h, &fd));
    FindClose(h);
    return found;
}

static void volume_read_only(void)
{
    char existing[2048], new_name[2100];
    if (!g.target_ro) {
        not_run("no --target-ro (a read-only volume)");
        return;
    }
    if (!find_file(g.target_ro, existing, sizeof existing, 1)) {
        not_run("no file on the read-only volume %s to link", g.target_ro);
        return;
    }
    snprintf(new_name, sizeof new_name, "%s.hl-wintest-link", existing);
    hl_error e;
    static const long codes[] = {19, 0};
    expect_refusal(attempt(new_name, existing, NULL, &e), &e, HL_ERR_READ_ONLY, codes);
    if (exists(new_name))
        fail("expected nothing created on the read-only volume, seen %s", new_name);
}

/* n links to "file" named dK\lI, 32 to a directory, under opt; the status of
 * the last one tried. Small directories: Wine looks a missing name up by
 * reading the whole directory (case-insensitive), 75 ms a link at 1000
 * entries on ntfs-3g, and the limit is per file, not per directory. */
static hl_status make_links(int n, const hl_options *opt, int *made, hl_error *e)
{
    hl_status s = HL_OK;
    for (*made = 0; *made < n; (*made)++) {
        if (*made % 32 == 0)
            make_dir(P("d%d", *made / 32));
        if ((s = hl_create_at(-100, P("d%d\\l%d", *made / 32, *made), P("file"), opt, e)) != HL_OK)
            break;
    }
    return s;
}

/* The policy case's directory once its file has 1024 names and nothing else:
 * the native case goes on from there (1023 links cost 40 s on ntfs-3g under Wine). */
static char limit_dir[sizeof T.dir];

static void limit_common(int policy)
{
    hl_options o = {0, HL_NTFS_MAX_LINKS};
    const hl_options *opt = policy ? &o : NULL;
    hl_error e;
    int made = 1023;
    hl_status s = HL_OK;
    if (!policy && limit_dir[0])
        memcpy(T.dir, limit_dir, sizeof T.dir);
    else if (!setup_file())
        return;
    else
        s = make_links(1023, opt, &made, &e);
    if (!profile_links()) {
        describe(T.outcome, sizeof T.outcome, s, &e, " at 1");
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
        return;
    }
    if (s != HL_OK) {
        char at[32];
        snprintf(at, sizeof at, " at %d", made + 1);
        describe(T.outcome, sizeof T.outcome, s, &e, at);
        fail("expected 1023 links, seen %s at link %d: %s", hl_status_name(s), made + 1, e.message);
        return;
    }
    BY_HANDLE_FILE_INFORMATION fi;
    if (!file_info(P("file"), &fi) || fi.nNumberOfLinks != 1024) {
        fail("expected nNumberOfLinks 1024 after 1023 links, seen %lu", (unsigned long)fi.nNumberOfLinks);
        return;
    }
    char before[16384];
    listing(T.dir, before, sizeof before);
    s = hl_create_at(-100, P("one-too-many"), P("file"), opt, &e);
    describe(T.outcome, sizeof T.outcome, s, &e, " at 1024");
    static const long codes[] = {1142, 0};
    if (policy || g.profile == P_NTFS) {
        check_status(s, &e, HL_ERR_TOO_MANY_LINKS, policy ? NULL : codes);
        if (policy && e.domain != HL_DOMAIN_NONE && !T.failed)
            fail("expected the policy to refuse by itself (no native code), seen %s", win32_name(e.native));
        if (exists(P("one-too-many")))
            fail("expected nothing left by the refused link, seen one-too-many");
        else if (policy && !T.failed)
            memcpy(limit_dir, T.dir, sizeof T.dir);
    } else {
        check_status(s, &e, HL_OK, NULL); /* posix: a Linux volume allows more than 1024 names */
    }
}
static void limit_ntfs_policy_1023_links(void) { limit_common(1); }
static void limit_native_1024th_link(void) { limit_common(0); }

/* A directory path under T.dir longer than MAX_PATH; "" if it cannot be made. */
static void long_dir(char *out, size_t cap)
{
    snprintf(out, cap, "%s", T.dir);
    while (strlen(out) < 300) {
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "\\%s", "a-directory-name-of-forty-characters-xx");
        if (!make_dir(out)) {
            out[0] = '\0';
            return;
        }
    }
}

static void longpath_common(int prefix)
{
    char dir[1024], n[1200], x[1200];
    long_dir(dir, sizeof dir);
    if (!dir[0]) {
        not_run("cannot make a directory path past MAX_PATH under %s (Win32 %lu)", T.dir, (unsigned long)GetLastError());
        return;
    }
    snprintf(x, sizeof x, "%s%s\\file", prefix ? "\\\\?\\" : "", dir);
    snprintf(n, sizeof n, "%s%s\\new", prefix ? "\\\\?\\" : "", dir);
    if (!write_file(x + (prefix ? 4 : 0), "existing")) {
        not_run("cannot create a file at %zu characters", strlen(x));
        return;
    }
    hl_error e;
    hl_status s = attempt(n, x, NULL, &e);
    if (!profile_links()) {
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
        if (exists(n + (prefix ? 4 : 0)))
            fail("expected nothing created, seen the new name");
        return;
    }
    if (check_status(s, &e, HL_OK, NULL))
        expect_one_file(n + (prefix ? 4 : 0), x + (prefix ? 4 : 0), 2);
}
static void longpath_with_prefix(void) { longpath_common(1); }
static void longpath_without_prefix(void) { longpath_common(0); }

/* Names Windows would change: refused, nothing created (not even the changed name). */
static void refused_name(const char *const *names, size_t count)
{
    if (!setup_file())
        return;
    char before[4096];
    listing(T.dir, before, sizeof before);
    for (size_t i = 0; i < count; i++) {
        hl_error e;
        hl_status s = attempt(P("%s", names[i]), P("file"), NULL, &e);
        if (s != HL_ERR_INVALID_ARGUMENT || e.domain != HL_DOMAIN_NONE)
            fail("expected \"%s\" refused with HL_ERR_INVALID_ARGUMENT before any call, seen %s", names[i], e.message);
        expect_unchanged(before);
        /* the existing file under such a name is refused the same way */
        s = attempt(P("other"), P("%s", names[i]), NULL, &e);
        if (s != HL_ERR_INVALID_ARGUMENT || e.which != HL_PATH_SOURCE)
            fail("expected \"%s\" as the existing file refused with HL_ERR_INVALID_ARGUMENT, seen %s", names[i], e.message);
        expect_unchanged(before);
    }
}
static void names_trailing_dot(void)
{
    static const char *const n[] = {"b.", "b..", "sub.\\b"};
    refused_name(n, 3);
}
static void names_trailing_space(void)
{
    static const char *const n[] = {"b ", "b. ", "sub \\b"};
    refused_name(n, 3);
}
static void names_dot_last_component(void)
{
    static const char *const n[] = {"b\\.", "b\\..", "."};
    make_dir(P("b"));
    refused_name(n, 3);
}
static void names_reserved_device(void)
{
    static const char *const n[] = {"aux ", "con", "nul.txt", "COM1", "lpt9.log", "CONIN$", "NUL"};
    refused_name(n, 7);
}

static void names_invalid_utf8(void)
{
    static const char *const n[] = {"\xff\xfe", "over\xc0\xaflong", "surrogate\xed\xa0\x80", "cut\xe2\x9c"};
    if (!setup_file())
        return;
    char before[4096];
    listing(T.dir, before, sizeof before);
    for (size_t i = 0; i < 4; i++) {
        hl_error e;
        hl_status s = attempt(P("%s", n[i]), P("file"), NULL, &e);
        if (s != HL_ERR_INVALID_ARGUMENT || e.domain != HL_DOMAIN_NONE || e.which != HL_PATH_DESTINATION)
            fail("expected invalid UTF-8 %zu refused with HL_ERR_INVALID_ARGUMENT for the new name before any call, seen %s",
                 i, e.message);
    }
    expect_unchanged(before);
}

/* A 256-character component, one past what NTFS and FAT take: Windows answers
 * ERROR_INVALID_NAME (123, HL_ERR_INVALID_ARGUMENT) or ERROR_FILENAME_EXCED_RANGE
 * (206, HL_ERR_NAME_TOO_LONG); either is the contract's refusal. */
static void names_component_too_long(void)
{
    char name[260];
    memset(name, 'n', 256);
    name[256] = '\0';
    if (!setup_file())
        return;
    char before[4096];
    listing(T.dir, before, sizeof before);
    hl_error e;
    static const long codes[] = {206, 0};
    hl_status s = attempt(P("%s", name), P("file"), NULL, &e);
    if (!(s == HL_ERR_INVALID_ARGUMENT && e.domain == HL_DOMAIN_WIN32 && e.native == 123))
        expect_refusal(s, &e, HL_ERR_NAME_TOO_LONG, codes);
    expect_unchanged(before);
}

static void names_unicode(void)
{
    static const char name[] = "n\xc3\xa9w-\xe2\x9c\x93-\xf0\x9f\x98\x80"; /* "néw-✓-😀" */
    if (!setup_file())
        return;
    char before[4096];
    listing(T.dir, before, sizeof before);
    hl_error e;
    hl_status s = attempt(P("%s", name), P("file"), NULL, &e);
    if (!profile_links()) {
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
        expect_unchanged(before);
        return;
    }
    if (!check_status(s, &e, HL_OK, NULL))
        return;
    char after[4096];
    listing(T.dir, after, sizeof after);
    if (strcmp(after, "file/n\xc3\xa9w-\xe2\x9c\x93-\xf0\x9f\x98\x80") != 0)
        fail("expected the directory to hold file and the UTF-16 of the name, seen [%s]", after);
    expect_one_file(P("%s", name), P("file"), 2);
}

static void options_follow_symlink(void)
{
    if (!setup_file())
        return;
    /* 2: SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE (developer mode); older Windows wants 0 */
    if (!CreateSymbolicLinkW(W(P("sym")), L"file", 2) && !CreateSymbolicLinkW(W(P("sym")), L"file", 0)) {
        not_run("cannot create a symbolic link here (Win32 %lu: %s)", (unsigned long)GetLastError(),
                win32_name((long)GetLastError()));
        return;
    }
    char data[64];
    if (!exists(P("sym"))) {
        snprintf(T.outcome, sizeof T.outcome, "no link (no symbolic link to follow)");
        fail("expected the symbolic link CreateSymbolicLinkW reported made, seen no such name");
        return;
    }
    if (!read_file(P("sym"), data, sizeof data) || strcmp(data, "existing") != 0) {
        snprintf(T.outcome, sizeof T.outcome, "no link (the symbolic link does not open)");
        fail("expected the symbolic link to open its target, seen Win32 %lu (%s)", (unsigned long)GetLastError(),
             win32_name((long)GetLastError()));
        return;
    }
    hl_options follow = {HL_FOLLOW, 0};
    hl_error e;
    hl_status s = attempt(P("new"), P("sym"), &follow, &e);
    if (!profile_links()) {
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
        return;
    }
    if (check_status(s, &e, HL_OK, NULL))
        expect_one_file(P("new"), P("file"), 2);
}

/* HL_FOLLOW on a file that is no symlink links that file (the follow path:
 * open, GetFinalPathNameByHandleW, link the final name). */
static void options_follow_regular_file(void)
{
    if (!setup_file())
        return;
    hl_options follow = {HL_FOLLOW, 0};
    hl_error e;
    hl_status s = attempt(P("new"), P("file"), &follow, &e);
    if (!profile_links())
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
    else if (check_status(s, &e, HL_OK, NULL))
        expect_one_file(P("new"), P("file"), 2);
}

static void options_beneath_not_supported(void)
{
    if (!setup_file())
        return;
    char before[4096];
    listing(T.dir, before, sizeof before);
    hl_options beneath = {HL_BENEATH, 0};
    hl_error e;
    hl_status s = attempt(P("new"), P("file"), &beneath, &e);
    if (s != HL_ERR_NOT_SUPPORTED || e.domain != HL_DOMAIN_NONE)
        fail("expected HL_BENEATH refused with HL_ERR_NOT_SUPPORTED by libhl (hl.h), seen %s", e.message);
    expect_unchanged(before);
}

static void options_directory_handle(void)
{
    if (!setup_file())
        return;
    HANDLE h = CreateFileW(W(T.dir), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                           OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
    int fd = h == INVALID_HANDLE_VALUE ? -1 : _open_osfhandle((intptr_t)h, _O_RDONLY);
    if (fd < 0) {
        not_run("cannot open the case directory as a descriptor (Win32 %lu)", (unsigned long)GetLastError());
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        return;
    }
    hl_error e;
    hl_status s = hl_create_at(fd, "new", "file", NULL, &e);
    describe(T.outcome, sizeof T.outcome, s, &e, "");
    _close(fd);
    if (!profile_links())
        check_status(s, &e, HL_ERR_NOT_SUPPORTED, NOLINK_CODES);
    else if (check_status(s, &e, HL_OK, NULL))
        expect_one_file(P("new"), P("file"), 2);
}

static const struct wcase {
    const char *family, *name;
    void (*run)(void);
} cases[] = {
    {"status", "win32_table_both_ways", status_win32_table_both_ways},
    {"link", "file", link_file},
    {"exists", "file", exists_file},
    {"exists", "directory", exists_directory},
    {"exists", "existing_itself", exists_existing_itself},
    {"directory", "existing_is_a_directory", directory_existing_is_a_directory},
    {"missing", "existing", missing_existing},
    {"missing", "new_name_directory", missing_new_name_directory},
    {"volume", "different_volumes", volume_different_volumes},
    {"volume", "read_only", volume_read_only},
    {"limit", "ntfs_policy_1023_links", limit_ntfs_policy_1023_links},
    {"limit", "native_1024th_link", limit_native_1024th_link},
    {"longpath", "with_prefix", longpath_with_prefix},
    {"longpath", "without_prefix", longpath_without_prefix},
    {"names", "trailing_dot", names_trailing_dot},
    {"names", "trailing_space", names_trailing_space},
    {"names", "dot_last_component", names_dot_last_component},
    {"names", "reserved_device", names_reserved_device},
    {"names", "invalid_utf8", names_invalid_utf8},
    {"names", "component_too_long", names_component_too_long},
    {"names", "unicode", names_unicode},
    {"options", "follow_symlink", options_follow_symlink},
    {"options", "follow_regular_file", options_follow_regular_file},
    {"options", "beneath_not_supported", options_beneath_not_supported},
    {"options", "directory_handle", options_directory_handle},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* ---- known divergences ---- */

static char *known_text;

/* The reason for family/case (or family/case@profile) in the known file, or NULL. */
static const char *known_reason(const struct wcase *c, char *buf, size_t cap)
{
    if (!known_text)
        return NULL;
    char plain[160], qualified[180];
    snprintf(plain, sizeof plain, "%s/%s", c->family, c->name);
    snprintf(qualified, sizeof qualified, "%s@%s", plain, profile_names[g.profile]);
    for (const char *line = known_text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *sp = memchr(line, ' ', len);
        if (line[0] != '#' && sp) {
            size_t nl = (size_t)(sp - line);
            if ((nl == strlen(plain) && !strncmp(line, plain, nl)) || (nl == strlen(qualified) && !strncmp(line, qualified, nl))) {
                size_t r = len - nl - 1;
                while (r > 0 && (sp[r] == '\r' || sp[r] == ' '))
                    r--;
                snprintf(buf, cap, "%.*s", (int)r, sp + 1);
                return buf;
            }
        }
        line += len + (end != NULL);
    }
    return NULL;
}

static int load_known(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = 65536, n = 0;
    known_text = malloc(cap);
    size_t r;
    while (known_text && (r = fread(known_text + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 >= cap)
            known_text = realloc(known_text, cap *= 2);
    }
    fclose(f);
    if (!known_text)
        return 0;
    known_text[n] = '\0';
    return 1;
}

/* ---- the runner ---- */

static int name_matches(const struct wcase *c, const char *want)
{
    char a[160], b[160];
    snprintf(a, sizeof a, "%s::%s", c->family, c->name);
    snprintf(b, sizeof b, "%s/%s", c->family, c->name);
    return !strcmp(a, want) || !strcmp(b, want);
}

/* The arguments as UTF-8 (the ANSI argv cannot carry every path). */
static char **utf8_argv(int *argc)
{
    LPWSTR *wargv = CommandLineToArgvW(GetCommandLineW(), argc);
    if (!wargv)
        return NULL;
    char **out = calloc((size_t)*argc + 1, sizeof *out);
    for (int i = 0; out && i < *argc; i++) {
        int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
        out[i] = malloc((size_t)n);
        if (out[i])
            WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, out[i], n, NULL, NULL);
    }
    LocalFree(wargv);
    return out;
}

static int make_work(const char *target, char *out, size_t cap)
{
    wchar_t full[1024];
    if (!GetFullPathNameW(W(target), 1024, full, NULL))
        return 0;
    char t[1024];
    WideCharToMultiByte(CP_UTF8, 0, full, -1, t, sizeof t, NULL, NULL);
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == '\\' || t[n - 1] == '/'))
        t[--n] = '\0';
    snprintf(out, cap, "%s\\hl-wintest.%lu", t, (unsigned long)GetCurrentProcessId());
    return make_dir(out);
}

int main(void)
{
    int argc;
    char **argv = utf8_argv(&argc);
    const char *known = NULL, *only = NULL, *profile = "auto";
    int list = 0;
    if (!argv)
        return 2;
    for (int a = 1; a < argc; a++) {
        const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(o, "--list")) {
            list = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "hl-wintest: unknown option or missing value: %s\n%s", o, usage);
            return 2;
        }
        if (!strcmp(o, "--target"))
            g.target = v;
        else if (!strcmp(o, "--target2"))
            g.target2 = v;
        else if (!strcmp(o, "--target-ro"))
            g.target_ro = v;
        else if (!strcmp(o, "--profile"))
            profile = v;
        else if (!strcmp(o, "--known"))
            known = v;
        else if (!strcmp(o, "--only"))
            only = v;
        else {
            fprintf(stderr, "hl-wintest: unknown option %s\n%s", o, usage);
            return 2;
        }
        a++;
    }
    if (list) {
        for (size_t i = 0; i < NCASES; i++)
            printf("%s::%s\n", cases[i].family, cases[i].name);
        return 0;
    }
    int p = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(profile, profile_names[i]))
            p = i;
    size_t selected = 0;
    for (size_t i = 0; i < NCASES; i++)
        selected += !only || name_matches(&cases[i], only);
    if (!g.target || p < 0 || !selected) {
        fprintf(stderr, "hl-wintest: %s\n%s",
                !g.target ? "--target is required" : p < 0 ? "unknown profile" : "no such case (see --list)", usage);
        return 2;
    }
    if (known && !load_known(known)) {
        fprintf(stderr, "hl-wintest: cannot read the known file %s\n", known);
        return 2;
    }
    hl_volume v;
    hl_status ps = hl_volume_probe(g.target, &v);
    if (ps != HL_OK) {
        fprintf(stderr, "hl-wintest: cannot probe %s: %s\n", g.target, hl_status_name(ps));
        return 2;
    }
    g.profile = (enum profile)p;
    if (g.profile == P_AUTO)
        g.profile = v.hardlinks == 0 ? P_FAT : !strcmp(v.name, "ntfs") ? P_NTFS : P_POSIX;
    if (!make_work(g.target, g.work, sizeof g.work)) {
        fprintf(stderr, "hl-wintest: cannot create a directory under %s (Win32 %lu)\n", g.target,
                (unsigned long)GetLastError());
        return 2;
    }
    if (g.target2 && !make_work(g.target2, g.work2, sizeof g.work2)) {
        fprintf(stderr, "hl-wintest: cannot create a directory under %s (Win32 %lu)\n", g.target2,
                (unsigned long)GetLastError());
        remove_tree_w(W(g.work));
        return 2;
    }
    const char *strict = getenv("HL_STRICT");
    int is_strict = strict && !strcmp(strict, "1"), failures = 0, n = 0;
    printf("TAP version 13\n1..%zu\n", selected);
    printf("# target %s: %s (%s), hard links %s, profile %s\n", g.target, v.name, v.fstype,
           v.hardlinks == 1 ? "yes" : v.hardlinks == 0 ? "no" : "unknown", profile_names[g.profile]);
    fflush(stdout);
    for (size_t i = 0; i < NCASES; i++) {
        const struct wcase *c = &cases[i];
        if (only && !name_matches(c, only))
            continue;
        memset(&T, 0, sizeof T);
        snprintf(T.dir, sizeof T.dir, "%s\\%s-%s", g.work, c->family, c->name);
        if (!make_dir(T.dir))
            not_run("cannot create %s (Win32 %lu)", T.dir, (unsigned long)GetLastError());
        else
            c->run();
        char rbuf[512];
        const char *reason = known_reason(c, rbuf, sizeof rbuf);
        n++;
        if (T.not_run && !is_strict) {
            printf("ok %d - %s::%s # SKIP not run: %s\n", n, c->family, c->name, T.why);
        } else if (T.not_run) {
            printf("not ok %d - %s::%s\n# expected the case to run (HL_STRICT=1), seen not run: %s\n", n, c->family,
                   c->name, T.why);
            failures++;
        } else if (T.failed && reason) {
            printf("ok %d - %s::%s # SKIP XFAIL known divergence: %s: %s\n", n, c->family, c->name, reason, T.why);
        } else if (T.failed) {
            printf("not ok %d - %s::%s\n# %s\n", n, c->family, c->name, T.why);
            failures++;
        } else if (reason) {
            printf("not ok %d - %s::%s\n# expected the known divergence (%s), seen the contract kept\n", n, c->family,
                   c->name, reason);
            failures++;
        } else {
            printf("ok %d - %s::%s\n", n, c->family, c->name);
        }
        printf("# outcome: %s\n", T.not_run ? "not run" : T.outcome[0] ? T.outcome : "no link attempted");
        fflush(stdout);
    }
    remove_tree_w(W(g.work));
    if (g.target2)
        remove_tree_w(W(g.work2));
    return failures ? 1 : 0;
}

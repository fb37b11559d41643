/*
 * The Win32 backend: hl_create over CreateHardLinkW, hl_volume_probe over
 * GetVolumeInformationW. Paths arrive as UTF-8 and are converted here; the
 * classification is the shared Win32 table (status.c) plus the looks after a
 * failure that hl.h documents.
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include "internal.h"

#include <io.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#ifndef FILE_SUPPORTS_HARD_LINKS
#define FILE_SUPPORTS_HARD_LINKS 0x00400000
#endif

/* Longest path Windows takes in the \\?\ form, in UTF-16 units, NUL included. */
#define WPATH_MAX 32768

static int is_sep(wchar_t c) { return c == L'\\' || c == L'/'; }

/* Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF) to
 * UTF-16. Written out rather than MultiByteToWideChar so that Windows and Wine
 * refuse exactly the same byte strings. Returns the units written, -1 on
 * invalid UTF-8, -2 when it does not fit. */
static long utf8_to_utf16(const char *s, wchar_t *out, size_t cap)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        unsigned long cp;
        int more;
        if (p[0] < 0x80) {
            cp = p[0], more = 0;
        } else if (p[0] >= 0xc2 && p[0] <= 0xdf) {
            cp = p[0] & 0x1f, more = 1;
        } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
            cp = p[0] & 0x0f, more = 2;
        } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
            cp = p[0] & 0x07, more = 3;
        } else {
            return -1;
        }
        for (int i = 1; i <= more; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return -1;
        p += more + 1;
        if (n + (cp >= 0x10000 ? 2 : 1) >= cap)
            return -2;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[n++] = (wchar_t)(0xd800 + (cp >> 10));
            out[n++] = (wchar_t)(0xdc00 + (cp & 0x3ff));
        } else {
            out[n++] = (wchar_t)cp;
        }
    }
    out[n] = 0;
    return (long)n;
}

/* UTF-16 back to UTF-8 for hl_volume's strings (they come from the system, so
 * they are well formed; a lone surrogate becomes U+FFFD). */
static void utf16_to_utf8(const wchar_t *w, char *out, size_t cap)
{
    size_t n = 0;
    for (; *w; w++) {
        unsigned long cp = *w;
        if (cp >= 0xd800 && cp <= 0xdbff && w[1] >= 0xdc00 && w[1] <= 0xdfff)
            cp = 0x10000 + ((cp - 0xd800) << 10) + (w[1] - 0xdc00), w++;
        else if (cp >= 0xd800 && cp <= 0xdfff)
            cp = 0xfffd;
        unsigned char b[4];
        int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (len == 1)
            b[0] = (unsigned char)cp;
        else {
            for (int i = len - 1; i > 0; i--, cp >>= 6)
                b[i] = (unsigned char)(0x80 | (cp & 0x3f));
            b[0] = (unsigned char)((len == 2 ? 0xc0 : len == 3 ? 0xe0 : 0xf0) | cp);
        }
        if (n + (size_t)len >= cap)
            break;
        memcpy(out + n, b, (size_t)len);
        n += (size_t)len;
    }
    out[n] = '\0';
}

/* "C:\x", "\\server\x", "\\?\...": not resolved against a directory. "C:x" and
 * "\x" (drive-relative, root-relative) are not joined to dirfd either. */
static int is_rooted(const wchar_t *w)
{
    return is_sep(w[0]) || (w[0] && w[1] == L':');
}

static int is_verbatim(const wchar_t *w)
{
    return is_sep(w[0]) && is_sep(w[1]) && (w[2] == L'?' || w[2] == L'.') && is_sep(w[3]);
}

/* Windows' reserved device names: such a last component opens the device, not a
 * file in the directory, with or without an extension ("nul.txt"). */
static int is_device_name(const wchar_t *c, size_t len)
{
    static const wchar_t *const names[] = {L"CON", L"PRN", L"AUX", L"NUL", L"CONIN$", L"CONOUT$"};
    size_t base = 0;
    while (base < len && c[base] != L'.')
        base++;
    while (base > 0 && c[base - 1] == L' ')
        base--;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (wcslen(names[i]) == base && _wcsnicmp(c, names[i], base) == 0)
            return 1;
    return base == 4 && (_wcsnicmp(c, L"COM", 3) == 0 || _wcsnicmp(c, L"LPT", 3) == 0) && c[3] >= L'1' &&
           c[3] <= L'9';
}

/* The names Windows would silently change (hl.h): a component ending in a dot or
 * a space ("b.", "b ", and "." or ".." as the last component, "b\." creating
 * "b"), and a reserved device name as the last component. NULL if none. */
static const char *renamed_by_windows(const wchar_t *w)
{
    const wchar_t *c = w;
    if (is_verbatim(w))
        c = w + 4; /* the prefix's "?" and "." are not components */
    while (*c) {
        while (is_sep(*c))
            c++;
        if (!*c)
            break;
        const wchar_t *e = c;
        while (*e && !is_sep(*e))
            e++;
        size_t len = (size_t)(e - c);
        int dots = (len == 1 && c[0] == L'.') || (len == 2 && c[0] == L'.' && c[1] == L'.');
        int last = !*e || (!e[1] && is_sep(*e));
        if (last && dots)
            return "a last component \".\" or \"..\": Windows would act on the directory it names";
        if (!dots && (c[len - 1] == L'.' || c[len - 1] == L' '))
            return "a name ending in a dot or a space: Windows would strip it and use another name";
        if (last && is_device_name(c, len))
            return "a reserved device name (CON, NUL, COM1, ...): Windows would open the device";
        c = e;
    }
    return NULL;
}

/* The directory dirfd stands for, as a DOS path without the \\?\ prefix. */
static hl_status dirfd_path(int dirfd, wchar_t *out, size_t cap, hl_error *err)
{
    HANDLE h = dirfd < 0 ? INVALID_HANDLE_VALUE : (HANDLE)_get_osfhandle(dirfd);
    if (h == INVALID_HANDLE_VALUE)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, HL_PATH_NEITHER,
                        "arguments (dirfd is not an open descriptor)", NULL);
    BY_HANDLE_FILE_INFORMATION fi;
    if (!GetFileInformationByHandle(h, &fi) || !(fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY))
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, HL_PATH_NEITHER,
                        "arguments (dirfd is not a directory)", NULL);
    DWORD n = GetFinalPathNameByHandleW(h, out, (DWORD)cap, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    if (n == 0 || n >= cap) {
        DWORD e = n ? ERROR_FILENAME_EXCED_RANGE : GetLastError();
        return hl__fail(err, hl_status_from_win32(e), HL_DOMAIN_WIN32, (long)e, HL_PATH_NEITHER,
                        "GetFinalPathNameByHandleW", NULL);
    }
    /* \\?\C:\d -> C:\d and \\?\UNC\s\x -> \\s\x, so that GetFullPathNameW resolves ".." in what is joined */
    if (wcsncmp(out, L"\\\\?\\UNC\\", 8) == 0) {
        memmove(out + 2, out + 8, (wcslen(out + 8) + 1) * sizeof *out);
    } else if (wcsncmp(out, L"\\\\?\\", 4) == 0) {
        memmove(out, out + 4, (wcslen(out + 4) + 1) * sizeof *out);
    }
    return HL_OK;
}

/*
 * One UTF-8 path to the UTF-16 path handed to Windows: joined to base when
 * relative and base is given, made absolute, and given the \\?\ prefix when
 * MAX_PATH or longer (the classic form stops there). A path already in the \\?\
 * form is passed as it is.
 */
static hl_status wide_path(const char *utf8, const wchar_t *base, wchar_t *out, hl_which which,
                           int check_names, hl_error *err)
{
    static _Thread_local wchar_t raw[WPATH_MAX], full[WPATH_MAX];
    long n = utf8_to_utf16(utf8, raw, WPATH_MAX);
    if (n == -1)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments (invalid UTF-8)", utf8);
    if (n < 0)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments (path too long)", utf8);
    const char *why = check_names ? renamed_by_windows(raw) : NULL;
    if (why)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, why, utf8);
    if (is_verbatim(raw)) {
        wcscpy(out, raw);
        return HL_OK;
    }
    if (base && !is_rooted(raw)) {
        size_t b = wcslen(base);
        if (b + 1 + (size_t)n + 1 > WPATH_MAX)
            return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments (path too long)", utf8);
        memmove(raw + b + 1, raw, ((size_t)n + 1) * sizeof *raw);
        memcpy(raw, base, b * sizeof *raw);
        raw[b] = L'\\';
    }
    DWORD f = GetFullPathNameW(raw, WPATH_MAX - 8, full, NULL);
    if (f == 0 || f >= WPATH_MAX - 8) {
        DWORD e = f ? ERROR_FILENAME_EXCED_RANGE : GetLastError();
        return hl__fail(err, hl_status_from_win32(e), HL_DOMAIN_WIN32, (long)e, which, "GetFullPathNameW", utf8);
    }
    if (f < MAX_PATH) {
        wcscpy(out, full);
    } else if (is_sep(full[0]) && is_sep(full[1])) { /* \\server\share\x -> \\?\UNC\server\share\x */
        wcscpy(out, L"\\\\?\\UNC");
        wcscat(out, full + 1);
    } else {
        wcscpy(out, L"\\\\?\\");
        wcscat(out, full);
    }
    return HL_OK;
}

/* The volume root of a path (for the looks after a failure and the probe). */
static int volume_info(const wchar_t *path, wchar_t *root, size_t cap, DWORD *flags, wchar_t *fsname,
                       size_t fscap, DWORD *serial, DWORD *maxcomp)
{
    if (!GetVolumePathNameW(path, root, (DWORD)cap))
        return 0;
    return GetVolumeInformationW(root, NULL, 0, serial, maxcomp, flags, fsname, (DWORD)fscap) != 0;
}

static int is_fat_name(const wchar_t *fs)
{
    return _wcsicmp(fs, L"FAT") == 0 || _wcsicmp(fs, L"FAT12") == 0 || _wcsicmp(fs, L"FAT16") == 0 ||
           _wcsicmp(fs, L"FAT32") == 0 || _wcsicmp(fs, L"exFAT") == 0;
}

/* After ERROR_ACCESS_DENIED: does the volume of path say it has no hard links?
 * A FAT name, or no FILE_SUPPORTS_HARD_LINKS: the call already failed, so the
 * flag only names the reason (Wine reports NTFS without the flag everywhere). */
static int volume_lacks_links(const wchar_t *path)
{
    static _Thread_local wchar_t root[WPATH_MAX];
    wchar_t fs[64];
    DWORD flags = 0, serial, maxcomp;
    if (!volume_info(path, root, WPATH_MAX, &flags, fs, 64, &serial, &maxcomp))
        return 0;
    return is_fat_name(fs) || !(flags & FILE_SUPPORTS_HARD_LINKS);
}

/* The directory part of path, into out ("" when there is none). */
static void parent_of(const wchar_t *path, wchar_t *out)
{
    size_t n = wcslen(path);
    while (n > 0 && is_sep(path[n - 1]))
        n--;
    while (n > 0 && !is_sep(path[n - 1]))
        n--;
    memcpy(out, path, n * sizeof *out);
    out[n] = 0;
}

static int exists(const wchar_t *p, DWORD *attr)
{
    DWORD a = GetFileAttributesW(p);
    if (attr)
        *attr = a;
    return a != INVALID_FILE_ATTRIBUTES;
}

static HANDLE open_existing(const wchar_t *p, int follow)
{
    return CreateFileW(p, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | (follow ? 0 : FILE_FLAG_OPEN_REPARSE_POINT),
                       NULL);
}

/* The failure of CreateHardLinkW, classified: the table, then the looks hl.h documents. */
static hl_status classify(DWORD code, const wchar_t *wnew, const wchar_t *wold, const char *new_name,
                          const char *existing, hl_error *err)
{
    static _Thread_local wchar_t dir[WPATH_MAX];
    hl_status s = hl_status_from_win32(code);
    hl_which which = HL_PATH_NEITHER;
    const char *path = NULL;
    DWORD attr;
    switch (code) {
    case ERROR_ACCESS_DENIED:
        if (exists(wold, &attr) && (attr & FILE_ATTRIBUTE_DIRECTORY)) {
            s = HL_ERR_IS_DIRECTORY, which = HL_PATH_SOURCE, path = existing;
        } else if (volume_lacks_links(wnew)) {
            s = HL_ERR_NOT_SUPPORTED, path = new_name;
        }
        break;
    case ERROR_FILE_NOT_FOUND:
        if (!exists(wold, NULL))
            which = HL_PATH_SOURCE, path = existing;
        break;
    case ERROR_PATH_NOT_FOUND:
        parent_of(wnew, dir);
        if (dir[0] && !exists(dir, NULL)) {
            which = HL_PATH_DESTINATION, path = new_name;
        } else {
            parent_of(wold, dir);
            if (dir[0] && !exists(dir, NULL))
                which = HL_PATH_SOURCE, path = existing;
        }
        break;
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS:
        if (exists(wnew, NULL))
            which = HL_PATH_DESTINATION, path = new_name;
        break;
    default:
        break;
    }
    if (!path) {
        /* both names in the message when the failure concerns neither */
        static _Thread_local char both[2 * HL_PATH_MAX + 8];
        snprintf(both, sizeof both, "%s -> %s", new_name, existing);
        path = both;
    }
    return hl__fail(err, s, HL_DOMAIN_WIN32, (long)code, which, "CreateHardLinkW", path);
}

hl_status hl__backend_create(int dirfd, const char *new_name, const char *existing, unsigned flags,
                             unsigned long max_links, hl_error *err)
{
    static _Thread_local wchar_t base[WPATH_MAX], wnew[WPATH_MAX], wold[WPATH_MAX], target[WPATH_MAX];
    hl_status s;
    if (flags & HL_BENEATH)
        return hl__fail(err, HL_ERR_NOT_SUPPORTED, HL_DOMAIN_NONE, 0, HL_PATH_NEITHER,
                        "HL_BENEATH (not implemented by the Win32 backend)", NULL);
    if (dirfd != HL__CWD && (s = dirfd_path(dirfd, base, WPATH_MAX, err)) != HL_OK)
        return s;
    const wchar_t *b = dirfd != HL__CWD ? base : NULL;
    if ((s = wide_path(new_name, b, wnew, HL_PATH_DESTINATION, 1, err)) != HL_OK ||
        (s = wide_path(existing, b, wold, HL_PATH_SOURCE, 1, err)) != HL_OK)
        return s;

    const wchar_t *link_to = wold;
    if ((flags & HL_FOLLOW) || max_links) {
        HANDLE h = open_existing(wold, (flags & HL_FOLLOW) != 0);
        if (h == INVALID_HANDLE_VALUE && (flags & HL_FOLLOW)) {
            /* a dangling symlink is not linked itself when it is to be followed */
            DWORD code = GetLastError();
            return hl__fail(err, hl_status_from_win32(code), HL_DOMAIN_WIN32, (long)code, HL_PATH_SOURCE,
                            "CreateFileW (HL_FOLLOW)", existing);
        }
        if (h != INVALID_HANDLE_VALUE) {
            BY_HANDLE_FILE_INFORMATION fi;
            int have = GetFileInformationByHandle(h, &fi);
            if (have && max_links && !(fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) &&
                fi.nNumberOfLinks >= max_links) {
                CloseHandle(h);
                return hl__fail(err, HL_ERR_TOO_MANY_LINKS, HL_DOMAIN_NONE, 0, HL_PATH_SOURCE, "max_links policy",
                                existing);
            }
            /* HL_FOLLOW: link what the symlink or junction leads to, as opening it does */
            if (flags & HL_FOLLOW) {
                DWORD n = GetFinalPathNameByHandleW(h, target, WPATH_MAX, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
                if (n > 0 && n < WPATH_MAX)
                    link_to = target;
            }
            CloseHandle(h);
        }
        /* max_links alone: when it cannot be opened, CreateHardLinkW gives the reason */
    }
    if (CreateHardLinkW(wnew, link_to, NULL))
        return HL_OK;
    return classify(GetLastError(), wnew, link_to, new_name, existing, err);
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

hl_status hl__backend_probe(const char *path, hl_volume *out)
{
    static _Thread_local wchar_t w[WPATH_MAX], root[WPATH_MAX], guid[64];
    wchar_t fs[64];
    DWORD flags = 0, serial = 0, maxcomp = 0;
    hl_status s = wide_path(path, NULL, w, HL_PATH_NEITHER, 0, NULL);
    if (s != HL_OK)
        return s;
    if (!exists(w, NULL) || !GetVolumePathNameW(w, root, WPATH_MAX))
        return hl_status_from_win32(GetLastError());
    utf16_to_utf8(root, out->mount_point, sizeof out->mount_point);
    if (GetVolumeNameForVolumeMountPointW(root, guid, 64))
        utf16_to_utf8(guid, out->source, sizeof out->source);
    if (!GetVolumeInformationW(root, NULL, 0, &serial, &maxcomp, &flags, fs, 64)) {
        /* Wine answers ERROR_INVALID_FUNCTION for a drive on a loop device or
         * ntfs-3g: say what is known (the serial, from the path) and no more */
        HANDLE h = open_existing(w, 1);
        BY_HANDLE_FILE_INFORMATION fi;
        if (h != INVALID_HANDLE_VALUE && GetFileInformationByHandle(h, &fi))
            out->device = fi.dwVolumeSerialNumber;
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        strcpy(out->name, "unknown");
        out->hardlinks = -1;
        return HL_OK;
    }
    utf16_to_utf8(fs, out->fstype, sizeof out->fstype);
    memcpy(out->name, out->fstype, sizeof out->name);
    lower_ascii(out->name);
    out->device = serial;
    out->read_only = (flags & FILE_READ_ONLY_VOLUME) != 0;
    const struct hl_fs_info *fi = hl__fs_lookup(out->name);
    out->link_max = fi ? fi->link_max : 0;
    /* The volume's word, except where it contradicts itself: Wine says NTFS
     * without FILE_SUPPORTS_HARD_LINKS on every volume; then it is unknown. */
    if (flags & FILE_SUPPORTS_HARD_LINKS)
        out->hardlinks = 1;
    else if (is_fat_name(fs) || !fi || fi->hardlinks != 1)
        out->hardlinks = 0;
    else
        out->hardlinks = -1;
    return HL_OK;
}

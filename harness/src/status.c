/*
 * The error model: statuses, and the two classification tables (errno and
 * Win32). Platform-free: both tables are compiled and tested everywhere.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>

/* Status -> name, sentence, canonical errno, canonical Win32 code: hl.h's HL_STATUS_MAP. */
static const struct status_info {
    const char *name;
    const char *message;
    int errnum;
    unsigned long win32;
} statuses[] = {
#define HL__STATUS_INFO(status, errnum, win32, sentence) [status] = {#status, sentence, errnum, win32},
    HL_STATUS_MAP(HL__STATUS_INFO)
#undef HL__STATUS_INFO
};
_Static_assert(sizeof statuses / sizeof statuses[0] == HL_STATUS_COUNT, "one entry per status");

/* errno -> status. One entry per errno value; see refinements[] for the
 * answers a follow-up look may give instead. */
const struct hl_code_map hl__errno_table[] = {
    {EPERM, HL_ERR_ACCESS_DENIED, "EPERM"},
    {ENOENT, HL_ERR_NOT_FOUND, "ENOENT"},
    {EIO, HL_ERR_IO, "EIO"},
    {EBADF, HL_ERR_INVALID_ARGUMENT, "EBADF"},
    {EACCES, HL_ERR_ACCESS_DENIED, "EACCES"},
    {EFAULT, HL_ERR_INVALID_ARGUMENT, "EFAULT"},
    {EEXIST, HL_ERR_EXISTS, "EEXIST"},
    {EXDEV, HL_ERR_CROSS_DEVICE, "EXDEV"},
    {ENOTDIR, HL_ERR_NOT_DIRECTORY, "ENOTDIR"},
    {EISDIR, HL_ERR_IS_DIRECTORY, "EISDIR"},
    {EINVAL, HL_ERR_INVALID_ARGUMENT, "EINVAL"},
    {ENOSPC, HL_ERR_NO_SPACE, "ENOSPC"},
    {EROFS, HL_ERR_READ_ONLY, "EROFS"},
    {EMLINK, HL_ERR_TOO_MANY_LINKS, "EMLINK"},
    {ENAMETOOLONG, HL_ERR_NAME_TOO_LONG, "ENAMETOOLONG"},
    {ENOSYS, HL_ERR_NOT_SUPPORTED, "ENOSYS"},   /* a FUSE filesystem without a link operation */
#ifdef ELOOP
    {ELOOP, HL_ERR_LOOP, "ELOOP"},
#endif
#ifdef EOPNOTSUPP
    {EOPNOTSUPP, HL_ERR_NOT_SUPPORTED, "EOPNOTSUPP"},
#endif
#if defined(ENOTSUP) && (!defined(EOPNOTSUPP) || ENOTSUP != EOPNOTSUPP)
    {ENOTSUP, HL_ERR_NOT_SUPPORTED, "ENOTSUP"},
#endif
#ifdef EDQUOT
    {EDQUOT, HL_ERR_NO_SPACE, "EDQUOT"},
#endif
#ifdef EUCLEAN
    {EUCLEAN, HL_ERR_IO, "EUCLEAN"},  /* ext4 and xfs: EFSCORRUPTED */
#endif
    {0, HL_OK, NULL},
};

/* Win32 -> status (winerror.h numbers, so this compiles everywhere). */
const struct hl_code_map hl__win32_table[] = {
    {1, HL_ERR_NOT_SUPPORTED, "ERROR_INVALID_FUNCTION"},        /* FAT, exFAT */
    {2, HL_ERR_NOT_FOUND, "ERROR_FILE_NOT_FOUND"},
    {3, HL_ERR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND"},
    {5, HL_ERR_ACCESS_DENIED, "ERROR_ACCESS_DENIED"},
    {17, HL_ERR_CROSS_DEVICE, "ERROR_NOT_SAME_DEVICE"},
    {19, HL_ERR_READ_ONLY, "ERROR_WRITE_PROTECT"},
    {39, HL_ERR_NO_SPACE, "ERROR_HANDLE_DISK_FULL"},
    {50, HL_ERR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED"},          /* WinFsp, DrivePool */
    {80, HL_ERR_EXISTS, "ERROR_FILE_EXISTS"},
    {87, HL_ERR_INVALID_ARGUMENT, "ERROR_INVALID_PARAMETER"},
    {112, HL_ERR_NO_SPACE, "ERROR_DISK_FULL"},
    {123, HL_ERR_INVALID_ARGUMENT, "ERROR_INVALID_NAME"},
    {183, HL_ERR_EXISTS, "ERROR_ALREADY_EXISTS"},
    {206, HL_ERR_NAME_TOO_LONG, "ERROR_FILENAME_EXCED_RANGE"},
    {267, HL_ERR_NOT_DIRECTORY, "ERROR_DIRECTORY"},
    {1117, HL_ERR_IO, "ERROR_IO_DEVICE"},
    {1142, HL_ERR_TOO_MANY_LINKS, "ERROR_TOO_MANY_LINKS"},
    {1921, HL_ERR_LOOP, "ERROR_CANT_RESOLVE_FILENAME"},
    {0, HL_OK, NULL},
};

/* The documented follow-ups: a native code whose table answer may be
 * replaced by another status after a look at the existing file. */
const struct hl_refinement hl__refinements[] = {
    /* Linux link(2) EPERM: the existing file is a directory, or the filesystem has
     * no link operation (FAT, exFAT, fusefat); otherwise permission. */
    {HL_DOMAIN_ERRNO, EPERM, HL_ERR_IS_DIRECTORY},
    {HL_DOMAIN_ERRNO, EPERM, HL_ERR_NOT_SUPPORTED},
    /* ENOENT: a directory on the way is missing, not the existing file itself. */
    {HL_DOMAIN_ERRNO, ENOENT, HL_ERR_PATH_NOT_FOUND},
    /* EXDEV while resolving under HL_BENEATH (openat2 RESOLVE_BENEATH): escape. */
    {HL_DOMAIN_ERRNO, EXDEV, HL_ERR_ESCAPE},
    /* ENOTDIR: dirfd is not a directory. */
    {HL_DOMAIN_ERRNO, ENOTDIR, HL_ERR_INVALID_ARGUMENT},
    /* Windows: ERROR_ACCESS_DENIED when the existing file is a directory, or on a
     * volume without hard links (Wine on FAT answers 5, not Windows' 1). */
    {HL_DOMAIN_WIN32, 5, HL_ERR_IS_DIRECTORY},
    {HL_DOMAIN_WIN32, 5, HL_ERR_NOT_SUPPORTED},
    {HL_DOMAIN_NONE, 0, HL_OK},
};

static hl_status lookup(const struct hl_code_map *t, long code)
{
    for (; t->name; t++)
        if (t->code == code)
            return t->status;
    return HL_ERR_UNEXPECTED;
}

static const char *lookup_name(const struct hl_code_map *t, long code)
{
    for (; t->name; t++)
        if (t->code == code)
            return t->name;
    return NULL;
}

hl_status hl_status_from_errno(int errnum) { return lookup(hl__errno_table, errnum); }
hl_status hl_status_from_win32(unsigned long code) { return lookup(hl__win32_table, (long)code); }

static int valid(hl_status s) { return (unsigned)s < HL_STATUS_COUNT; }

int hl_status_to_errno(hl_status s) { return valid(s) ? statuses[s].errnum : 0; }
unsigned long hl_status_to_win32(hl_status s) { return valid(s) ? statuses[s].win32 : 0; }
const char *hl_status_name(hl_status s) { return valid(s) ? statuses[s].name : "HL_STATUS_INVALID"; }
const char *hl_strerror(hl_status s)
{
    return valid(s) ? statuses[s].message : "Not a valid hl_status value.";
}

int hl_status_refines(hl_domain domain, long native, hl_status s)
{
    if (!valid(s))
        return 0;
    switch (domain) {
    case HL_DOMAIN_NONE:
        /* success, and libhl's own decisions: argument checks, the max_links policy,
         * confinement a backend enforces without a native error, and a flag the
         * backend does not implement (HL_BENEATH on Windows). */
        return native == 0 && (s == HL_OK || s == HL_ERR_INVALID_ARGUMENT || s == HL_ERR_TOO_MANY_LINKS ||
                               s == HL_ERR_ESCAPE || s == HL_ERR_NOT_SUPPORTED);
    case HL_DOMAIN_ERRNO:
        if (lookup(hl__errno_table, native) == s)
            return 1;
        break;
    case HL_DOMAIN_WIN32:
        if (lookup(hl__win32_table, native) == s)
            return 1;
        break;
    default:
        return 0;
    }
    for (const struct hl_refinement *r = hl__refinements; r->domain != HL_DOMAIN_NONE; r++)
        if (r->domain == domain && r->native == native && r->status == s)
            return 1;
    return 0;
}

static _Thread_local char unknown_name[32];

const char *hl_errno_name(int errnum)
{
    const char *n = lookup_name(hl__errno_table, errnum);
    if (n)
        return n;
    switch (errnum) { /* not classified, but worth naming in a message */
#ifdef ERANGE
    case ERANGE: return "ERANGE";  /* ntfs-3g at its link limit */
#endif
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case EBUSY: return "EBUSY";
    default: break;
    }
    snprintf(unknown_name, sizeof unknown_name, "errno %d", errnum);
    return unknown_name;
}

const char *hl_win32_name(unsigned long code)
{
    const char *n = lookup_name(hl__win32_table, (long)code);
    if (n)
        return n;
    snprintf(unknown_name, sizeof unknown_name, "Win32 %lu", code);
    return unknown_name;
}

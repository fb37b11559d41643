/*
 * hl.h - libhl, the hard-link core of the hard-link conformance harness.
 *
 * This is the only header a user includes.
 *
 *   !!! ARGUMENT ORDER: the NEW name comes FIRST, the EXISTING file SECOND. !!!
 *
 * That is the order of Windows' CreateHardLink(lpFileName, lpExistingFileName).
 * POSIX link(2) and linkat(2) take them the other way round:
 *
 *     link(existing, new)          hl_create(new, existing, &err)
 *
 * Every failure is a portable hl_status; the hl_error beside it keeps the
 * native code (errno or Win32) that produced it, which name it concerns and a
 * message naming the operation and the path. A failed call leaves the
 * filesystem exactly as it was; a successful one creates exactly one name.
 */
#ifndef HL_H
#define HL_H

#ifdef __cplusplus
extern "C" {
#endif

#define HL_VERSION_MAJOR 0
#define HL_VERSION_MINOR 1

/*
 * Every status, written once: X(NAME, canonical errno, canonical Win32 code,
 * "sentence"). It makes the hl_status enum (in this order: the numbering is
 * stable, add at the end) and what hl_status_name, hl_status_to_errno,
 * hl_status_to_win32 and hl_strerror answer. Win32 codes are winerror.h
 * numbers, so the list compiles everywhere; expanding the errno column needs
 * <errno.h>. Each canonical code maps back to its status through the
 * classification tables or a documented refinement, except HL_ERR_ESCAPE's
 * Win32 code: ERROR_ACCESS_DENIED is what a sandbox answers on Windows.
 */
#define HL_STATUS_MAP(X)                                                                           \
    X(HL_OK, 0, 0, "The link was created.")                                                        \
    X(HL_ERR_INVALID_ARGUMENT, EINVAL, 87 /* ERROR_INVALID_PARAMETER */,                           \
      "An argument is invalid: a null or empty path, a path of PATH_MAX bytes or more, "           \
      "a bad directory descriptor or an unknown flag.")                                            \
    X(HL_ERR_NOT_FOUND, ENOENT, 2 /* ERROR_FILE_NOT_FOUND */,                                      \
      "The existing file does not exist.")                                                         \
    X(HL_ERR_PATH_NOT_FOUND, ENOENT, 3 /* ERROR_PATH_NOT_FOUND */,                                 \
      "A directory on the way to one of the names does not exist.")                                \
    /* any type, dangling symlink too */                                                           \
    X(HL_ERR_EXISTS, EEXIST, 183 /* ERROR_ALREADY_EXISTS */, "The new name already exists.")       \
    X(HL_ERR_IS_DIRECTORY, EISDIR, 5 /* ERROR_ACCESS_DENIED */,                                    \
      "The existing file is a directory; directories cannot be hard-linked.")                      \
    X(HL_ERR_CROSS_DEVICE, EXDEV, 17 /* ERROR_NOT_SAME_DEVICE */,                                  \
      "The existing file and the new name are on different volumes or mount points.")              \
    X(HL_ERR_TOO_MANY_LINKS, EMLINK, 1142 /* ERROR_TOO_MANY_LINKS */,                              \
      "The existing file already has as many names as the volume or the policy allows.")           \
    /* FAT, exFAT, a FUSE filesystem without a link operation */                                   \
    X(HL_ERR_NOT_SUPPORTED, EOPNOTSUPP, 50 /* ERROR_NOT_SUPPORTED */,                              \
      "The volume does not support hard links.")                                                   \
    /* permissions, protected_hardlinks, immutable/append-only */                                  \
    X(HL_ERR_ACCESS_DENIED, EACCES, 5 /* ERROR_ACCESS_DENIED */,                                   \
      "Permission to create the link was denied.")                                                 \
    X(HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, 206 /* ERROR_FILENAME_EXCED_RANGE */,                    \
      "A name or path is too long for the volume.")                                                \
    X(HL_ERR_NOT_DIRECTORY, ENOTDIR, 267 /* ERROR_DIRECTORY */,                                    \
      "A component used as a directory is not a directory.")                                       \
    X(HL_ERR_LOOP, ELOOP, 1921 /* ERROR_CANT_RESOLVE_FILENAME */,                                  \
      "Too many symbolic links were met while resolving a path.")                                  \
    X(HL_ERR_READ_ONLY, EROFS, 19 /* ERROR_WRITE_PROTECT */, "The volume is read-only.")           \
    X(HL_ERR_NO_SPACE, ENOSPC, 112 /* ERROR_DISK_FULL */,                                          \
      "The volume has no space, inodes or quota left for the new name.")                           \
    /* only with HL_BENEATH */                                                                     \
    X(HL_ERR_ESCAPE, EXDEV, 5 /* ERROR_ACCESS_DENIED */,                                           \
      "A path would leave the directory it must stay beneath.")                                    \
    X(HL_ERR_IO, EIO, 1117 /* ERROR_IO_DEVICE */,                                                  \
      "The volume reported an input/output error or corruption.")                                  \
    X(HL_ERR_UNEXPECTED, 0, 0,                                                                     \
      "The system reported an error this library does not classify; see the native code.")

/* Portable outcome of a call. */
typedef enum hl_status {
#define HL__STATUS_ENUM(name, errnum, win32, sentence) name,
    HL_STATUS_MAP(HL__STATUS_ENUM)
#undef HL__STATUS_ENUM
    HL_STATUS_COUNT /* number of statuses, not a status */
} hl_status;

/* Where hl_error.native comes from. */
typedef enum hl_domain {
    HL_DOMAIN_NONE = 0,  /* decided by libhl itself (argument check, max_links policy, an absolute
                            path under HL_BENEATH); native is 0 */
    HL_DOMAIN_ERRNO,     /* native is an errno value */
    HL_DOMAIN_WIN32      /* native is a Win32 error code (GetLastError) */
} hl_domain;

/* Which of the two names a failure concerns. */
typedef enum hl_which {
    HL_PATH_NEITHER = 0,   /* both, or the call as a whole (cross-device, bad flags) */
    HL_PATH_SOURCE,        /* the existing file, second argument (the enum keeps link(2)'s words) */
    HL_PATH_DESTINATION    /* the new name, first argument */
} hl_which;

#define HL_MESSAGE_MAX 1024

typedef struct hl_error {
    hl_status status;
    hl_domain domain;
    long native;                   /* errno or Win32 code, see domain */
    hl_which which;                /* which name the failure concerns */
    const char *operation;         /* static string: "linkat", "openat2", "max_links", ... */
    char message[HL_MESSAGE_MAX];  /* operation, path and reason, one line, non-printable bytes escaped */
} hl_error;

/* hl_options.flags */
#define HL_FOLLOW  0x1u  /* an existing file that is a symlink is followed (AT_SYMLINK_FOLLOW);
                            default: the symlink itself is linked */
#define HL_BENEATH 0x2u  /* resolve both paths strictly beneath dirfd: absolute paths, ".." and
                            symlinks that would leave it fail with HL_ERR_ESCAPE */
#define HL_FLAGS_ALL (HL_FOLLOW | HL_BENEATH)

/* NTFS allows 1024 names per file, so CreateHardLink can create 1023 links
 * to a new file. Use as hl_options.max_links to get NTFS semantics anywhere. */
#define HL_NTFS_MAX_LINKS 1024u

typedef struct hl_options {
    unsigned flags;           /* HL_FOLLOW | HL_BENEATH */
    unsigned long max_links;  /* 0: the filesystem's own limit; N: refuse with HL_ERR_TOO_MANY_LINKS
                                 when the existing file already has N names (checked with one stat
                                 just before the link; best effort against concurrent linkers) */
} hl_options;

/*
 * Create the hard link NEW_NAME -> EXISTING (CreateHardLink order).
 * Paths relative to the current directory. err may be NULL.
 */
hl_status hl_create(const char *new_name, const char *existing, hl_error *err);

/*
 * As hl_create, relative paths resolved against dirfd (AT_FDCWD for the
 * current directory). opt may be NULL (no flags, no policy); err may be NULL.
 * On success costs one linkat(2), plus the resolution HL_BENEATH needs and one
 * stat when max_links is set.
 */
hl_status hl_create_at(int dirfd, const char *new_name, const char *existing,
                       const hl_options *opt, hl_error *err);

/*
 * On Windows (the Win32 backend, src/win32.c; built with mingw-w64):
 *
 * - Paths are UTF-8 and become UTF-16; invalid UTF-8 (overlong forms,
 *   surrogates, cut sequences) is HL_ERR_INVALID_ARGUMENT before anything
 *   touches the disk. '/' and '\' both separate.
 * - A path whose full form is MAX_PATH (260) or longer gets the \\?\ form
 *   (\\?\UNC\ for \\server\share), so long paths work without the caller's
 *   help; a path already in the \\?\ form is passed as it is.
 * - Names Windows would silently change are HL_ERR_INVALID_ARGUMENT (domain
 *   HL_DOMAIN_NONE, which = that name) before the call, so that what is on
 *   disk agrees with the status, for either path: a component ending in a dot
 *   or a space ("b.", "b ", "sub.\x": Windows strips them), a last component
 *   "." or ".." ("b\." would create "b"), and a reserved device name as the
 *   last component (CON, PRN, AUX, NUL, COM1-9, LPT1-9, CONIN$, CONOUT$, with
 *   or without an extension: Windows would open the device).
 * - The call is CreateHardLinkW(new_name, existing, NULL); hl_error.native is
 *   GetLastError (HL_DOMAIN_WIN32), classified by the shared Win32 table, then
 *   these looks: ERROR_ACCESS_DENIED with a directory as the existing file is
 *   HL_ERR_IS_DIRECTORY; ERROR_ACCESS_DENIED on a volume without hard links (a
 *   FAT name, or no FILE_SUPPORTS_HARD_LINKS) is HL_ERR_NOT_SUPPORTED (Wine
 *   answers 5 on FAT), else HL_ERR_ACCESS_DENIED; ERROR_INVALID_FUNCTION and
 *   ERROR_NOT_SUPPORTED are HL_ERR_NOT_SUPPORTED; ERROR_TOO_MANY_LINKS is
 *   HL_ERR_TOO_MANY_LINKS; a code the table does not know is HL_ERR_UNEXPECTED
 *   with the code kept. The volume's flag never refuses a link by itself.
 * - dirfd: -100 (Linux's AT_FDCWD) for the current directory, or a C runtime
 *   descriptor made with _open_osfhandle from a directory HANDLE (CreateFileW
 *   with FILE_FLAG_BACKUP_SEMANTICS); relative paths are joined to the path
 *   GetFinalPathNameByHandleW gives for it (a path, not a handle: not proof
 *   against the directory being renamed meanwhile).
 * - HL_BENEATH is not implemented: HL_ERR_NOT_SUPPORTED (HL_DOMAIN_NONE).
 * - HL_FOLLOW opens the existing file following symlinks and junctions, as
 *   CreateFileW does, and links the file it leads to; if that does not open,
 *   its error (a dangling symlink: HL_ERR_NOT_FOUND). Without it a symlink is
 *   linked itself, as CreateHardLinkW does.
 * - max_links reads nNumberOfLinks (GetFileInformationByHandle).
 * - hl_volume_probe: name is the filesystem name GetVolumeInformationW gives,
 *   in lower case ("ntfs", "fat32", "exfat", "refs"), fstype as given;
 *   mount_point the volume root (GetVolumePathNameW), source its
 *   \\?\Volume{GUID}\ name, device the volume serial number, magic 0;
 *   hardlinks 1 with FILE_SUPPORTS_HARD_LINKS, 0 without it, -1 when the name
 *   says NTFS but the flag is missing (Wine, on every drive) or when
 *   GetVolumeInformationW fails (Wine on loop-device and FUSE drives: name
 *   "unknown"); link_max 1024 for NTFS.
 */

/* "HL_ERR_CROSS_DEVICE"; "HL_STATUS_INVALID" for a value outside the enum. Never NULL.
 * Note: a new name with a trailing slash that does not exist ("n/") is
 * HL_ERR_PATH_NOT_FOUND: the slash makes it a directory, which is missing. */
const char *hl_status_name(hl_status s);
/* One human sentence. Never NULL. */
const char *hl_strerror(hl_status s);

/*
 * The error model: one table each way. hl_status_from_* gives the table's
 * answer (HL_ERR_UNEXPECTED for a code it does not know). hl_create may refine
 * that answer with a documented look at the existing file after the failure
 * (Linux EPERM: directory / no hard links / protected_hardlinks; ENOENT: the
 * existing file or a directory on the way; EXDEV during HL_BENEATH resolution:
 * escape; Win32 ACCESS_DENIED: the existing file is a directory); a
 * refinement or the name a failure concerns is only given when the look
 * confirms it, else the table's answer concerns HL_PATH_NEITHER;
 * hl_status_refines says whether a status is the table's answer or one of
 * those refinements.
 */
hl_status hl_status_from_errno(int errnum);
hl_status hl_status_from_win32(unsigned long code);
int hl_status_to_errno(hl_status s);             /* canonical errno; 0 for HL_OK and HL_ERR_UNEXPECTED */
unsigned long hl_status_to_win32(hl_status s);   /* canonical Win32 code; 0 for HL_OK and HL_ERR_UNEXPECTED */
int hl_status_refines(hl_domain domain, long native, hl_status s); /* 1 if native may produce s */
const char *hl_errno_name(int errnum);           /* "ENOENT"; "errno 34" style for unknown (static buffer per thread) */
const char *hl_win32_name(unsigned long code);   /* "ERROR_TOO_MANY_LINKS"; "Win32 N" style for unknown */

/* What libhl knows about the volume a path is on. */
typedef struct hl_volume {
    char name[64];               /* as a user knows it: ext4, xfs, btrfs, tmpfs, ntfs-3g, fusefat, exfat, fuse.<subtype> */
    char fstype[64];             /* the raw mount type: "ext4", "fuseblk", "fuse.sshfs" */
    char mount_point[4096];      /* where that volume is mounted ("" if unknown) */
    char source[256];            /* the mount source: "/dev/loop0p1", "tmpfs" ("" if unknown) */
    unsigned long long magic;    /* statfs f_type (0 where there is none) */
    unsigned long long device;   /* st_dev of the path */
    int hardlinks;               /* 1: supported, 0: not (FAT, exFAT), -1: unknown */
    int read_only;               /* 1 if mounted read-only */
    unsigned long long link_max; /* most names one file can have, from libhl's own table for the driver
                                    serving it (ext2/ext3 served by the ext4 driver: ext4's); an
                                    overlay gives its upper layer's hardlinks and link_max; 0: none known */
} hl_volume;

/* Fill *out for the volume holding path. glibc's pathconf(_PC_LINK_MAX) is not
 * used: it answers 127 for btrfs, tmpfs and every FUSE mount. */
hl_status hl_volume_probe(const char *path, hl_volume *out);

#ifdef __cplusplus
}
#endif
#endif /* HL_H */

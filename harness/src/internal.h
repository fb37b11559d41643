/* libhl internals shared by the front end (hl.c), the error model (status.c,
 * message.c), the filesystem table (fstable.c) and the backend (linux.c). */
#ifndef HL_INTERNAL_H
#define HL_INTERNAL_H

#include "hl.h"

/* Longest path libhl accepts, terminating NUL included (Linux PATH_MAX). */
#define HL_PATH_MAX 4096

struct hl_code_map {
    long code;
    hl_status status;
    const char *name;
};

struct hl_refinement {
    hl_domain domain;
    long native;
    hl_status status;
};

/* Terminated by an entry whose name is NULL. */
extern const struct hl_code_map hl__errno_table[];
extern const struct hl_code_map hl__win32_table[];
/* Terminated by an entry whose domain is HL_DOMAIN_NONE. */
extern const struct hl_refinement hl__refinements[];

/* message.c: fill err (if not NULL) and return s. path may be NULL. */
hl_status hl__fail(hl_error *err, hl_status s, hl_domain domain, long native, hl_which which,
                   const char *operation, const char *path);

/* fstable.c: what libhl's table says about a filesystem, by the name a user knows it. */
struct hl_fs_info {
    const char *name;
    int hardlinks;                /* 1, 0, -1 unknown */
    unsigned long long link_max;  /* 0: none known */
};
const struct hl_fs_info *hl__fs_lookup(const char *name);

/* The backend interface: these two functions are all of libhl that knows the platform.
 * src/linux.c implements them; a Win32 backend (src/win32.c) implements the same two. */
/* The dirfd meaning "the current directory" (Linux's AT_FDCWD). */
#define HL__CWD (-100)
/* Arguments are already checked by the front end (hl.c), except dirfd, which
 * only the platform can check. */
hl_status hl__backend_create(int dirfd, const char *new_name, const char *existing, unsigned flags,
                             unsigned long max_links, hl_error *err);
/* out is zeroed by the front end. */
hl_status hl__backend_probe(const char *path, hl_volume *out);

/* Linux backend only (linux.c), declared here for the unit tests and fuzz targets. */
/* statfs f_type -> name, for when the mount table cannot be read. NULL if unknown. */
const char *hl__fs_name_from_magic(unsigned long long magic);
/* 1 makes HL_BENEATH use the portable component walk instead of
 * openat2(RESOLVE_BENEATH), so both resolvers are tested on one kernel. */
void hl__posix_force_walk(int on);

#endif

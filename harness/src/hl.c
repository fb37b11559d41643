/*
 * The platform-free front: hl_create, hl_create_at and hl_volume_probe check
 * their arguments, then call the backend. Nothing here touches the disk.
 */
#include "internal.h"

#include <string.h>

static hl_status check_path(const char *p, hl_which which, hl_error *err)
{
    if (!p)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments", "(null)");
    if (!*p)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments", p);
    if (!memchr(p, '\0', HL_PATH_MAX)) /* strlen >= PATH_MAX, without reading past it */
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which,
                        "arguments (path of PATH_MAX bytes or more)", p);
    return HL_OK;
}

hl_status hl_create(const char *new_name, const char *existing, hl_error *err)
{
    return hl_create_at(HL__CWD, new_name, existing, NULL, err);
}

hl_status hl_create_at(int dirfd, const char *new_name, const char *existing, const hl_options *opt,
                       hl_error *err)
{
    hl_status s;
    if ((s = check_path(new_name, HL_PATH_DESTINATION, err)) != HL_OK ||
        (s = check_path(existing, HL_PATH_SOURCE, err)) != HL_OK)
        return s;
    unsigned flags = opt ? opt->flags : 0;
    if (flags & ~HL_FLAGS_ALL)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, HL_PATH_NEITHER,
                        "arguments (unknown flag bits)", NULL);
    s = hl__backend_create(dirfd, new_name, existing, flags, opt ? opt->max_links : 0, err);
    if (s == HL_OK && err) { /* no formatting on the success path */
        static const char done[] = "link: created";
        err->status = HL_OK;
        err->domain = HL_DOMAIN_NONE;
        err->native = 0;
        err->which = HL_PATH_NEITHER;
        err->operation = "link";
        memcpy(err->message, done, sizeof done);
    }
    return s;
}

hl_status hl_volume_probe(const char *path, hl_volume *out)
{
    if (!out || check_path(path, HL_PATH_NEITHER, NULL) != HL_OK)
        return HL_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof *out);
    return hl__backend_probe(path, out);
}

/*
 * The platform-free front: argument checks, then the backend. Nothing here
 * touches the disk.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *which_word(hl_which w)
{
    switch (w) {
    case HL_PATH_SOURCE: return "source ";
    case HL_PATH_DESTINATION: return "new name ";
    default: return "";
    }
}

/* Copy path into out as a quoted, printable string of bounded length. */
static void quote_path(char *out, size_t cap, const char *path)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0, len = strlen(path);
    const size_t keep = 200; /* long fuzz paths: head and tail are what a reader needs */
    out[n++] = '"';
    for (size_t i = 0; i < len && n + 8 < cap; i++) {
        if (len > 2 * keep && i == keep) {
            n += (size_t)snprintf(out + n, cap - n, "...(%zu bytes)...", len - 2 * keep);
            i = len - keep - 1;
            continue;
        }
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[c >> 4];
            out[n++] = hex[c & 15];
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
}

hl_status hl__fail(hl_error *err, hl_status s, hl_domain domain, long native, hl_which which,
                   const char *operation, const char *path)
{
    if (!err)
        return s;
    err->status = s;
    err->domain = domain;
    err->native = native;
    err->which = which;
    err->operation = operation;
    char quoted[600] = "";
    if (path)
        quote_path(quoted, sizeof quoted, path);
    const char *code = domain == HL_DOMAIN_ERRNO ? hl_errno_name((int)native)
                     : domain == HL_DOMAIN_WIN32 ? hl_win32_name((unsigned long)native)
                     : "no native error";
    snprintf(err->message, sizeof err->message, "%s: %s%s%s%s (%s, %s)", operation,
             which_word(which), quoted, path ? ": " : "", hl_strerror(s), hl_status_name(s), code);
    return s;
}

static hl_status check_path(const char *p, hl_which which, hl_error *err)
{
    if (!p)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments", "(null)");
    if (!*p)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which, "arguments", p);
    if (strnlen(p, HL_PATH_MAX) >= HL_PATH_MAX)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, which,
                        "arguments (path of PATH_MAX bytes or more)", p);
    return HL_OK;
}

hl_status hl_create_at(int dirfd, const char *dst, const char *src, const hl_options *opt,
                       hl_error *err)
{
    hl_status s;
    if ((s = check_path(dst, HL_PATH_DESTINATION, err)) != HL_OK ||
        (s = check_path(src, HL_PATH_SOURCE, err)) != HL_OK)
        return s;
    unsigned flags = opt ? opt->flags : 0;
    if (flags & ~HL_FLAGS_ALL)
        return hl__fail(err, HL_ERR_INVALID_ARGUMENT, HL_DOMAIN_NONE, 0, HL_PATH_NEITHER,
                        "arguments (unknown flag bits)", NULL);
    s = hl__backend_create(dirfd, dst, src, flags, opt ? opt->max_links : 0, err);
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

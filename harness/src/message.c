/*
 * The text of hl_error.message: the operation, which name, the path quoted
 * so that any byte sequence prints on one line, and the status. Platform-free.
 */
#include "internal.h"

#include <stdio.h>
#include <string.h>

static const char *which_word(hl_which w)
{
    switch (w) {
    case HL_PATH_SOURCE: return "existing ";
    case HL_PATH_DESTINATION: return "new name ";
    default: return "";
    }
}

static size_t escaped_width(unsigned char c)
{
    return c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ? 4 : 1;
}

static size_t put_escaped(char *o, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    if (escaped_width(c) == 1) {
        o[0] = (char)c;
        return 1;
    }
    o[0] = '\\';
    o[1] = 'x';
    o[2] = hex[c >> 4];
    o[3] = hex[c & 15];
    return 4;
}

/* Copy path into out (cap >= 600) as a quoted, printable string: bytes outside
 * printable ASCII become \xNN, and when that is long the middle is replaced by
 * a count of the bytes left out, so head and tail stay readable. */
static void quote_path(char *out, size_t cap, const char *path)
{
    const size_t part = (cap - 40) / 2; /* output bytes for the head, and for the tail */
    size_t len = strlen(path), head = 0, tail = len, used = 0, n = 0;
    while (head < len && used + escaped_width((unsigned char)path[head]) <= part)
        used += escaped_width((unsigned char)path[head++]);
    used = 0;
    while (tail > head && used + escaped_width((unsigned char)path[tail - 1]) <= part)
        used += escaped_width((unsigned char)path[--tail]);
    out[n++] = '"';
    for (size_t i = 0; i < head; i++)
        n += put_escaped(out + n, (unsigned char)path[i]);
    if (tail > head)
        n += (size_t)snprintf(out + n, cap - n, "...(%zu bytes)...", tail - head);
    for (size_t i = tail; i < len; i++)
        n += put_escaped(out + n, (unsigned char)path[i]);
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

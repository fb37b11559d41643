/* The environment every harness reads, and statuses as messages show them. */
#include "testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tk_strict(void)
{
    const char *s = getenv("HL_STRICT");
    return s && *s && strcmp(s, "0") != 0;
}

const char *tk_target(const char *alias, const char *fallback)
{
    const char *t = getenv("HL_TARGET");
    if (t && *t)
        return t;
    const char *a = alias ? getenv(alias) : NULL;
    if (a && *a) {
        static int noted;
        if (!noted++)
            fprintf(stderr, "note: %s is deprecated, set HL_TARGET=%s instead\n", alias, a);
        return a;
    }
    return fallback;
}

const char *tk_status_text(char buf[TK_STATUS_MAX], hl_status s)
{
    int e = hl_status_to_errno(s);
    if (e)
        snprintf(buf, TK_STATUS_MAX, "%s (%s)", hl_status_name(s), hl_errno_name(e));
    else
        snprintf(buf, TK_STATUS_MAX, "%s", hl_status_name(s));
    return buf;
}

const char *tk_got_text(char buf[TK_STATUS_MAX], hl_status s, const hl_error *e)
{
    if (s == HL_OK || !e || e->domain == HL_DOMAIN_NONE)
        snprintf(buf, TK_STATUS_MAX, "%s", hl_status_name(s));
    else if (e->domain == HL_DOMAIN_ERRNO)
        snprintf(buf, TK_STATUS_MAX, "%s (%s)", hl_status_name(s), hl_errno_name((int)e->native));
    else
        snprintf(buf, TK_STATUS_MAX, "%s (native code %ld)", hl_status_name(s), e->native);
    return buf;
}

const char *tk_which_text(hl_which w)
{
    return w == HL_PATH_SOURCE ? "the existing file" : w == HL_PATH_DESTINATION ? "the new name" : "neither name";
}

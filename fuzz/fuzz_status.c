/*
 * fuzz_status: the error model's tables. Every errno and Win32 code the input
 * names goes in and out of the mapping functions; round trips hold, names and
 * messages exist, and a message built around arbitrary path bytes stays
 * within hl_error.message. A violated rule prints it and traps.
 */
#include "internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void violated(const char *rule, long a, long b)
{
    fprintf(stderr, "fuzz_status: rule violated: %s (%ld, %ld)\n", rule, a, b);
    __builtin_trap();
}

static void check_status(hl_status s)
{
    const char *n = hl_status_name(s), *m = hl_strerror(s);
    if (!n || !*n || !m || !*m)
        violated("every status value, valid or not, has a name and a sentence", s, 0);
    if ((unsigned)s >= HL_STATUS_COUNT) {
        if (strcmp(n, "HL_STATUS_INVALID") != 0 || hl_status_to_errno(s) || hl_status_to_win32(s))
            violated("an invalid status is named HL_STATUS_INVALID and has no codes", s, 0);
        return;
    }
    if (s == HL_OK || s == HL_ERR_UNEXPECTED)
        return;
    int e = hl_status_to_errno(s);
    if (!hl_status_refines(HL_DOMAIN_ERRNO, e, s))
        violated("a status's canonical errno maps back to it", s, e);
    unsigned long w = hl_status_to_win32(s);
    if (s != HL_ERR_ESCAPE && !hl_status_refines(HL_DOMAIN_WIN32, (long)w, s))
        violated("a status's canonical Win32 code maps back to it", s, (long)w);
}

static void check_errno(int e)
{
    hl_status s = hl_status_from_errno(e);
    if ((unsigned)s >= HL_STATUS_COUNT || s == HL_OK)
        violated("an errno maps to a failure status", e, s);
    if (!hl_status_refines(HL_DOMAIN_ERRNO, e, s))
        violated("an errno refines to its own table answer", e, s);
    const char *n = hl_errno_name(e);
    if (!n || !*n)
        violated("every errno has a name", e, 0);
    /* known codes name themselves; unknown ones are UNEXPECTED, never a guess */
    int known = 0;
    for (const struct hl_code_map *m = hl__errno_table; m->name; m++)
        known |= m->code == e;
    if (known != (s != HL_ERR_UNEXPECTED))
        violated("an errno is UNEXPECTED exactly when the table does not know it", e, s);
    for (int t = 0; t < HL_STATUS_COUNT; t++)
        if (hl_status_refines(HL_DOMAIN_ERRNO, e, (hl_status)t) && (hl_status)t != s && t != HL_ERR_UNEXPECTED) {
            int documented = 0;
            for (const struct hl_refinement *r = hl__refinements; r->domain != HL_DOMAIN_NONE; r++)
                documented |= r->domain == HL_DOMAIN_ERRNO && r->native == e && r->status == (hl_status)t;
            if (!documented)
                violated("an errno refines only to its table answer or a documented refinement", e, t);
        }
}

static void check_win32(unsigned long c)
{
    hl_status s = hl_status_from_win32(c);
    if ((unsigned)s >= HL_STATUS_COUNT || s == HL_OK)
        violated("a Win32 code maps to a failure status", (long)c, s);
    if (!hl_status_refines(HL_DOMAIN_WIN32, (long)c, s))
        violated("a Win32 code refines to its own table answer", (long)c, s);
    const char *n = hl_win32_name(c);
    if (!n || !*n)
        violated("every Win32 code has a name", (long)c, 0);
}

/* The message of a failure naming arbitrary bytes: bounded, NUL-terminated,
 * naming the status. */
static void check_message(const uint8_t *d, size_t n, hl_status s, int which)
{
    char path[HL_PATH_MAX];
    size_t len = n < sizeof path - 1 ? n : sizeof path - 1;
    memcpy(path, d, len);
    path[len] = '\0';
    hl_error e;
    memset(&e, 0x5a, sizeof e);
    hl__fail(&e, s, HL_DOMAIN_ERRNO, ENOENT, (hl_which)(which % 3), "fuzz", path);
    size_t m = strnlen(e.message, sizeof e.message);
    if (m == 0 || m == sizeof e.message)
        violated("a message is non-empty and NUL-terminated within HL_MESSAGE_MAX", (long)m, (long)len);
    if (!strstr(e.message, hl_status_name(s)))
        violated("a message names its status", s, (long)len);
    if (e.status != s || e.native != ENOENT)
        violated("hl__fail records status and native code", e.status, e.native);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 5-byte records: a selector byte and a 32-bit value */
    for (size_t i = 0; i + 5 <= size && i < 5 * 64; i += 5) {
        uint32_t v;
        memcpy(&v, data + i + 1, 4);
        switch (data[i] % 4) {
        case 0: check_errno((int)v % 4096); break; /* the errno range is small: stay where codes live */
        case 1: check_errno((int)v); break;
        case 2: check_win32(v % 2048 ? v % 2048 : v); break;
        case 3: check_status((hl_status)(v % (HL_STATUS_COUNT + 3))); break;
        }
    }
    if (size > 0)
        check_message(data + 1, size - 1, (hl_status)(data[0] % HL_STATUS_COUNT), data[0] / HL_STATUS_COUNT);
    return 0;
}

/* Known divergences: the files in cases/known/, read by the conformance
 * cases and by fuzz_ops alike. */
#include "testkit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *tk_known_path(char buf[TK_PATH_MAX], const char *dir, const char *driver)
{
    const char *k = getenv("HL_KNOWN");
    if (k && *k)
        return k;
    if (!dir || !driver || !*driver)
        return NULL;
    int n = snprintf(buf, TK_PATH_MAX, "%s/%s.known", dir, driver);
    return n < TK_PATH_MAX && access(buf, R_OK) == 0 ? buf : NULL;
}

/* A bad line: the message names file and line, the list is given back. */
static tk_known *refuse(tk_known *k, FILE *f, char *line, char err[TK_KNOWN_ERR_MAX], const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static tk_known *refuse(tk_known *k, FILE *f, char *line, char err[TK_KNOWN_ERR_MAX], const char *fmt, ...)
{
    char what[TK_MSG_MAX];
    TK_FORMAT(what, fmt);
    snprintf(err, TK_KNOWN_ERR_MAX, "%s:%zu: %s", k->file, k->lines, what);
    free(line);
    fclose(f);
    tk_known_free(k);
    return NULL;
}

tk_known *tk_known_load(const char *path, char err[TK_KNOWN_ERR_MAX])
{
    tk_known *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, TK_KNOWN_ERR_MAX, "%s: %s", path, strerror(errno));
        return NULL;
    }
    snprintf(k->file, sizeof k->file, "%s", path);
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(err, TK_KNOWN_ERR_MAX, "%s: %s", path, strerror(errno));
        tk_known_free(k);
        return NULL;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        k->lines++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        size_t n = strcspn(p, " \t");
        if (n >= TK_KNOWN_NAME_MAX)
            return refuse(k, f, line, err, "a name of at most %d bytes expected, this one has %zu: %.40s...",
                          TK_KNOWN_NAME_MAX - 1, n, p);
        char *reason = p + n + strspn(p + n, " \t");
        size_t rn = strlen(reason);
        while (rn && (reason[rn - 1] == ' ' || reason[rn - 1] == '\t'))
            reason[--rn] = '\0';
        if (!*reason)
            return refuse(k, f, line, err, "\"%.*s\" has no reason: \"name reason\" expected", (int)n, p);
        p[n] = '\0';
        for (size_t i = 0; i < k->n; i++)
            if (strcmp(k->e[i].name, p) == 0)
                return refuse(k, f, line, err, "%s is listed already, on line %zu", p, k->e[i].line);
        if (k->n == k->cap) {
            size_t c = k->cap ? 2 * k->cap : 16;
            tk_known_entry *e = realloc(k->e, c * sizeof *e);
            if (!e)
                return refuse(k, f, line, err, "%s", strerror(errno));
            k->e = e;
            k->cap = c;
        }
        tk_known_entry *e = &k->e[k->n];
        memset(e, 0, sizeof *e);
        e->reason = strdup(reason);
        if (!e->reason)
            return refuse(k, f, line, err, "%s", strerror(errno));
        memcpy(e->name, p, n + 1);
        e->line = k->lines;
        k->n++;
    }
    int rerr = ferror(f) ? errno : 0;
    free(line);
    fclose(f);
    if (rerr) {
        snprintf(err, TK_KNOWN_ERR_MAX, "%s: %s", path, strerror(rerr));
        tk_known_free(k);
        return NULL;
    }
    return k;
}

tk_known_entry *tk_known_hit(tk_known *k, const char *name)
{
    for (size_t i = 0; k && i < k->n; i++)
        if (strcmp(k->e[i].name, name) == 0) {
            k->e[i].hits++;
            return &k->e[i];
        }
    return NULL;
}

const char *tk_known_reason(tk_known *k, const char *name)
{
    tk_known_entry *e = tk_known_hit(k, name);
    return e ? e->reason : NULL;
}

void tk_known_free(tk_known *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        free(k->e[i].reason);
    free(k->e);
    free(k);
}

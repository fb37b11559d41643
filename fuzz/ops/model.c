/* fuzz_ops' model: a tree of directory entries over inodes, with link
 * counts, contents and open descriptors (see ops.h). */
#include "ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void model_reset(struct model *m)
{
    m->ninodes = m->ndents = 0;
    model_new_inode(m, T_DIR); /* the sandbox itself, inode 0 */
}

int model_new_inode(struct model *m, int type)
{
    int i = m->ninodes++;
    memset(&m->inode[i], 0, sizeof m->inode[i]);
    m->inode[i].type = type;
    return i;
}

void model_add_name(struct model *m, int dir, const char *name, int ino)
{
    struct dent *d = &m->dent[m->ndents++];
    d->live = 1;
    d->parent = dir;
    d->ino = ino;
    snprintf(d->name, sizeof d->name, "%s", name);
    if (m->inode[ino].type == T_REG)
        m->inode[ino].nlink++;
}

int model_lookup(const struct model *m, int dir, const char *name)
{
    for (int d = 0; d < m->ndents; d++)
        if (m->dent[d].live && m->dent[d].parent == dir && strcmp(m->dent[d].name, name) == 0)
            return d;
    return -1;
}

int model_dent_of_dir(const struct model *m, int ino)
{
    for (int d = 0; d < m->ndents; d++)
        if (m->dent[d].live && m->dent[d].ino == ino)
            return d;
    return -1;
}

static int parent_of_dir(const struct model *m, int ino)
{
    return ino == 0 ? -1 : m->dent[model_dent_of_dir(m, ino)].parent;
}

int model_inside(const struct model *m, int x, int anc)
{
    for (; x >= 0; x = parent_of_dir(m, x))
        if (x == anc)
            return 1;
    return 0;
}

int model_children(const struct model *m, int dir, int dirs_only)
{
    int n = 0;
    for (int d = 0; d < m->ndents; d++)
        if (m->dent[d].live && m->dent[d].parent == dir && (!dirs_only || m->inode[m->dent[d].ino].type == T_DIR))
            n++;
    return n;
}

void model_path_of(const struct model *m, int d, char *buf, size_t cap)
{
    if (m->dent[d].parent == 0) {
        snprintf(buf, cap, "%s", m->dent[d].name);
        return;
    }
    model_path_of(m, model_dent_of_dir(m, m->dent[d].parent), buf, cap);
    size_t n = strlen(buf);
    snprintf(buf + n, cap - n, "/%s", m->dent[d].name);
}

int model_resolve(const struct model *m, const char *path, int *dir, int *d, const char **base)
{
    int cur = 0;
    const char *p = path, *slash;
    while ((slash = strchr(p, '/'))) {
        char comp[8];
        snprintf(comp, sizeof comp, "%.*s", (int)(slash - p), p);
        int e = model_lookup(m, cur, comp);
        if (e < 0)
            return ENOENT;
        if (m->inode[m->dent[e].ino].type != T_DIR)
            return ENOTDIR;
        cur = m->dent[e].ino;
        p = slash + 1;
    }
    *dir = cur;
    *base = p;
    *d = model_lookup(m, cur, p);
    return 0;
}

void model_drop_name(struct model *m, int d)
{
    struct inode *i = &m->inode[m->dent[d].ino];
    m->dent[d].live = 0;
    if (i->type == T_DIR) {
        i->type = T_FREE;
        return;
    }
    i->nlink--;
    if (m->fuse_hide && i->opens) {
        i->hid_dir[i->hidden++] = m->dent[d].parent;
        m->inode[m->dent[d].parent].maybe_hidden++;
    }
    if (i->nlink == 0 && !i->opens)
        i->type = T_FREE;
}

static void forget_hidden(struct model *m, struct inode *i)
{
    for (int h = 0; h < i->hidden; h++) /* libfuse removes the hidden names at release */
        m->inode[i->hid_dir[h]].maybe_hidden--;
    i->hidden = 0;
    if (i->nlink == 0)
        i->type = T_FREE;
}

void model_slot_closed(struct model *m, int s, int async)
{
    struct inode *i = &m->inode[m->slot[s].ino];
    m->slot[s].fd = -1;
    if (--i->opens || async)
        return;
    forget_hidden(m, i);
}

void model_forget_hidden(struct model *m)
{
    for (int i = 0; i < m->ninodes; i++)
        if (m->inode[i].type == T_REG && m->inode[i].hidden && !m->inode[i].opens)
            forget_hidden(m, &m->inode[i]);
}

int model_dir_nlink(const struct model *m, int dir) { return m->dir_nlink_one ? 1 : 2 + model_children(m, dir, 1); }

void content_gen(unsigned char *buf, unsigned len, unsigned seed)
{
    for (unsigned i = 0; i < len; i++)
        buf[i] = (unsigned char)(seed * 0x3d + i * 0x9d + (i >> 8) * 7 + (seed >> 8));
}

unsigned content_len(int c) { return c & 0x80 ? (unsigned)((c & 0x1f) + 1) * 509 : (unsigned)(c & 0x1f); }
unsigned content_seed(int step, int c) { return (unsigned)(step * 4 + ((c >> 5) & 3) + 1); }

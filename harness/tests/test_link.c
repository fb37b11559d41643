/*
 * hl_create on real files and directories: success, and each failure's
 * status, native errno, the name it concerns, and that nothing changed.
 * ctest runs this binary on the root filesystem (/tmp) and on tmpfs (/dev/shm).
 */
#include "common.h"

TestSuite(link, .init = hlt_setup, .fini = hlt_teardown);

/* hl_create_at relative to the work directory. */
static hl_status mk(const char *dst, const char *src, unsigned flags, hl_error *e)
{
    hl_options o = {flags, 0};
    return hl_create_at(hlt_dfd, dst, src, &o, e);
}

/* A failed call: this status, this errno, this name, and the tree unchanged. */
static void expect_failure(const char *new_name, const char *existing, unsigned flags, hl_status want, int native,
                           hl_which which)
{
    hl_options o = {flags, 0};
    hlt_expect_failure(hlt_dfd, new_name, existing, &o, want, native, which);
}

Test(link, success_same_inode_nlink_and_data)
{
    hlt_write("src", "hello");
    hl_error e;
    HLT_STATUS(hl_create_at(hlt_dfd, "dst", "src", NULL, &e), HL_OK, &e);
    struct stat a = hlt_lstat("src"), b = hlt_lstat("dst");
    cr_assert(a.st_dev == b.st_dev && a.st_ino == b.st_ino, "dst is inode %llu, src %llu",
              (unsigned long long)b.st_ino, (unsigned long long)a.st_ino);
    cr_assert_eq(a.st_nlink, 2, "nlink %llu, expected 2", (unsigned long long)a.st_nlink);
    char buf[16] = "";
    int fd = openat(hlt_dfd, "dst", O_RDONLY);
    cr_assert(fd >= 0 && read(fd, buf, sizeof buf - 1) == 5 && strcmp(buf, "hello") == 0,
              "data through the new name: \"%s\"", buf);
    close(fd);
    cr_assert_eq(e.status, HL_OK);
    cr_assert_eq(e.native, 0);
}

Test(link, hl_create_uses_cwd_and_createhardlink_order)
{
    cr_assert_eq(fchdir(hlt_dfd), 0);
    hlt_touch("existing");
    hl_error e;
    HLT_STATUS(hl_create("new", "existing", &e), HL_OK, &e);
    cr_assert_eq(hlt_lstat("new").st_ino, hlt_lstat("existing").st_ino);
    /* and the reverse order is refused: "existing" is taken */
    HLT_STATUS(hl_create("existing", "new", &e), HL_ERR_EXISTS, &e);
    cr_assert_eq(hl_create("n2", "existing", NULL), HL_OK, "err may be NULL");
}

Test(link, existing_destination_of_every_kind)
{
    hlt_touch("src");
    hlt_touch("file");
    hlt_mkdir("dir");
    hlt_symlink("src", "symlink");
    hlt_symlink("nowhere", "dangling");
    cr_assert_eq(mkfifoat(hlt_dfd, "fifo", 0644), 0);
    const char *taken[] = {"file", "dir", "symlink", "dangling", "fifo", "src", "dir/..", "."};
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++)
        expect_failure(taken[i], "src", 0, HL_ERR_EXISTS, EEXIST, HL_PATH_DESTINATION);
}

Test(link, directory_source_is_is_directory)
{
    hlt_mkdir("dir");
    hlt_symlink("dir", "to_dir");
    expect_failure("n1", "dir", 0, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
    expect_failure("n2", ".", 0, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
    expect_failure("n3", "dir/..", 0, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
    expect_failure("n4", "to_dir", HL_FOLLOW, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
    expect_failure("n5", "dir/", 0, HL_ERR_IS_DIRECTORY, EPERM, HL_PATH_SOURCE);
    /* without HL_FOLLOW a symlink to a directory is linked itself, as linkat does */
    hl_error e;
    HLT_STATUS(mk("n6", "to_dir", 0, &e), HL_OK, &e);
    cr_assert_eq(hlt_lstat("n6").st_ino, hlt_lstat("to_dir").st_ino);
    cr_assert(S_ISLNK(hlt_lstat("n6").st_mode));
}

Test(link, symlink_source_follow_or_not)
{
    hlt_touch("target");
    hlt_symlink("target", "sl");
    hl_error e;
    HLT_STATUS(mk("nofollow", "sl", 0, &e), HL_OK, &e);
    cr_assert_eq(hlt_lstat("nofollow").st_ino, hlt_lstat("sl").st_ino, "without HL_FOLLOW: the symlink itself");
    HLT_STATUS(mk("follow", "sl", HL_FOLLOW, &e), HL_OK, &e);
    cr_assert_eq(hlt_lstat("follow").st_ino, hlt_lstat("target").st_ino, "with HL_FOLLOW: its target");
    cr_assert_eq(hlt_lstat("target").st_nlink, 2);
    hlt_symlink("missing", "dangling");
    expect_failure("n", "dangling", HL_FOLLOW, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
}

Test(link, missing_source_or_directory_on_the_way)
{
    hlt_touch("src");
    hlt_mkdir("d");
    expect_failure("n1", "missing", 0, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
    expect_failure("n2", "d/missing", 0, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
    expect_failure("n3", "nodir/src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
    expect_failure("nodir/n4", "src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_DESTINATION);
    expect_failure("d/nodir/n5", "src", 0, HL_ERR_PATH_NOT_FOUND, ENOENT, HL_PATH_DESTINATION);
    /* both wrong: Linux resolves the source first */
    expect_failure("nodir/n6", "missing", 0, HL_ERR_NOT_FOUND, ENOENT, HL_PATH_SOURCE);
}

Test(link, file_used_as_directory_on_either_side)
{
    hlt_touch("src");
    hlt_touch("file");
    expect_failure("n1", "file/src", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HL_PATH_SOURCE);
    expect_failure("file/n2", "src", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HL_PATH_DESTINATION);
    expect_failure("n3", "src/", 0, HL_ERR_NOT_DIRECTORY, ENOTDIR, HL_PATH_SOURCE);
}

Test(link, symlink_loop)
{
    hlt_touch("src");
    hlt_symlink("loop_b", "loop_a");
    hlt_symlink("loop_a", "loop_b");
    expect_failure("n1", "loop_a", HL_FOLLOW, HL_ERR_LOOP, ELOOP, HL_PATH_SOURCE);
    expect_failure("loop_a/n2", "src", 0, HL_ERR_LOOP, ELOOP, HL_PATH_DESTINATION);
    expect_failure("n3", "loop_a/x", 0, HL_ERR_LOOP, ELOOP, HL_PATH_SOURCE);
}

Test(link, name_too_long)
{
    hlt_touch("src");
    char name[300];
    memset(name, 'a', 255);
    name[255] = '\0';
    hl_error e;
    HLT_STATUS(mk(name, "src", 0, &e), HL_OK, &e); /* 255 bytes: allowed */
    memset(name, 'b', 256);
    name[256] = '\0';
    expect_failure(name, "src", 0, HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, HL_PATH_DESTINATION);
    expect_failure("n", name, 0, HL_ERR_NAME_TOO_LONG, ENAMETOOLONG, HL_PATH_SOURCE);
}

/* /dev/shm (tmpfs) against the work directory, or /tmp when the work
 * directory is on tmpfs: different volumes. */
Test(link, cross_device)
{
    hlt_touch("src");
    const char *other = strncmp(hlt_dir, "/dev/shm/", 9) == 0 ? "/tmp" : "/dev/shm";
    struct stat a, b;
    cr_assert_eq(stat(other, &b), 0);
    cr_assert_eq(fstat(hlt_dfd, &a), 0);
    if (a.st_dev == b.st_dev)
        HLT_SKIP("%s and %s are on the same volume here", hlt_dir, other);
    char far[4200], src[4200];
    snprintf(far, sizeof far, "%s/hlt-xdev-%d", other, (int)getpid());
    snprintf(src, sizeof src, "%s/src", hlt_dir);
    hl_error e;
    hl_status s = hl_create(far, src, &e);
    int leaked = access(far, F_OK) == 0;
    if (leaked)
        unlink(far);
    HLT_STATUS(s, HL_ERR_CROSS_DEVICE, &e);
    cr_assert(!leaked, "cross_device: expected HL_ERR_CROSS_DEVICE and nothing created, but %s exists", far);
    cr_assert_eq(e.native, EXDEV);
    cr_assert_eq(hlt_lstat("src").st_nlink, 1);
}

Test(link, open_file_without_a_name_is_not_found)
{
    int fd = openat(hlt_dfd, "gone", O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    cr_assert(fd >= 0);
    cr_assert_eq(unlinkat(hlt_dfd, "gone", 0), 0);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    hl_error e;
    hl_options follow = {HL_FOLLOW, 0};
    HLT_STATUS(hl_create_at(hlt_dfd, "again", proc, &follow, &e), HL_ERR_NOT_FOUND, &e);
    cr_assert_eq(e.native, ENOENT);
    cr_assert(!hlt_exists("again"));
    /* the new name's missing directory is looked up first (found by fuzz_ops) */
    HLT_STATUS(hl_create_at(hlt_dfd, "nodir/again", proc, &follow, &e), HL_ERR_PATH_NOT_FOUND, &e);
    cr_assert_eq(e.which, HL_PATH_DESTINATION, "%s", e.message);
    close(fd);
}

/* The failure message names the operation, the path and the reason. */
Test(link, message_names_operation_path_and_reason)
{
    hl_error e;
    mk("n", "no_such_source", 0, &e);
    cr_assert(strstr(e.message, "linkat") && strstr(e.message, "\"no_such_source\"") &&
                  strstr(e.message, "ENOENT") && strstr(e.message, "HL_ERR_NOT_FOUND"),
              "message: %s", e.message);
    mk("n", "bad\001\xff", 0, &e);
    cr_assert(strstr(e.message, "\"bad\\x01\\xff\""), "non-printable bytes escaped: %s", e.message);
}

/* A long path of bytes that all need escaping still gives a bounded message
 * (found by fuzzing: the cut marker once ran past the buffer). */
Test(link, message_of_a_long_unprintable_path_is_bounded)
{
    static char path[4000];
    for (size_t len = 390; len < sizeof path; len += 401) {
        memset(path, 0xff, len);
        path[len] = '\0';
        hl_error e;
        hl_status s = mk("n", path, 0, &e);
        cr_assert_neq(s, HL_OK);
        size_t n = strnlen(e.message, sizeof e.message);
        cr_assert(n > 0 && n < sizeof e.message, "message length %zu", n);
        cr_assert(strstr(e.message, "\\xff"), "%s", e.message);
        if (len > 400)
            cr_assert(strstr(e.message, "bytes)..."), "long path not cut: %s", e.message);
    }
}

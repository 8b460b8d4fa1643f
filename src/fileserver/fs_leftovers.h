/* Temporary upload files left behind by a crash.
 *
 * A PUT spools into ".oscore-fs-upload-" followed by 16 lower-case hex
 * digits in the target's directory (fs_put.c) and renames it at the end;
 * after SIGKILL or a power cut the file stays. At start, with --write,
 * the directories the server may write are swept for exactly those names:
 * the whole tree without --access, else the subtrees of the rules that
 * grant "w" to anyone. Symbolic links are never followed (a link to a
 * directory is not entered, one named like ours is not removed), only
 * regular files are removed, hidden directories are entered only with
 * --hidden (the server cannot write there otherwise), and the depth is
 * bounded. */
#ifndef FS_LEFTOVERS_H
#define FS_LEFTOVERS_H

#include <stdbool.h>
#include <stddef.h>
#include "fs_path.h"

#define FS_UPLOAD_TMP_PREFIX ".oscore-fs-upload-"
#define FS_UPLOAD_TMP_HEX 16
/* Directories below a swept one that are entered at most. */
#define FS_LEFTOVERS_MAX_DEPTH 64

/* Is |name| one of our temporary upload names? */
bool fs_leftovers_is_tmp_name(const char *name);

/* Remove our temporary files in the directory at |rel| beneath |root| and
 * below it; returns how many were removed. A |rel| that holds a link, or
 * is not a directory, is skipped. */
size_t fs_leftovers_sweep(const fs_root *root, const char *rel);

#endif

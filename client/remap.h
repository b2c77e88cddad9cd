/*
 * remap: turns the path Globus gives the stage app (an NFS client path)
 * into the path the daemon sees on the GPFS server, from the mount table
 * (/proc/mounts) or an autofs map file.
 *
 * No globals, no locks; every call reads its files afresh.  Error
 * contract: 0 on success, -1 with a sentence naming the path or the file
 * and line in ERR.
 */
#ifndef REMAP_H
#define REMAP_H

#include <stddef.h>

#define REMAP_MOUNTS	"/proc/mounts"

struct remap_conf {
	const char	*mounts;	/* mount table; REMAP_MOUNTS */
	const char	*autofs;	/* autofs map file, or NULL */
	int		 depth;		/* parts of mount root; -1 */
};

/*
 * Writes the absolute path IN to OUT with empty ("//") and "."
 * components dropped and no trailing slash.  A relative path or a ".."
 * component is an error, as is an OUT too small.  Returns 0 or -1.
 */
int	remap_normalise(const char *in, char *out, size_t outlen, char *err,
	    size_t errlen);

/*
 * Maps PATH to the server's path in OUT (OUTLEN bytes) as RC says: with
 * a depth, the first RC->depth parts of PATH (the root counts as one) are
 * the mount root, found in the autofs map by its last component, or else
 * as a mount point in the mount table; without a depth, the longest mount
 * point that is a whole-component prefix of PATH.  The rest of PATH is
 * appended to the server path of that mount.  Returns 0, or -1 when no
 * mapping is found or a file cannot be read (never the unmapped path).
 */
int	remap_path(const struct remap_conf *rc, const char *path, char *out,
	    size_t outlen, char *err, size_t errlen);

#endif

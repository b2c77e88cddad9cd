/*
 * model: the simulator's tape model, pure arithmetic with no state.
 *
 * A drive serves one tape at a time.  For a tape it mounts (mount_s),
 * locates to each wanted file in position order (seek time proportional
 * to the distance from the head), reads it (size over the read rate; the
 * head ends after the file), rewinds to the start (a seek back to 0) and
 * unmounts (unmount_s).  Tapes of one library are spread over its drives
 * longest first, each onto the drive that frees first (LPT); the library
 * time is the makespan.  The same two functions give a recall run's time
 * and the physical limit (all recalled files, each tape once), so one
 * run holding every file costs exactly the limit.
 *
 * XXX: drives start empty and end empty in every run (no tape stays
 * mounted between runs), which overcharges back-to-back small recalls
 * of one tape compared with LTFS EE, which may leave it mounted.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>

struct sim_params {
	double	mount_s;	/* fetch, load and thread a tape */
	double	unmount_s;	/* unload and put back, after the rewind */
	double	seek_s_per_gb;	/* locate: seconds per 1e9 bytes of tape */
	double	read_mb_s;	/* streaming read: 1e6 bytes per second */
};

/* Defaults in the range of an LTO-8 drive in a robot library. */
#define SIM_DEFAULT_MOUNT_S	40.0
#define SIM_DEFAULT_UNMOUNT_S	30.0
#define SIM_DEFAULT_SEEK_S_GB	0.01
#define SIM_DEFAULT_READ_MB_S	300.0

/* A file on a tape: its first byte's offset from the start and its size. */
struct sim_extent {
	uint64_t	pos;
	uint64_t	size;
};

/* Seconds to move the head between two offsets. */
double	sim_model_seek_s(const struct sim_params *, uint64_t from,
	    uint64_t to);

/*
 * Seconds one drive spends on one tape: mount, the files of EXT[0..N)
 * in position order (EXT is sorted in place), rewind, unmount.  N == 0
 * costs nothing (no mount).
 */
double	sim_model_tape_s(const struct sim_params *, struct sim_extent *ext,
	    size_t n);

/*
 * Spreads jobs of JOB_S[0..N) seconds over DRIVES (> 0) drives, longest
 * first, each onto the drive that frees first (lowest index on a tie).
 * Returns the makespan, or -1 when DRIVES is 0 or memory runs out.
 * DRIVE_OF, when not NULL, receives each job's drive.
 */
double	sim_model_schedule(const double *job_s, size_t n, unsigned drives,
	    unsigned *drive_of);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_TIME_NAMESPACE_H
#define _LINUX_TIME_NAMESPACE_H

#include <linux/jump_label.h>
#include <linux/ktime.h>
#include <linux/ns_common.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/time64.h>
#include <linux/timens_offsets.h>

struct user_namespace;
struct seq_file;
struct file;
struct mm_struct;

/*
 * A time namespace shifts CLOCK_MONOTONIC (with _RAW and _COARSE) and
 * CLOCK_BOOTTIME (with _ALARM), and with CONFIG_TIME_NS_REALTIME
 * CLOCK_REALTIME (with _COARSE and _ALARM) and CLOCK_TAI, by a fixed
 * offset. Its tasks see host time + offset; absolute times they hand to
 * the kernel are converted back to host time. The offsets can be changed
 * until the first task enters the namespace and are fixed from then on,
 * so no task ever sees its clocks jump.
 */
struct time_namespace {
	struct ns_common	ns;
	struct user_namespace	*user_ns;
	struct ucounts		*ucounts;
	struct timens_offsets	offsets;
	struct page		*offsets_page;	/* struct timens_vdso_offsets */
	bool			entered;	/* a task is or was inside: offsets fixed */
	bool			shifted;	/* an offset is not zero; set with ->entered */
};

extern struct time_namespace init_time_ns;

#ifdef CONFIG_TIME_NS

/*
 * Off until the first namespace is created: until then a host that does
 * not use time namespaces pays a NOP on the clock and timer paths.
 */
DECLARE_STATIC_KEY_FALSE(time_ns_in_use);

static inline struct time_namespace *get_time_ns(struct time_namespace *ns)
{
	refcount_inc(&ns->ns.count);
	return ns;
}

void free_time_ns(struct time_namespace *ns);

static inline void put_time_ns(struct time_namespace *ns)
{
	if (refcount_dec_and_test(&ns->ns.count))
		free_time_ns(ns);
}

int copy_time_ns(unsigned long flags, struct user_namespace *user_ns,
		 struct nsproxy *old, struct nsproxy *new);
void put_time_ns_of(struct nsproxy *nsproxy);
void time_ns_on_fork(struct nsproxy *nsproxy, struct task_struct *tsk);
void time_ns_on_setns(struct task_struct *tsk, struct time_namespace *ns);

/*
 * True while @nsproxy's task has unshared a time namespace it has not
 * entered: its children and its next exec go there, it stays here.
 */
static inline bool time_ns_switch_pending(const struct nsproxy *nsproxy)
{
	return nsproxy->time_ns != nsproxy->time_ns_for_children;
}

int proc_time_ns_show_offsets(struct seq_file *m, struct task_struct *task);
ssize_t proc_time_ns_write_offsets(struct file *file, struct task_struct *task,
				   char *buf, size_t count);

/*
 * Provided by the arch: @mm's task moved to @ns, make its vDSO show
 * @ns's clocks. Without ARCH_HAS_VDSO_TIME_NS (COMPILE_TEST) it does
 * nothing and the vDSO shows the host's.
 */
void vdso_time_ns_changed(struct mm_struct *mm, struct time_namespace *ns);

/*
 * The namespace of current, when it shifts a clock. One whose offsets
 * were all zero when it was entered shows the host's clocks for good,
 * like the initial one: its tasks take the host's paths.
 */
static __always_inline struct time_namespace *current_time_ns(void)
{
	struct time_namespace *ns;

	if (!static_branch_unlikely(&time_ns_in_use))
		return NULL;
	ns = current->nsproxy->time_ns;
	/* The host's tasks test the pointer only: no load of init_time_ns. */
	if (ns == &init_time_ns || !ns->shifted)
		return NULL;
	return ns;
}

static inline const struct timespec64 *time_ns_offset(struct time_namespace *ns,
						      clockid_t clock)
{
	switch (clock) {
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
		return &ns->offsets.monotonic;
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return &ns->offsets.boottime;
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	/* TAI moves with REALTIME: TAI - REALTIME stays the kernel's. */
	case CLOCK_TAI:
		if (IS_ENABLED(CONFIG_TIME_NS_REALTIME))
			return &ns->offsets.realtime;
		return NULL;
	default:
		return NULL;
	}
}

/* Host time of @clock in @ts -> the time current's namespace shows. */
static __always_inline void time_ns_to_ns(clockid_t clock, struct timespec64 *ts)
{
	struct time_namespace *ns = current_time_ns();
	const struct timespec64 *off;

	if (!ns)
		return;
	off = time_ns_offset(ns, clock);
	if (off)
		*ts = timespec64_add(*ts, *off);
}

/*
 * The same for a host time in nanoseconds, e.g. a task's start time; one
 * from before the namespace's zero shows as zero.
 */
static inline u64 time_ns_to_ns_nsec(clockid_t clock, u64 nsec)
{
	struct time_namespace *ns = current_time_ns();
	const struct timespec64 *off;
	ktime_t t;

	if (!ns)
		return nsec;
	off = time_ns_offset(ns, clock);
	if (!off)
		return nsec;
	/* ktime_add_safe() would saturate a negative sum to KTIME_MAX. */
	t = (ktime_t)nsec + timespec64_to_ktime(*off);
	return t < 0 ? 0 : t;
}

ktime_t __time_ns_to_host(struct time_namespace *ns, clockid_t clock,
			  ktime_t tim);

/*
 * An absolute time of @clock in current's namespace -> host time. A time
 * before the namespace's zero lies in the host's past: it has expired.
 */
static __always_inline ktime_t time_ns_to_host(clockid_t clock, ktime_t tim)
{
	struct time_namespace *ns = current_time_ns();

	return ns ? __time_ns_to_host(ns, clock, tim) : tim;
}

/*
 * For a conversion made later by another task (io_uring): current's
 * namespace, referenced, or NULL where current_time_ns() is NULL.
 */
static inline struct time_namespace *time_ns_get_current(void)
{
	struct time_namespace *ns = current_time_ns();

	return ns ? get_time_ns(ns) : NULL;
}

static inline void time_ns_put_ref(struct time_namespace *ns)
{
	if (ns)
		put_time_ns(ns);
}

/* time_ns_to_host() in @ns, from time_ns_get_current(). */
static inline ktime_t time_ns_to_host_in(struct time_namespace *ns,
					 clockid_t clock, ktime_t tim)
{
	return ns ? __time_ns_to_host(ns, clock, tim) : tim;
}

/* The boot instant (wall clock) as current's namespace sees it. */
static inline void time_ns_boot_instant(struct timespec64 *boot)
{
	struct time_namespace *ns = current_time_ns();

	if (!ns)
		return;
	*boot = timespec64_sub(*boot, ns->offsets.boottime);
	if (IS_ENABLED(CONFIG_TIME_NS_REALTIME))
		*boot = timespec64_add(*boot, ns->offsets.realtime);
}

/*
 * time_ns_to_ns() and time_ns_to_host() for the clocks that only
 * TIME_NS_REALTIME shifts: without it they compile to nothing, and the
 * paths of those clocks are exactly upstream's.
 */
static __always_inline void time_ns_real_to_ns(clockid_t clock,
					       struct timespec64 *ts)
{
	if (IS_ENABLED(CONFIG_TIME_NS_REALTIME))
		time_ns_to_ns(clock, ts);
}

static __always_inline ktime_t time_ns_real_to_host(clockid_t clock,
						    ktime_t tim)
{
	return IS_ENABLED(CONFIG_TIME_NS_REALTIME) ?
	       time_ns_to_host(clock, tim) : tim;
}

/*
 * current's namespace shows a wall clock of its own: it may not set the
 * host's, whose time it does not see.
 */
static __always_inline bool time_ns_real_shifted(void)
{
	struct time_namespace *ns;

	if (!IS_ENABLED(CONFIG_TIME_NS_REALTIME))
		return false;
	ns = current_time_ns();
	return ns && (ns->offsets.realtime.tv_sec ||
		      ns->offsets.realtime.tv_nsec);
}

#else /* !CONFIG_TIME_NS */

static inline int copy_time_ns(unsigned long flags,
			       struct user_namespace *user_ns,
			       struct nsproxy *old, struct nsproxy *new)
{
	return flags & CLONE_NEWTIME ? -EINVAL : 0;
}

static inline void put_time_ns_of(struct nsproxy *nsproxy)
{
}

static inline bool time_ns_switch_pending(const struct nsproxy *nsproxy)
{
	return false;
}

static inline void time_ns_on_fork(struct nsproxy *nsproxy,
				   struct task_struct *tsk)
{
}

static inline void time_ns_to_ns(clockid_t clock, struct timespec64 *ts)
{
}

static inline u64 time_ns_to_ns_nsec(clockid_t clock, u64 nsec)
{
	return nsec;
}

static inline ktime_t time_ns_to_host(clockid_t clock, ktime_t tim)
{
	return tim;
}

static inline void time_ns_boot_instant(struct timespec64 *boot)
{
}

static inline void time_ns_real_to_ns(clockid_t clock, struct timespec64 *ts)
{
}

static inline ktime_t time_ns_real_to_host(clockid_t clock, ktime_t tim)
{
	return tim;
}

static inline bool time_ns_real_shifted(void)
{
	return false;
}

static inline struct time_namespace *time_ns_get_current(void)
{
	return NULL;
}

static inline void time_ns_put_ref(struct time_namespace *ns)
{
}

static inline ktime_t time_ns_to_host_in(struct time_namespace *ns,
					 clockid_t clock, ktime_t tim)
{
	return tim;
}

#endif /* CONFIG_TIME_NS */

#endif /* _LINUX_TIME_NAMESPACE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Time namespaces: per-namespace offsets for CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME, so that a checkpointed or migrated container sees its
 * clocks continue from where they were instead of jumping.
 *
 * unshare(CLONE_NEWTIME) makes a namespace for the caller's children
 * (nsproxy->time_ns_for_children); the caller stays where it is. Its
 * offsets are written to /proc/PID/timens_offsets and are fixed when the
 * first task enters: a child born in it, a setns(), or the exec of the
 * task that unshared it.
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/nsproxy.h>
#include <linux/proc_ns.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time_namespace.h>
#include <linux/user_namespace.h>
#include <vdso/datapage.h>

DEFINE_STATIC_KEY_FALSE(time_ns_in_use);

/* Serialises offset writes against the first task entering. */
static DEFINE_MUTEX(offsets_lock);

static struct kmem_cache *time_ns_cache __ro_after_init;

/*
 * The initial namespace's page for the vDSO: all zero. It is mapped into
 * user space, so it must be a page of its own.
 */
static u8 init_offsets_page[PAGE_SIZE] __page_aligned_bss;

struct time_namespace init_time_ns = {
	.ns.count	= REFCOUNT_INIT(3),
	.ns.inum	= PROC_TIME_INIT_INO,
	.ns.ops		= &time_ns_operations,
	.user_ns	= &init_user_ns,
	.entered	= true,
};

static inline struct time_namespace *to_time_ns(struct ns_common *ns)
{
	return container_of(ns, struct time_namespace, ns);
}

static struct ucounts *inc_time_namespaces(struct user_namespace *ns)
{
	return inc_ucount(ns, current_euid(), UCOUNT_TIME_NAMESPACES);
}

static void dec_time_namespaces(struct ucounts *ucounts)
{
	dec_ucount(ucounts, UCOUNT_TIME_NAMESPACES);
}

/* A new namespace starts with the offsets of @parent. */
static struct time_namespace *create_time_ns(struct user_namespace *user_ns,
					     struct time_namespace *parent)
{
	struct time_namespace *ns;
	struct ucounts *ucounts;
	int err;

	ucounts = inc_time_namespaces(user_ns);
	if (!ucounts)
		return ERR_PTR(-ENOSPC);

	err = -ENOMEM;
	ns = kmem_cache_zalloc(time_ns_cache, GFP_KERNEL_ACCOUNT);
	if (!ns)
		goto fail_dec;
	ns->offsets_page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!ns->offsets_page)
		goto fail_free;
	err = ns_alloc_inum(&ns->ns);
	if (err)
		goto fail_page;

	refcount_set(&ns->ns.count, 1);
	ns->ns.ops = &time_ns_operations;
	ns->ucounts = ucounts;
	ns->user_ns = get_user_ns(user_ns);

	mutex_lock(&offsets_lock);
	ns->offsets = parent->offsets;
	mutex_unlock(&offsets_lock);

	static_branch_enable(&time_ns_in_use);
	return ns;

fail_page:
	__free_page(ns->offsets_page);
fail_free:
	kmem_cache_free(time_ns_cache, ns);
fail_dec:
	dec_time_namespaces(ucounts);
	return ERR_PTR(err);
}

void free_time_ns(struct time_namespace *ns)
{
	dec_time_namespaces(ns->ucounts);
	put_user_ns(ns->user_ns);
	ns_free_inum(&ns->ns);
	__free_page(ns->offsets_page);
	kmem_cache_free(time_ns_cache, ns);
}

/*
 * Fill in @new's time namespaces from @old: the children's namespace is
 * inherited or, with CLONE_NEWTIME, a new one; the task's own does not
 * change here.
 */
int copy_time_ns(unsigned long flags, struct user_namespace *user_ns,
		 struct nsproxy *old, struct nsproxy *new)
{
	struct time_namespace *ns = old->time_ns_for_children;

	if (flags & CLONE_NEWTIME) {
		ns = create_time_ns(user_ns, ns);
		if (IS_ERR(ns))
			return PTR_ERR(ns);
	} else {
		get_time_ns(ns);
	}
	new->time_ns_for_children = ns;
	new->time_ns = get_time_ns(old->time_ns);
	return 0;
}

void put_time_ns_of(struct nsproxy *nsproxy)
{
	if (nsproxy->time_ns)
		put_time_ns(nsproxy->time_ns);
	if (nsproxy->time_ns_for_children)
		put_time_ns(nsproxy->time_ns_for_children);
}

/* The 16-byte slots of data[] that one struct vdso_data spans. */
#define TIMENS_VDSO_PER_BASE \
	(sizeof(struct vdso_data) / sizeof(struct timens_vdso_offset))

/*
 * A task enters @ns. The first one fixes the offsets and publishes them
 * on the page the vDSO reads; nothing writes either after that.
 */
static void set_vdso_offset(struct timens_vdso_offsets *page, clockid_t clock,
			    const struct timespec64 *offset)
{
	unsigned int base, slot;

	BUILD_BUG_ON(sizeof(struct vdso_data) %
		     sizeof(struct timens_vdso_offset));
	BUILD_BUG_ON(sizeof(struct timens_vdso_offset32) !=
		     sizeof(struct timens_vdso_offset));
	BUILD_BUG_ON(CS_BASES * TIMENS_VDSO_PER_BASE > TIMENS_VDSO_DATA_SLOTS);
	/* CLOCK_TAI is the highest clock the vDSO reads. */
	BUILD_BUG_ON(CLOCK_TAI >= TIMENS_VDSO_PER_BASE);

	for (base = 0; base < CS_BASES; base++) {
		slot = base * TIMENS_VDSO_PER_BASE + clock;
		page->data[slot].sec = offset->tv_sec;
		page->data[slot].nsec = offset->tv_nsec;
		page->data32[slot].sec = (u32)offset->tv_sec;
		page->data32[slot].nsec = offset->tv_nsec;
	}
}

/*
 * The release store of ->entered pairs with the acquire load here: a task
 * that finds it set without the lock also sees the page it published.
 */
static void time_ns_enter(struct time_namespace *ns)
{
	struct timens_vdso_offsets *page;

	/* Pairs with the release below: the page is complete if set. */
	if (smp_load_acquire(&ns->entered))
		return;

	mutex_lock(&offsets_lock);
	if (!ns->entered) {
		ns->shifted = ns->offsets.monotonic.tv_sec ||
			      ns->offsets.monotonic.tv_nsec ||
			      ns->offsets.boottime.tv_sec ||
			      ns->offsets.boottime.tv_nsec ||
			      ns->offsets.realtime.tv_sec ||
			      ns->offsets.realtime.tv_nsec;
		page = page_address(ns->offsets_page);
		set_vdso_offset(page, CLOCK_MONOTONIC, &ns->offsets.monotonic);
		set_vdso_offset(page, CLOCK_MONOTONIC_RAW, &ns->offsets.monotonic);
		set_vdso_offset(page, CLOCK_MONOTONIC_COARSE, &ns->offsets.monotonic);
		set_vdso_offset(page, CLOCK_BOOTTIME, &ns->offsets.boottime);
		set_vdso_offset(page, CLOCK_BOOTTIME_ALARM, &ns->offsets.boottime);
		if (IS_ENABLED(CONFIG_TIME_NS_REALTIME)) {
			set_vdso_offset(page, CLOCK_REALTIME, &ns->offsets.realtime);
			set_vdso_offset(page, CLOCK_REALTIME_COARSE,
					&ns->offsets.realtime);
			set_vdso_offset(page, CLOCK_TAI, &ns->offsets.realtime);
		}
		/* Publish the page and ->shifted before the flag; see above. */
		smp_store_release(&ns->entered, true);
	}
	mutex_unlock(&offsets_lock);
}

/* COMPILE_TEST without the arch's support: the vDSO shows host time. */
void __weak vdso_time_ns_changed(struct mm_struct *mm,
				 struct time_namespace *ns)
{
}

/*
 * @tsk is a new task with its own address space and its own copy of
 * @nsproxy: it is born in its parent's time_ns_for_children.
 */
void time_ns_on_fork(struct nsproxy *nsproxy, struct task_struct *tsk)
{
	struct time_namespace *ns = nsproxy->time_ns_for_children;

	if (nsproxy->time_ns == ns)
		return;

	time_ns_enter(ns);
	get_time_ns(ns);
	put_time_ns(nsproxy->time_ns);
	nsproxy->time_ns = ns;
	if (tsk->mm)
		vdso_time_ns_changed(tsk->mm, ns);
}

/* The setns() into @ns by @tsk is committed. */
void time_ns_on_setns(struct task_struct *tsk, struct time_namespace *ns)
{
	time_ns_enter(ns);
	vdso_time_ns_changed(tsk->mm, ns);
}

ktime_t __time_ns_to_host(struct time_namespace *ns, clockid_t clock,
			  ktime_t tim)
{
	const struct timespec64 *off = time_ns_offset(ns, clock);
	ktime_t offset;

	if (!off)
		return tim;
	/*
	 * "Never" (KTIME_MAX, what any time past 2262 becomes) stays never:
	 * a wall clock offset of a century would bring it within reach.
	 */
	if (IS_ENABLED(CONFIG_TIME_NS_REALTIME) &&
	    off == &ns->offsets.realtime && tim == KTIME_MAX)
		return tim;
	offset = timespec64_to_ktime(*off);
	/*
	 * Before the namespace's zero is long past on the host. Say so with
	 * 1 ns, not 0: to timerfd an expiry of 0 means "disarm".
	 */
	if (offset >= 0)
		return tim > offset ? tim - offset : 1;
	/* A negative offset: saturate rather than overflow. */
	return tim > KTIME_MAX + offset ? KTIME_MAX : tim - offset;
}

/* -- /proc/PID/timens_offsets ------------------------------------------- */

static struct time_namespace *get_time_ns_for_children(struct task_struct *task)
{
	struct time_namespace *ns = NULL;

	task_lock(task);
	if (task->nsproxy)
		ns = get_time_ns(task->nsproxy->time_ns_for_children);
	task_unlock(task);
	return ns;
}

/*
 * A task that has exited keeps its /proc directory until it is reaped,
 * but has no namespaces left: there are no offsets to show, and that
 * reads as an empty file, not as an error.
 */
int proc_time_ns_show_offsets(struct seq_file *m, struct task_struct *task)
{
	struct time_namespace *ns = get_time_ns_for_children(task);
	struct timens_offsets off;

	if (!ns)
		return 0;

	mutex_lock(&offsets_lock);
	off = ns->offsets;
	mutex_unlock(&offsets_lock);
	put_time_ns(ns);

	seq_printf(m, "%-10s %10lld %9ld\n", "monotonic",
		   (long long)off.monotonic.tv_sec, off.monotonic.tv_nsec);
	seq_printf(m, "%-10s %10lld %9ld\n", "boottime",
		   (long long)off.boottime.tv_sec, off.boottime.tv_nsec);
	/*
	 * Upstream's file has two lines, and its parsers (CRIU's) may take
	 * no other: a third only where a realtime offset is set.
	 */
	if (off.realtime.tv_sec || off.realtime.tv_nsec)
		seq_printf(m, "%-10s %10lld %9ld\n", "realtime",
			   (long long)off.realtime.tv_sec, off.realtime.tv_nsec);
	return 0;
}

struct offset_request {
	clockid_t		clock;
	struct timespec64	value;
};

/*
 * One line: "<clock> <sec> <nsec>", clock by name or by number.
 *
 * sscanf() does not report overflow: a number too long for 64 bits keeps
 * its low 64 bits, and an nsec above LONG_MAX turns negative in a long.
 * Such values are not refused here but by check_offset(), after the
 * permission check: that is the order of errors user space knows.
 */
static int parse_offset(const char *line, struct offset_request *req)
{
	unsigned long nsec;
	long long sec;
	char name[10];

	if (sscanf(line, "%9s %lld %lu", name, &sec, &nsec) != 3)
		return -EINVAL;
	if ((long)nsec >= NSEC_PER_SEC)
		return -EINVAL;

	if (!strcmp(name, "monotonic") || !strcmp(name, "1"))
		req->clock = CLOCK_MONOTONIC;
	else if (!strcmp(name, "boottime") || !strcmp(name, "7"))
		req->clock = CLOCK_BOOTTIME;
	else if (IS_ENABLED(CONFIG_TIME_NS_REALTIME) &&
		 (!strcmp(name, "realtime") || !strcmp(name, "0")))
		req->clock = CLOCK_REALTIME;
	else
		return -EINVAL;

	req->value.tv_sec = sec;
	req->value.tv_nsec = (long)nsec;
	return 0;
}

/*
 * The namespace's view of the clock must not start below zero, and must
 * stay far enough from KTIME_MAX that it cannot reach it. The seconds are
 * checked before the sign of the nanoseconds, as user space is used to.
 *
 * Its wall clock may be set to what the host's may be (settimeofday()'s
 * range): from 1970 to TIME_SETTOD_SEC_MAX, in 2232, which leaves room
 * for the host's clock to move on from there.
 */
static int check_offset(const struct offset_request *req)
{
	time64_t max = KTIME_SEC_MAX / 2;
	struct timespec64 now;

	if (req->value.tv_sec > KTIME_SEC_MAX ||
	    req->value.tv_sec < -KTIME_SEC_MAX)
		return -ERANGE;
	if (req->value.tv_nsec < 0)
		return -EINVAL;

	switch (req->clock) {
	case CLOCK_MONOTONIC:
		ktime_get_ts64(&now);
		break;
	case CLOCK_BOOTTIME:
		ktime_get_boottime_ts64(&now);
		break;
	default:
		ktime_get_real_ts64(&now);
		max = TIME_SETTOD_SEC_MAX;
		break;
	}
	now = timespec64_add(now, req->value);
	if (now.tv_sec < 0 || now.tv_sec > max)
		return -ERANGE;
	return 0;
}

/*
 * Set the offsets of @task's time_ns_for_children from @buf, all or
 * nothing. At most as many lines as there are clocks (two, three with
 * CONFIG_TIME_NS_REALTIME) are consumed per write, a later line for a
 * clock winning over an earlier one; returns how many bytes were.
 *
 * @task is NULL once it has been reaped. The lines are parsed before the
 * task or the opener is looked at: a write that cannot be parsed is
 * EINVAL whatever it is aimed at, and whoever makes it.
 */
ssize_t proc_time_ns_write_offsets(struct file *file, struct task_struct *task,
				   char *buf, size_t count)
{
	struct offset_request req[IS_ENABLED(CONFIG_TIME_NS_REALTIME) ? 3 : 2];
	struct time_namespace *ns;
	char *line = buf, *next;
	int i, n = 0, err;

	while (line && n < ARRAY_SIZE(req)) {
		next = strchr(line, '\n');
		if (next) {
			*next++ = '\0';
			if (!*next)
				next = NULL;
		}
		err = parse_offset(line, &req[n++]);
		if (err)
			return err;
		line = next;
	}
	if (line)
		count = line - buf;

	ns = task ? get_time_ns_for_children(task) : NULL;
	if (!ns)
		return -ESRCH;

	err = -EPERM;
	if (!file_ns_capable(file, ns->user_ns, CAP_SYS_TIME))
		goto out;

	for (i = 0; i < n; i++) {
		err = check_offset(&req[i]);
		if (err)
			goto out;
	}

	mutex_lock(&offsets_lock);
	if (ns->entered) {
		err = -EACCES;
	} else {
		for (i = 0; i < n; i++) {
			if (req[i].clock == CLOCK_MONOTONIC)
				ns->offsets.monotonic = req[i].value;
			else if (req[i].clock == CLOCK_BOOTTIME)
				ns->offsets.boottime = req[i].value;
			else
				ns->offsets.realtime = req[i].value;
		}
		err = 0;
	}
	mutex_unlock(&offsets_lock);
out:
	put_time_ns(ns);
	return err ? err : count;
}

/* -- /proc/PID/ns/time and time_for_children ---------------------------- */

static struct ns_common *time_ns_get(struct task_struct *task)
{
	struct time_namespace *ns = NULL;

	task_lock(task);
	if (task->nsproxy)
		ns = get_time_ns(task->nsproxy->time_ns);
	task_unlock(task);
	return ns ? &ns->ns : NULL;
}

static struct ns_common *time_ns_for_children_get(struct task_struct *task)
{
	struct time_namespace *ns = get_time_ns_for_children(task);

	return ns ? &ns->ns : NULL;
}

static void time_ns_put(struct ns_common *ns)
{
	put_time_ns(to_time_ns(ns));
}

/*
 * setns(): only a task alone in its address space may change its clocks,
 * or the tasks sharing its vDSO would see them change under their feet.
 */
static int time_ns_install(struct nsset *nsset, struct ns_common *new)
{
	struct nsproxy *nsproxy = nsset->nsproxy;
	struct time_namespace *ns = to_time_ns(new);

	if (!current_is_single_threaded())
		return -EUSERS;

	if (!ns_capable(ns->user_ns, CAP_SYS_ADMIN) ||
	    !ns_capable(nsset->cred->user_ns, CAP_SYS_ADMIN))
		return -EPERM;

	/* Take the new references before dropping the old ones. */
	get_time_ns(ns);
	get_time_ns(ns);
	put_time_ns(nsproxy->time_ns);
	put_time_ns(nsproxy->time_ns_for_children);
	nsproxy->time_ns = ns;
	nsproxy->time_ns_for_children = ns;
	return 0;
}

static struct user_namespace *time_ns_owner(struct ns_common *ns)
{
	return to_time_ns(ns)->user_ns;
}

const struct proc_ns_operations time_ns_operations = {
	.name		= "time",
	.type		= CLONE_NEWTIME,
	.get		= time_ns_get,
	.put		= time_ns_put,
	.install	= time_ns_install,
	.owner		= time_ns_owner,
};

const struct proc_ns_operations time_ns_for_children_operations = {
	.name		= "time_for_children",
	.real_ns_name	= "time",
	.type		= CLONE_NEWTIME,
	.get		= time_ns_for_children_get,
	.put		= time_ns_put,
	.install	= time_ns_install,
	.owner		= time_ns_owner,
};

static int __init time_ns_init(void)
{
	time_ns_cache = KMEM_CACHE(time_namespace, SLAB_PANIC | SLAB_ACCOUNT);
	/* A kernel image address: virt_to_page() needs its linear alias. */
	init_time_ns.offsets_page = virt_to_page(lm_alias(init_offsets_page));
	return 0;
}
subsys_initcall(time_ns_init);

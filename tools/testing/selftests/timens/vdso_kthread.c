// SPDX-License-Identifier: GPL-2.0
/*
 * The fourth page of [vvar] holds the offsets of the time namespace that
 * the vDSO adds to CLOCK_MONOTONIC and CLOCK_BOOTTIME.  It belongs to the
 * mm: whoever faults it in, it must be the page of the namespace the mm's
 * vDSO image was chosen for.  A kernel thread that borrows the mm with
 * kthread_use_mm() is in the initial time namespace; if the page were
 * that of current's namespace and such a thread touched it first, the
 * process would get the initial namespace's all-zero offsets and its
 * vDSO would show host time while the system call shows namespace time.
 *
 * vhost-net's worker is such a thread: it reads the rings of its owner
 * with __get_user() under kthread_use_mm().  A child born in a time
 * namespace (with an empty [vvar]) points the available ring of the TX
 * vring (index 1; index 0 is RX, whose worker reads nothing until a
 * packet arrives) at its offsets page and kicks the vring, so that the
 * worker's read of avail->idx is the first touch of the page.  Nothing
 * in the ioctls reads the available ring in the caller's context:
 * VHOST_SET_VRING_ADDR and VHOST_NET_SET_BACKEND only check it with
 * access_ok(), and vhost_vq_init_access() touches the used ring alone.
 * The child must not call the vDSO before that, because the fault of the
 * VVAR page maps the offsets page too.  Then the vDSO and the system call
 * must agree.  The second test is the control: the child's own vDSO call
 * comes first.
 *
 * With TIMENS_VDSO_SINGLE_IMAGE=1 (upstream's layout, where a task in a
 * namespace finds its namespace's page at the place of the VVAR page)
 * the worker reads the first page instead: that is the page upstream
 * chooses by current's namespace.
 *
 * 64-bit only.
 */
#define _GNU_SOURCE
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>

#include "vdso_util.h"
#include "../kselftest_harness.h"

#define VHOST_NET_DEV	"/dev/vhost-net"
#define TUN_DEV		"/dev/net/tun"
#define TAP_NAME	"tnsvk%d"

/* VVAR page, pvclock page, hvclock page, time namespace offsets page. */
#define VVAR_PAGES		4
#define VVAR_OFFSETS_PAGE	3
/* Upstream's single image: the namespace's page replaces the VVAR page. */
#define VVAR_SINGLE_IMAGE_NS_PAGE	0

/* vring 1 of vhost-net (VHOST_NET_VQ_TX) is served by handle_tx(). */
#define VQ_TX		1
#define RING_NUM	16
/* Where the rings go in our buffer: desc is 16-aligned, used 4-aligned. */
#define DESC_OFF	0
#define USED_OFF	1024
/*
 * Where the available ring goes in the offsets page: past the offsets
 * (768 bytes), where the page is zero in every namespace, so the worker
 * reads an index of 0 and finds nothing to do, whichever page it gets.
 * The VVAR page and upstream's namespace page are zero there too.
 */
#define AVAIL_FROM_END	64

#define clks		shifted_clks
#define NR_CLKS		ARRAY_SIZE(shifted_clks)

/* sys0 and sys1 bracket the vDSO reading. */
struct readings {
	long long sys0[NR_CLKS];
	long long vdso[NR_CLKS];
	long long sys1[NR_CLKS];
};

/* What the child sends back through a pipe. */
struct report {
	int err;			/* errno of the step that failed */
	char step[96];			/* that step */
	unsigned long long worker_errors;	/* vring errors seen */
	int kind;			/* vdso_image_kind() at the end */
	struct readings first;		/* before the vhost steps (control) */
	struct readings after;		/* after the vhost steps */
};

static void take_readings(struct readings *r)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++) {
		r->sys0[i] = sys_clock_ns(clks[i].id);
		r->vdso[i] = vdso_clock_ns(clks[i].id);
		r->sys1[i] = sys_clock_ns(clks[i].id);
	}
}

static int step_failed(struct report *rep, const char *step)
{
	rep->err = errno ? errno : EIO;
	snprintf(rep->step, sizeof(rep->step), "%s", step);
	return -1;
}

/* The vhost ioctl @req on vring @index with the file descriptor @fd. */
static int vring_file(int vhost, unsigned long req, int fd)
{
	struct vhost_vring_file f = { .index = VQ_TX, .fd = fd };

	return ioctl(vhost, req, &f);
}

/* A tap device, the backend of the TX vring. */
static int open_tap(struct report *rep)
{
	struct ifreq ifr;
	int fd;

	fd = open(TUN_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return step_failed(rep, "open " TUN_DEV);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", TAP_NAME);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		step_failed(rep, "TUNSETIFF");
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Set up a vhost-net device whose TX available ring is at @avail and make
 * its worker read it.  Returns 0, or -1 with the failed step in @rep.
 */
static int vhost_read_avail(unsigned long avail, struct report *rep)
{
	struct vhost_vring_state num = { .index = VQ_TX, .num = RING_NUM };
	struct vhost_vring_state base = { .index = VQ_TX, .num = 0 };
	int vhost = -1, tap = -1, kick = -1, call = -1, err_fd = -1;
	long page = sysconf(_SC_PAGESIZE);
	struct vhost_memory *mem = NULL;
	struct vhost_vring_addr addr;
	__u64 features, one = 1;
	char *ring = MAP_FAILED;
	int ret = -1;

	ring = mmap(NULL, page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ring == MAP_FAILED) {
		step_failed(rep, "mmap of the rings");
		goto out;
	}
	memset(ring, 0, page);
	mem = calloc(1, sizeof(*mem) + sizeof(mem->regions[0]));
	if (!mem) {
		step_failed(rep, "calloc");
		goto out;
	}
	kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (kick < 0 || call < 0 || err_fd < 0) {
		step_failed(rep, "eventfd");
		goto out;
	}
	tap = open_tap(rep);
	if (tap < 0)
		goto out;

	vhost = open(VHOST_NET_DEV, O_RDWR | O_CLOEXEC);
	if (vhost < 0) {
		step_failed(rep, "open " VHOST_NET_DEV);
		goto out;
	}
	/* Starts the worker, which does kthread_use_mm() on our mm. */
	if (ioctl(vhost, VHOST_SET_OWNER)) {
		step_failed(rep, "VHOST_SET_OWNER");
		goto out;
	}
	if (ioctl(vhost, VHOST_GET_FEATURES, &features)) {
		step_failed(rep, "VHOST_GET_FEATURES");
		goto out;
	}
	/* No features: no IOTLB, no event index, legacy little endian. */
	features = 0;
	if (ioctl(vhost, VHOST_SET_FEATURES, &features)) {
		step_failed(rep, "VHOST_SET_FEATURES");
		goto out;
	}
	/* A backend is refused without a memory table. */
	mem->nregions = 1;
	mem->regions[0].guest_phys_addr = (unsigned long)ring;
	mem->regions[0].memory_size = page;
	mem->regions[0].userspace_addr = (unsigned long)ring;
	if (ioctl(vhost, VHOST_SET_MEM_TABLE, mem)) {
		step_failed(rep, "VHOST_SET_MEM_TABLE");
		goto out;
	}
	if (ioctl(vhost, VHOST_SET_VRING_NUM, &num)) {
		step_failed(rep, "VHOST_SET_VRING_NUM");
		goto out;
	}
	if (ioctl(vhost, VHOST_SET_VRING_BASE, &base)) {
		step_failed(rep, "VHOST_SET_VRING_BASE");
		goto out;
	}
	memset(&addr, 0, sizeof(addr));
	addr.index = VQ_TX;
	addr.desc_user_addr = (unsigned long)ring + DESC_OFF;
	addr.used_user_addr = (unsigned long)ring + USED_OFF;
	addr.avail_user_addr = avail;
	if (ioctl(vhost, VHOST_SET_VRING_ADDR, &addr)) {
		step_failed(rep, "VHOST_SET_VRING_ADDR");
		goto out;
	}
	if (vring_file(vhost, VHOST_SET_VRING_KICK, kick)) {
		step_failed(rep, "VHOST_SET_VRING_KICK");
		goto out;
	}
	if (vring_file(vhost, VHOST_SET_VRING_CALL, call)) {
		step_failed(rep, "VHOST_SET_VRING_CALL");
		goto out;
	}
	/* vq_err() counts here: a failed read of avail->idx shows. */
	if (vring_file(vhost, VHOST_SET_VRING_ERR, err_fd)) {
		step_failed(rep, "VHOST_SET_VRING_ERR");
		goto out;
	}
	/* access_ok() of the rings, then a write and a read of used only. */
	if (vring_file(vhost, VHOST_NET_SET_BACKEND, tap)) {
		step_failed(rep, "VHOST_NET_SET_BACKEND");
		goto out;
	}
	/* Queue handle_tx_kick(): handle_tx() reads avail->idx. */
	if (write(kick, &one, sizeof(one)) != sizeof(one)) {
		step_failed(rep, "write to the kick eventfd");
		goto out;
	}
	/* Unbinding the kick flushes the worker: handle_tx() has run. */
	if (vring_file(vhost, VHOST_SET_VRING_KICK, VHOST_FILE_UNBIND)) {
		step_failed(rep, "VHOST_SET_VRING_KICK (unbind)");
		goto out;
	}
	if (read(err_fd, &rep->worker_errors, sizeof(rep->worker_errors)) < 0) {
		if (errno != EAGAIN) {
			step_failed(rep, "read of the error eventfd");
			goto out;
		}
		rep->worker_errors = 0;
	}
	ret = 0;
out:
	if (vhost >= 0)
		close(vhost);
	if (tap >= 0)
		close(tap);
	if (err_fd >= 0)
		close(err_fd);
	if (call >= 0)
		close(call);
	if (kick >= 0)
		close(kick);
	free(mem);
	if (ring != MAP_FAILED)
		munmap(ring, page);
	return ret;
}

/*
 * The child, born in the namespace: nothing here reads a clock through
 * the vDSO before vhost_read_avail() unless @vdso_first.
 */
static void child_main(int fd, unsigned long avail, int vdso_first)
{
	struct report rep;

	memset(&rep, 0, sizeof(rep));
	if (vdso_first)
		take_readings(&rep.first);
	if (!vhost_read_avail(avail, &rep))
		take_readings(&rep.after);
	rep.kind = vdso_image_kind();
	_exit(write_all(fd, &rep, sizeof(rep)) ? 2 : 0);
}

/* One set of readings of the child: agreement, and host time + offset. */
static void check_readings(struct __test_metadata *_metadata,
			   const char *when, const struct readings *r,
			   const struct timens_off *off,
			   const long long *host0, const long long *host1)
{
	unsigned int i;

	for (i = 0; i < NR_CLKS; i++) {
		long long shift = off_clock_ns(off, clks[i].id);
		long long lo = host0[i] + shift, hi = host1[i] + shift;

		EXPECT_TRUE(r->vdso[i] >= r->sys0[i] - TIMENS_SLACK_NS &&
			    r->vdso[i] <= r->sys1[i] + TIMENS_SLACK_NS)
			TH_LOG("%s: %s: vDSO %lld, system call %lld..%lld: %lld s apart%s",
			       when, clks[i].name, r->vdso[i], r->sys0[i],
			       r->sys1[i],
			       (r->vdso[i] - r->sys0[i]) / NSEC_PER_SEC,
			       r->vdso[i] > host0[i] - TIMENS_SLACK_NS &&
			       r->vdso[i] < host1[i] + TIMENS_SLACK_NS ?
			       " (host time: a kernel thread mapped the wrong page)" :
			       "");
		EXPECT_TRUE(r->sys0[i] >= lo && r->sys1[i] <= hi)
			TH_LOG("%s: %s: system call %lld..%lld, expected host %lld..%lld + %lld",
			       when, clks[i].name, r->sys0[i], r->sys1[i],
			       host0[i], host1[i], shift);
		EXPECT_TRUE(r->vdso[i] >= lo - TIMENS_SLACK_NS &&
			    r->vdso[i] <= hi + TIMENS_SLACK_NS)
			TH_LOG("%s: %s: vDSO %lld, expected host %lld..%lld + %lld",
			       when, clks[i].name, r->vdso[i], host0[i],
			       host1[i], shift);
	}
}

static void vhost_case(struct __test_metadata *_metadata, int vdso_first)
{
	struct timens_off off = {
		.mono_sec = SEC_PER_DAY,
		.boot_sec = 2 * SEC_PER_DAY,
	};
	long long host0[NR_CLKS], host1[NR_CLKS];
	unsigned long page = sysconf(_SC_PAGESIZE);
	unsigned long start, end, avail, ns_page;
	struct report rep;
	unsigned int i;
	int p[2], ret;
	pid_t pid;

	if (timens_skip_unprivileged(_metadata))
		return;
	if (access(VHOST_NET_DEV, F_OK))
		SKIP(return, "no %s: CONFIG_VHOST_NET is off", VHOST_NET_DEV);
	if (access(TUN_DEV, F_OK))
		SKIP(return, "no %s: CONFIG_TUN is off", TUN_DEV);
	ret = unshare(CLONE_NEWTIME) ? errno : 0;
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWTIME): %s", strerror(ret));
	ret = timens_write_offsets(TIMENS_OFFSETS, &off);
	ASSERT_EQ(0, ret) TH_LOG("%s: %s", TIMENS_OFFSETS, strerror(-ret));

	ASSERT_EQ(0, maps_range("[vvar]", &start, &end))
		TH_LOG("no [vvar] in /proc/self/maps");
	ASSERT_NE(3 * page, end - start)
		TH_LOG("[vvar] is 3 pages: the kernel has no time namespace offsets page");
	ASSERT_EQ(VVAR_PAGES * page, end - start)
		TH_LOG("[vvar] is %#lx bytes, expected %d pages",
		       end - start, VVAR_PAGES);
	ASSERT_EQ(0, vdso_init()) TH_LOG("%s", vdso.err);
	/* The child's [vvar] is at the same place. */
	ns_page = vdso_single_image() ? VVAR_SINGLE_IMAGE_NS_PAGE :
					VVAR_OFFSETS_PAGE;
	avail = start + ns_page * page + page - AVAIL_FROM_END;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	for (i = 0; i < NR_CLKS; i++)
		host0[i] = sys_clock_ns(clks[i].id);
	pid = fork();
	ASSERT_LE(0, pid) TH_LOG("fork: %m");
	if (pid == 0) {
		close(p[0]);
		child_main(p[1], avail, vdso_first);
	}
	close(p[1]);
	memset(&rep, 0, sizeof(rep));
	ret = read_all(p[0], &rep, sizeof(rep));
	close(p[0]);
	ASSERT_EQ(0, wait_child(pid)) TH_LOG("the child failed");
	for (i = 0; i < NR_CLKS; i++)
		host1[i] = sys_clock_ns(clks[i].id);
	ASSERT_EQ(0, ret) TH_LOG("no report from the child");

	ASSERT_EQ(0, rep.err) TH_LOG("%s: %s", rep.step, strerror(rep.err));
	EXPECT_EQ(0, rep.worker_errors)
		TH_LOG("vhost worker: %llu vring errors reading the offsets page at %#lx",
		       rep.worker_errors, avail);
	EXPECT_EQ(1, rep.kind)
		TH_LOG("the child's vDSO is not the time namespace image (kind %d)",
		       rep.kind);
	if (vdso_first)
		check_readings(_metadata, "before vhost", &rep.first, &off,
			       host0, host1);
	check_readings(_metadata,
		       vdso_first ? "after vhost" :
		       "after the vhost worker faulted the offsets page in",
		       &rep.after, &off, host0, host1);
}

/* The vhost worker is the first to touch the offsets page. */
TEST(kthread_touches_first)
{
	vhost_case(_metadata, 0);
}

/* Control: the process's own vDSO call faults it in first. */
TEST(process_touches_first)
{
	vhost_case(_metadata, 1);
}

TEST_HARNESS_MAIN

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the tests of the twin x86 vDSO images: find the vDSO, parse
 * its ELF headers (as mapped in memory), look up its clock_gettime entry
 * points and tell which image is mapped by looking at the time namespace
 * sites listed in the .time_ns_sites and .time_ns_branches sections.
 *
 * Each site is 5 bytes: a NOP (0f 1f 44 00 00) in the host image and, in
 * the time namespace image, a call (e8 rel32) to the offset helper
 * (.time_ns_sites) or a jump (e9 rel32) to the namespace's own path
 * (.time_ns_branches). A section is an array of pairs of little-endian
 * int32 values, each one relative to its own address: (site - &pair[0]),
 * (target - &pair[1]). A branch whose target is a jump (a tail call)
 * jumps to that jump's destination.
 *
 * The ELF types come from <linux/elf.h>, so <elf.h> and <sys/auxv.h>,
 * which clash with it, must not be included.
 */
#ifndef __TIMENS_VDSO_UTIL_H
#define __TIMENS_VDSO_UTIL_H

#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/user.h>
#include <linux/auxvec.h>
#include <linux/elf.h>
#include "timens_util.h"

/* From <sys/auxv.h>, which can't be included together with linux/elf.h. */
unsigned long getauxval(unsigned long type);

/* x32 programs get an x86-64 vDSO in a 32-bit ELF file. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define VDSO_ELFCLASS	ELFCLASS64
#define vdso_ehdr	elf64_hdr
#define vdso_shdr	elf64_shdr
#define vdso_sym	elf64_sym
#else
#define VDSO_ELFCLASS	ELFCLASS32
#define vdso_ehdr	elf32_hdr
#define vdso_shdr	elf32_shdr
#define vdso_sym	elf32_sym
#endif

#define VDSO_SITES_SECTION	".time_ns_sites"
#define VDSO_BRANCHES_SECTION	".time_ns_branches"
#define VDSO_SITE_LEN		5
#define VDSO_CALL_OPCODE	0xe8
#define VDSO_JMP_OPCODE		0xe9

/* Generous enough for a hres read bracketed by two system calls. */
#define VDSO_SLACK_NS		NSEC_PER_MSEC
/* The coarse clocks may lag a tick behind. */
#define VDSO_COARSE_SLACK_NS	(20 * NSEC_PER_MSEC)

static const unsigned char vdso_nop5[VDSO_SITE_LEN] = {
	0x0f, 0x1f, 0x44, 0x00, 0x00
};

/* A clock the tests read, and its name for their messages. */
struct vdso_clk {
	clockid_t id;
	const char *name;
};

/* The clocks a namespace shifts, one of each offset. */
static const struct vdso_clk shifted_clks[] = {
	{ CLOCK_MONOTONIC, "MONOTONIC" },
	{ CLOCK_BOOTTIME, "BOOTTIME" },
};

/* The 64-bit time value layout of __vdso_clock_gettime64. */
struct vdso_ts64 {
	long long tv_sec;
	long long tv_nsec;
};

struct vdso_info {
	unsigned long base;		/* AT_SYSINFO_EHDR */
	unsigned long start, end;	/* [vdso] in /proc/self/maps */
	unsigned long bias;		/* run time minus link address */
	unsigned long sites;		/* .time_ns_sites at run time */
	unsigned int nr_calls;		/* its entries */
	unsigned long branches;		/* .time_ns_branches at run time */
	unsigned int nr_sites;		/* nr_calls and the branches */
	/* __vdso_clock_gettime (struct timespec of this ABI) */
	int (*gettime)(clockid_t clk, struct timespec *ts);
	/* __vdso_clock_gettime64, 32-bit only; NULL if not exported */
	int (*gettime64)(clockid_t clk, struct vdso_ts64 *ts);
	/* __vdso_gettimeofday and __vdso_time; NULL if not exported */
	int (*gettimeofday)(struct timeval *tv, struct timezone *tz);
	time_t (*time)(time_t *t);
	char err[160];
};

static struct vdso_info vdso;

/* What the sites of the mapped image look like. */
struct vdso_kind_stats {
	unsigned int nop;	/* host NOPs */
	unsigned int call;	/* calls or jumps to the target in the table */
	unsigned int bad;	/* anything else */
	unsigned int bad_table;	/* entries pointing out of the vDSO */
	unsigned long first_bad;	/* vDSO offset of the first bad site */
	unsigned char first_bytes[VDSO_SITE_LEN];
};

/* Find the [vdso] line of /proc/self/maps; 0 on success. */
/* The range of the mapping named @name ("[vdso]", "[vvar]") of ours. */
static inline int maps_range(const char *name, unsigned long *start,
			     unsigned long *end)
{
	char line[512];
	int ret = -1;
	FILE *f;

	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, name))
			continue;
		if (sscanf(line, "%lx-%lx", start, end) == 2)
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static inline int vdso_maps_range(unsigned long *start, unsigned long *end)
{
	return maps_range("[vdso]", start, end);
}

/* Is [vdso] still where and as big as it was at vdso_init() time? */
static inline int vdso_map_unchanged(void)
{
	unsigned long start, end;

	if (vdso_maps_range(&start, &end))
		return 0;
	return start == vdso.start && end == vdso.end &&
	       start == getauxval(AT_SYSINFO_EHDR);
}

static inline int vdso_inside(unsigned long addr, unsigned long len)
{
	return addr >= vdso.start && addr < vdso.end &&
	       len <= vdso.end - addr;
}

static inline const struct vdso_shdr *vdso_section(unsigned int i)
{
	const struct vdso_ehdr *eh = (const void *)vdso.base;

	return (const void *)(vdso.base + eh->e_shoff + i * eh->e_shentsize);
}

/*
 * A tracee's instruction pointer, read and written with PTRACE_GETREGS
 * and PTRACE_SETREGS: an x32 tracer may PEEKUSER only the segment and
 * debug registers.
 */
static inline int vdso_tracee_ip(pid_t pid, unsigned long *ip)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
		return -1;
#ifdef __x86_64__
	*ip = regs.rip;
#else
	*ip = regs.eip;
#endif
	return 0;
}

static inline int vdso_set_tracee_ip(pid_t pid, unsigned long ip)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
		return -1;
#ifdef __x86_64__
	regs.rip = ip;
#else
	regs.eip = ip;
#endif
	return ptrace(PTRACE_SETREGS, pid, NULL, &regs) ? -1 : 0;
}

#define vdso_fail(...)						\
	(snprintf(vdso.err, sizeof(vdso.err), __VA_ARGS__), -1)

/* Look up a defined function in the dynamic symbol table. */
static inline unsigned long vdso_lookup(const struct vdso_shdr *dynsym,
					const char *name)
{
	const struct vdso_shdr *strs = vdso_section(dynsym->sh_link);
	const char *strtab = (const char *)(vdso.base + strs->sh_offset);
	const struct vdso_sym *sym;
	unsigned long i, nr;

	if (dynsym->sh_entsize != sizeof(*sym))
		return 0;
	nr = dynsym->sh_size / sizeof(*sym);
	sym = (const void *)(vdso.base + dynsym->sh_offset);
	for (i = 0; i < nr; i++, sym++) {
		if (sym->st_shndx == SHN_UNDEF ||
		    ELF_ST_TYPE(sym->st_info) != STT_FUNC ||
		    sym->st_name >= strs->sh_size)
			continue;
		if (!strcmp(strtab + sym->st_name, name))
			return sym->st_value + vdso.bias;
	}
	return 0;
}

/*
 * Locate the vDSO and everything the tests need in it.  Returns 0, or -1
 * with a reason in vdso.err.
 */
/*
 * TIMENS_VDSO_SINGLE_IMAGE=1 runs the switch tests against a kernel with
 * one vDSO image for all namespaces (the reference kernel): there are no
 * sites, and the "kind" of the image is that of the task's namespace.
 * It only lets the tests get to the switches; the readings are checked
 * the same way.
 */
static inline int vdso_single_image(void)
{
	const char *v = getenv("TIMENS_VDSO_SINGLE_IMAGE");

	return v && !strcmp(v, "1");
}

static inline int vdso_init(void)
{
	const struct vdso_shdr *sh, *names, *dynsym = NULL, *sites = NULL;
	const struct vdso_shdr *branches = NULL;
	const struct vdso_ehdr *eh;
	unsigned long addr, size;
	const char *shstr;
	unsigned int i;
	int have_bias = 0;

	memset(&vdso, 0, sizeof(vdso));
	vdso.base = getauxval(AT_SYSINFO_EHDR);
	if (!vdso.base)
		return vdso_fail("no AT_SYSINFO_EHDR");
	if (vdso_maps_range(&vdso.start, &vdso.end))
		return vdso_fail("no [vdso] in /proc/self/maps");
	if (vdso.start != vdso.base)
		return vdso_fail("[vdso] at %#lx but AT_SYSINFO_EHDR is %#lx",
				 vdso.start, vdso.base);
	size = vdso.end - vdso.start;

	eh = (const void *)vdso.base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != VDSO_ELFCLASS)
		return vdso_fail("vDSO is not an ELF image of this class");
	if (!eh->e_shoff || eh->e_shentsize != sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum ||
	    eh->e_shoff > size || eh->e_shnum * sizeof(*sh) > size - eh->e_shoff)
		return vdso_fail("vDSO section headers are missing or broken");

	names = vdso_section(eh->e_shstrndx);
	if (names->sh_offset >= size || names->sh_size > size - names->sh_offset)
		return vdso_fail("vDSO section names out of range");
	shstr = (const char *)(vdso.base + names->sh_offset);

	for (i = 0; i < eh->e_shnum; i++) {
		sh = vdso_section(i);
		if (sh->sh_type != SHT_NOBITS &&
		    (sh->sh_offset > size || sh->sh_size > size - sh->sh_offset))
			return vdso_fail("section %u out of the vDSO", i);
		if (sh->sh_flags & SHF_ALLOC) {
			addr = sh->sh_addr - sh->sh_offset;
			if (!have_bias) {
				vdso.bias = vdso.base - addr;
				have_bias = 1;
			} else if (vdso.bias != vdso.base - addr) {
				return vdso_fail("vDSO not mapped linearly");
			}
		}
		if (sh->sh_type == SHT_DYNSYM)
			dynsym = sh;
		if (sh->sh_name < names->sh_size &&
		    !strcmp(shstr + sh->sh_name, VDSO_SITES_SECTION))
			sites = sh;
		if (sh->sh_name < names->sh_size &&
		    !strcmp(shstr + sh->sh_name, VDSO_BRANCHES_SECTION))
			branches = sh;
	}

	if (!sites && !branches && vdso_single_image())
		goto symbols;
	if (!sites && !branches)
		return vdso_fail("no %s or %s section in the vDSO (single image?)",
				 VDSO_SITES_SECTION, VDSO_BRANCHES_SECTION);
	for (i = 0; i < 2; i++) {
		const char *name = i ? VDSO_BRANCHES_SECTION :
				       VDSO_SITES_SECTION;

		sh = i ? branches : sites;
		if (!sh)
			continue;
		if (!(sh->sh_flags & SHF_ALLOC) || sh->sh_size % 8)
			return vdso_fail("%s: not allocated or odd size %lu",
					 name, (unsigned long)sh->sh_size);
		if (!vdso_inside(sh->sh_addr + vdso.bias, sh->sh_size))
			return vdso_fail("%s is not inside [vdso]", name);
		if (i)
			vdso.branches = sh->sh_addr + vdso.bias;
		else
			vdso.sites = sh->sh_addr + vdso.bias;
		if (!i)
			vdso.nr_calls = sh->sh_size / 8;
		vdso.nr_sites += sh->sh_size / 8;
	}
	if (!vdso.nr_sites)
		return vdso_fail("the time namespace site tables are empty");

symbols:
	if (!dynsym || dynsym->sh_link >= eh->e_shnum)
		return vdso_fail("no dynamic symbols in the vDSO");
	addr = vdso_lookup(dynsym, "__vdso_clock_gettime");
	if (!addr || !vdso_inside(addr, 1))
		return vdso_fail("no __vdso_clock_gettime");
	vdso.gettime = (void *)addr;
	addr = vdso_lookup(dynsym, "__vdso_gettimeofday");
	if (addr && vdso_inside(addr, 1))
		vdso.gettimeofday = (void *)addr;
	addr = vdso_lookup(dynsym, "__vdso_time");
	if (addr && vdso_inside(addr, 1))
		vdso.time = (void *)addr;
#ifndef __x86_64__
	addr = vdso_lookup(dynsym, "__vdso_clock_gettime64");
	if (addr && vdso_inside(addr, 1))
		vdso.gettime64 = (void *)addr;
#endif
	return 0;
}

/*
 * Site @i of the vdso.nr_sites, calls first: its address, where the time
 * namespace image's instruction there goes, and that instruction's
 * opcode. 0, or -1 if the table points out of [vdso].
 */
static inline int vdso_site(unsigned int i, unsigned long *site,
			    unsigned long *target, unsigned char *opcode)
{
	int branch = i >= vdso.nr_calls;
	unsigned long entry = branch ? vdso.branches + 8 * (i - vdso.nr_calls) :
				       vdso.sites + 8 * i;
	const int32_t *pair = (const int32_t *)entry;
	const unsigned char *t;
	int32_t rel;

	*site = entry + (long)pair[0];
	*target = entry + 4 + (long)pair[1];
	*opcode = branch ? VDSO_JMP_OPCODE : VDSO_CALL_OPCODE;
	if (!vdso_inside(*site, VDSO_SITE_LEN) ||
	    !vdso_inside(*target, VDSO_SITE_LEN))
		return -1;
	t = (const unsigned char *)*target;
	if (branch && t[0] == VDSO_JMP_OPCODE) {
		memcpy(&rel, t + 1, sizeof(rel));
		*target += VDSO_SITE_LEN + (long)rel;
	} else if (branch && t[0] == 0xeb) {
		*target += 2 + (long)(signed char)t[1];
	}
	return vdso_inside(*target, 1) ? 0 : -1;
}

/*
 * Classify the sites of the image mapped right now: 0 if all of them are
 * the host NOP, 1 if all of them call or jump to the target named by
 * the table (which must be inside the vDSO), -1 for anything else.
 */
static inline int vdso_image_kind_stats(struct vdso_kind_stats *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	if (vdso_single_image()) {
		struct stat self, init;

		if (stat("/proc/self/ns/time", &self) ||
		    stat("/proc/1/ns/time", &init))
			return -1;
		return self.st_ino != init.st_ino;
	}
	if (!vdso.nr_sites)
		return -1;
	for (i = 0; i < vdso.nr_sites; i++) {
		unsigned long site, target;
		const unsigned char *p;
		unsigned char opcode;
		int32_t rel;

		if (vdso_site(i, &site, &target, &opcode)) {
			st->bad_table++;
			continue;
		}
		p = (const unsigned char *)site;
		if (!memcmp(p, vdso_nop5, VDSO_SITE_LEN)) {
			st->nop++;
			continue;
		}
		memcpy(&rel, p + 1, sizeof(rel));
		if (p[0] == opcode &&
		    site + VDSO_SITE_LEN + (long)rel == target) {
			st->call++;
			continue;
		}
		if (!st->bad++) {
			st->first_bad = site - vdso.start;
			memcpy(st->first_bytes, p, VDSO_SITE_LEN);
		}
	}
	if (st->bad || st->bad_table)
		return -1;
	if (st->nop == vdso.nr_sites)
		return 0;
	if (st->call == vdso.nr_sites)
		return 1;
	return -1;
}

static inline int vdso_image_kind(void)
{
	struct vdso_kind_stats st;

	return vdso_image_kind_stats(&st);
}

/* One line describing the state of the sites, for test logs. */
static inline const char *vdso_kind_str(char *buf, size_t len)
{
	struct vdso_kind_stats st;
	int kind = vdso_image_kind_stats(&st);

	snprintf(buf, len,
		 "kind %d: %u sites, %u nop, %u call, %u bad (first at +%#lx: %02x %02x %02x %02x %02x), %u bad entries%s%s",
		 kind, vdso.nr_sites, st.nop, st.call, st.bad, st.first_bad,
		 st.first_bytes[0], st.first_bytes[1], st.first_bytes[2],
		 st.first_bytes[3], st.first_bytes[4], st.bad_table,
		 vdso.err[0] ? "; " : "", vdso.err);
	return buf;
}

/* Read @clk through __vdso_clock_gettime; -1 on error. */
static inline long long vdso_clock_ns(clockid_t clk)
{
	struct timespec ts;

	if (vdso.gettime(clk, &ts))
		return -1;
	return ts_ns(&ts);
}

/* Read @clk through __vdso_clock_gettime64; -1 on error or if missing. */
static inline long long vdso_clock64_ns(clockid_t clk)
{
	struct vdso_ts64 ts;

	if (!vdso.gettime64 || vdso.gettime64(clk, &ts))
		return -1;
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

#define VDSO_CLOCKSOURCE \
	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

/*
 * Why the vDSO cannot read the clocksource, or NULL if it can: with one
 * it cannot read, every hres call falls back to the system call before
 * it reaches a site.
 */
static inline const char *vdso_no_fast_clock(void)
{
	static char why[96];
	char cs[32] = "";

	read_file(VDSO_CLOCKSOURCE, cs, sizeof(cs));
	cs[strcspn(cs, "\n")] = '\0';
	if (!strcmp(cs, "tsc") || !strcmp(cs, "kvm-clock") ||
	    !strcmp(cs, "hyperv_clocksource_tsc_page"))
		return NULL;
	snprintf(why, sizeof(why), "clocksource %s: the vDSO falls back to the system call",
		 cs[0] ? cs : "unknown");
	return why;
}

#endif /* __TIMENS_VDSO_UTIL_H */

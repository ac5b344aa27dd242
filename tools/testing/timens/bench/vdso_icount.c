// SPDX-License-Identifier: GPL-2.0
/*
 * Count the instructions of one __vdso_clock_gettime() call of a built
 * vDSO image, deterministically: the image is loaded into a process with
 * a synthetic VVAR area in front of it, the process stops before the
 * call, and the tracer single-steps it, counting the steps taken inside
 * the image (its helpers included).
 *
 * Usage: vdso_icount IMAGE VVAR_START VDSO_DATA OFFSETS MODE CLOCK [ENTRY]
 *   IMAGE      the stripped vDSO (vdso64.so, vdso32.so, ...-time-ns.so)
 *   VVAR_START its vvar_start symbol (negative), VDSO_DATA the address of
 *              vvar__vdso_data, OFFSETS that of the page holding a time
 *              namespace's data (time_ns_offsets, or upstream's
 *              timens_page; 0 if none)
 *   MODE       host: the host's VVAR; ours: our namespace page at OFFSETS;
 *              upstream: upstream's namespace VVAR (vdso_data with
 *              VDSO_CLOCKMODE_TIMENS and offsets in the VVAR page, the
 *              real vdso_data moved to OFFSETS)
 *   CLOCK      clock id
 *   ENTRY      the function called: __vdso_clock_gettime (the default;
 *              __vdso_clock_gettime64 in a 32-bit build) or, 32-bit only,
 *              __vdso_clock_gettime, which fills a struct old_timespec32;
 *              or __vdso_gettimeofday or __vdso_time (CLOCK then names
 *              the clock whose data and offset they read: 0, 5)
 * Prints the count and the time read.
 *
 * With --hot N or --cold N first, the call is timed on this CPU instead:
 * N calls in a loop (nanoseconds per call, the fastest of 15 rounds), or N
 * single calls each after the image and the VVAR area are flushed from
 * the caches (TSC ticks, the mode in buckets of 1% of the median).
 *
 * When it times calls, it first applies the image's RDTSC alternatives as
 * the kernel would on this CPU (RDTSCP, or LFENCE; RDTSC without it): a
 * call then waits for the work before it as in a real process, where the
 * bare RDTSC the image holds lets the CPU overlap calls and hides what
 * the namespace's helper costs. The instruction count runs the image as
 * built, the same on every machine.
 *
 * With --hot-pair N ROUNDS or --cold-pair N ROUNDS first, two images are
 * compared in one process: IMAGE VVAR_START VDSO_DATA OFFSETS MODE for A,
 * the same five for B, then CLOCK [ENTRY]. Each round times A and B in
 * turn: with --hot-pair N calls in a loop of each (which goes first
 * alternates; ns per call), with --cold-pair N flushed calls of each,
 * one of A, one of B, in the order A B B A ..., both images first copied
 * to new places (the interquartile mean of each image's TSC ticks). It
 * prints "A B" on a line of its own. The process runs on one CPU, with
 * address space randomization off: where ASLR puts the stack and the
 * images moves one process's figures by as much as 40%.
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/elf.h>
#include <time.h>
#include <cpuid.h>
#include <x86intrin.h>

#include "stats.h"

#define PAGE		4096UL
#define CS_BASES	2
#define NR_BASETIME	12
#define CLOCKMODE_TSC	1
#define CLOCKMODE_TIMENS 0x7fffffff

/* struct vdso_data of Linux 6.1, x86 (no arch data). */
struct vdata {
	uint32_t seq;
	int32_t clock_mode;
	uint64_t cycle_last;
	uint64_t mask;
	uint32_t mult;
	uint32_t shift;
	struct { uint64_t sec, nsec; } basetime[NR_BASETIME];
	int32_t tz_minuteswest, tz_dsttime;
	uint32_t hrtimer_res, unused;
};

/* The helpers find a clock's offset by the size of struct vdso_data. */
static_assert(sizeof(struct vdata) == 240, "struct vdata is not vdso_data");

/* TIMENS_VDSO_DATA_SLOTS of include/linux/timens_offsets.h */
#define TIMENS_DATA_SLOTS	32

struct kts {
	long long sec, nsec;
};

struct kts32 {
	int sec, nsec;
};

#ifdef __x86_64__
#define REG_IP(r)	((r).rip)
#else
#define REG_IP(r)	((r).eip)
#endif

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/*
 * A section header of either ELF class: an x32 image is x86-64 code in a
 * 32-bit ELF file, which the 64-bit tool runs (a host kernel need not
 * run x32 programs).
 */
struct section {
	unsigned long type, addr, offset, size, link, name;
};

static int elf64(const unsigned char *img)
{
	return img[EI_CLASS] == ELFCLASS64;
}

static int nr_sections(const unsigned char *img)
{
	return elf64(img) ? ((const struct elf64_hdr *)img)->e_shnum :
			    ((const struct elf32_hdr *)img)->e_shnum;
}

static struct section section_at(const unsigned char *img, int i)
{
	struct section sec;

	if (elf64(img)) {
		const struct elf64_hdr *eh = (const void *)img;
		const struct elf64_shdr *sh = (const void *)(img + eh->e_shoff);

		sec = (struct section){ sh[i].sh_type, sh[i].sh_addr,
			sh[i].sh_offset, sh[i].sh_size, sh[i].sh_link,
			sh[i].sh_name };
	} else {
		const struct elf32_hdr *eh = (const void *)img;
		const struct elf32_shdr *sh = (const void *)(img + eh->e_shoff);

		sec = (struct section){ sh[i].sh_type, sh[i].sh_addr,
			sh[i].sh_offset, sh[i].sh_size, sh[i].sh_link,
			sh[i].sh_name };
	}
	return sec;
}

/* The name and value of symbol @k of the table in @sec. */
static void symbol_at(const unsigned char *img, const struct section *sec,
		      unsigned long k, unsigned long *name, unsigned long *value)
{
	if (elf64(img)) {
		const struct elf64_sym *sym = (const void *)(img + sec->offset);

		*name = sym[k].st_name;
		*value = sym[k].st_value;
	} else {
		const struct elf32_sym *sym = (const void *)(img + sec->offset);

		*name = sym[k].st_name;
		*value = sym[k].st_value;
	}
}

static unsigned long lookup(const unsigned char *img, const char *name)
{
	unsigned long entsize = elf64(img) ? sizeof(struct elf64_sym) :
					     sizeof(struct elf32_sym);
	int i;

	for (i = 0; i < nr_sections(img); i++) {
		struct section sec = section_at(img, i);
		unsigned long k, st_name, value;
		const char *str;

		if (sec.type != SHT_DYNSYM)
			continue;
		str = (const char *)img + section_at(img, sec.link).offset;
		for (k = 0; k < sec.size / entsize; k++) {
			symbol_at(img, &sec, k, &st_name, &value);
			if (!strcmp(str + st_name, name))
				return value;
		}
	}
	fprintf(stderr, "vdso_icount: no %s in the image\n", name);
	exit(2);
}

static void fill_host(struct vdata *vd, int clock)
{
	int i;

	for (i = 0; i < CS_BASES; i++) {
		vd[i].clock_mode = CLOCKMODE_TSC;
		vd[i].mask = ~0ULL;
		/* mult 0: the reading is the base time, every time. */
		vd[i].basetime[clock].sec = 1000;
		vd[i].basetime[clock].nsec = 500000000;
		vd[i].hrtimer_res = 1;
	}
}

static int find_section(const unsigned char *img, const char *name,
			struct section *found)
{
	int i, shstrndx = elf64(img) ?
		((const struct elf64_hdr *)img)->e_shstrndx :
		((const struct elf32_hdr *)img)->e_shstrndx;
	const char *names = (const char *)img +
			    section_at(img, shstrndx).offset;

	for (i = 0; i < nr_sections(img); i++) {
		*found = section_at(img, i);
		if (!strcmp(names + found->name, name))
			return 1;
	}
	return 0;
}

/* struct alt_instr of Linux 6.1, x86. */
struct alt_instr {
	int32_t instr_offset, repl_offset;
	uint16_t cpuid;
	uint8_t instrlen, replacementlen;
};

static_assert(sizeof(struct alt_instr) == 12, "struct alt_instr is not 6.1's");

static const unsigned char rdtscp[] = { 0x0f, 0x01, 0xf9 };
static const unsigned char lfence_rdtsc[] = { 0x0f, 0xae, 0xe8, 0x0f, 0x31 };

static int cpu_has_rdtscp(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (d & (1U << 27));
}

/*
 * Make rdtsc_ordered() in @text what the kernel makes it on this CPU:
 * of its alternatives, RDTSCP if the CPU has it, else LFENCE; RDTSC,
 * padded with NOPs. Returns how many were applied.
 */
static int apply_rdtsc_alternatives(unsigned char *text,
				    const unsigned char *img)
{
	static const unsigned char nops[][3] = {
		{ 0 }, { 0x90 }, { 0x66, 0x90 }, { 0x0f, 0x1f, 0x00 },
	};
	struct section alt;
	const unsigned char *want = cpu_has_rdtscp() ? rdtscp : lfence_rdtsc;
	int want_len = want == rdtscp ? sizeof(rdtscp) : sizeof(lfence_rdtsc);
	unsigned long i, n;
	int applied = 0;

	if (!find_section(img, ".altinstructions", &alt))
		return 0;
	n = alt.size / sizeof(struct alt_instr);
	for (i = 0; i < n; i++) {
		unsigned long at = alt.addr + i * sizeof(struct alt_instr);
		const struct alt_instr *a = (const void *)(img + alt.offset +
						i * sizeof(struct alt_instr));
		unsigned char *instr = text + at + a->instr_offset;
		const unsigned char *repl = text + at + 4 + a->repl_offset;
		int pad = a->instrlen - a->replacementlen;

		if (a->replacementlen != want_len ||
		    memcmp(repl, want, want_len) || pad < 0 || pad > 3)
			continue;
		memcpy(instr, repl, want_len);
		memcpy(instr + want_len, nops[pad], pad);
		applied++;
	}
	return applied;
}

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Rounds of the hot loop. */
#define HOT_ROUNDS 15

/* Time @gettime on this CPU: "hot" or "cold", see the top. */
static void time_calls(const char *how, int n, unsigned char *area,
		       unsigned long len,
		       int (*gettime)(int clock, struct kts *ts), int clock)
{
	struct kts ts;
	unsigned long i;
	int r, k;

	if (!strcmp(how, "--hot")) {
		unsigned long long best = ~0ULL;

		/*
		 * The fastest round: on a shared machine other work only
		 * ever adds time, and it comes in bursts as long as a round.
		 */
		for (r = 0; r < HOT_ROUNDS; r++) {
			unsigned long long t0 = now_ns(), per_call;

			for (k = 0; k < n; k++)
				gettime(clock, &ts);
			per_call = (now_ns() - t0) * 1000 / n;
			if (per_call < best)
				best = per_call;
		}
		printf("%.3f\n", best / 1000.0);
	} else {
		unsigned long long *v = calloc(n, sizeof(*v));

		if (!v)
			die("calloc");
		for (k = 0; k < n; k++) {
			unsigned long long t0, t1;
			unsigned int aux;

			for (i = 0; i < len; i += 64)
				asm volatile("clflush %0" : : "m" (area[i]));
			asm volatile("mfence" : : : "memory");
			t0 = __rdtscp(&aux);
			asm volatile("lfence" : : : "memory");
			gettime(clock, &ts);
			t1 = __rdtscp(&aux);
			v[k] = t1 - t0;
		}
		printf("%llu\n", mode_of(v, n));
		free(v);
	}
}

/* A built image loaded behind its synthetic VVAR area. */
struct loaded {
	unsigned char *img, *area, *text;
	unsigned long size;		/* of the image file */
	long vvar_start;
	int (*gettime)(int clock, struct kts *ts);
};

/*
 * Load @spec: IMAGE VVAR_START VDSO_DATA OFFSETS MODE, see the top, set
 * up for @clock and find @entry (NULL for the default).
 */
static void load(struct loaded *l, char **spec, int clock, const char *entry,
		 int timed)
{
	long vdso_data, offsets;
	const char *mode;
	struct stat st;
	int fd;

	l->vvar_start = strtol(spec[1], NULL, 0);
	vdso_data = strtol(spec[2], NULL, 0);
	offsets = strtol(spec[3], NULL, 0);
	mode = spec[4];

	fd = open(spec[0], O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		die(spec[0]);
	l->size = st.st_size;
	l->img = malloc(l->size);
	if (!l->img || read(fd, l->img, l->size) != (ssize_t)l->size)
		die("read");
	close(fd);

	l->area = mmap(NULL, -l->vvar_start + l->size + PAGE,
		       PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (l->area == MAP_FAILED)
		die("mmap");
	l->text = l->area - l->vvar_start;
	memcpy(l->text, l->img, l->size);
	if (timed && !apply_rdtsc_alternatives(l->text, l->img)) {
		fprintf(stderr, "vdso_icount: no RDTSC alternative in %s\n",
			spec[0]);
		exit(2);
	}
	if (mprotect(l->text, (l->size + PAGE - 1) & ~(PAGE - 1),
		     PROT_READ | PROT_EXEC))
		die("mprotect");

	if (!strcmp(mode, "host")) {
		fill_host((void *)(l->text + vdso_data), clock);
	} else if (!strcmp(mode, "ours")) {
		/*
		 * struct timens_vdso_offsets: data[TIMENS_DATA_SLOTS], laid
		 * out as the vdso_data array, then data32[TIMENS_DATA_SLOTS],
		 * the same slots packed for struct old_timespec32, 16 bytes
		 * each.
		 */
		struct kts *off = (void *)(l->text + offsets);
		struct kts32 *off32 = (void *)(off + TIMENS_DATA_SLOTS);
		int i, per_base = sizeof(struct vdata) / sizeof(*off);

		fill_host((void *)(l->text + vdso_data), clock);
		for (i = 0; i < CS_BASES; i++) {
			off[i * per_base + clock].sec = 86400;
			off[i * per_base + clock].nsec = 100000000;
			/* struct kts32 is 8 bytes, half a slot */
			off32[2 * (i * per_base + clock)].sec = 86400;
			off32[2 * (i * per_base + clock)].nsec = 100000000;
		}
	} else if (!strcmp(mode, "upstream")) {
		struct vdata *ns = (void *)(l->text + vdso_data);
		int i;

		/* The real data where upstream moves it ... */
		fill_host((void *)(l->text + offsets + (vdso_data & (PAGE - 1))),
			  clock);
		/* ... and the namespace's in the VVAR page. */
		for (i = 0; i < CS_BASES; i++) {
			ns[i].seq = 1;
			ns[i].clock_mode = CLOCKMODE_TIMENS;
			ns[i].basetime[clock].sec = 86400;
			ns[i].basetime[clock].nsec = 100000000;
		}
	} else {
		fprintf(stderr, "vdso_icount: unknown mode %s\n", mode);
		exit(2);
	}
	l->gettime = (void *)(l->text + lookup(l->img, entry));
}

static const char *default_entry(const char *entry)
{
#ifdef __x86_64__
	return entry ? entry : "__vdso_clock_gettime";
#else
	return entry ? entry : "__vdso_clock_gettime64";
#endif
}

/*
 * One process's figures must not depend on where it was put: run on the
 * last CPU only, and with ASLR off (re-executing ourselves once to get
 * that).
 */
static void steady(char **argv)
{
	int pers = personality(0xffffffff);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (pers != -1 && !(pers & ADDR_NO_RANDOMIZE)) {
		if (personality(pers | ADDR_NO_RANDOMIZE) != -1) {
			execv("/proc/self/exe", argv);
			die("execv");
		}
	}
	CPU_ZERO(&set);
	CPU_SET(ncpu > 1 ? ncpu - 1 : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

/* ns per call of @n calls in a loop. */
static double hot_calls(const struct loaded *l, int clock, int n)
{
	unsigned long long t0 = now_ns();
	struct kts ts;
	int k;

	for (k = 0; k < n; k++)
		l->gettime(clock, &ts);
	return (double)(now_ns() - t0) / n;
}

/*
 * The stack's place modulo 4 KiB decides whether its stores alias the
 * VVAR loads (4K aliasing): ASLR picks it at random, so each round puts
 * the stack @slot * 64 bytes lower, and a cycle of STACK_SLOTS rounds
 * sees every place a real process may have.
 */
#define STACK_SLOTS	64

static double hot_round(const struct loaded *l, int clock, int n, int slot)
{
	double (*calls)(const struct loaded *l, int clock, int n) = hot_calls;
	char *pad = alloca(64 * (slot % STACK_SLOTS) + 1);

	/*
	 * The pad must be kept, and hot_calls() not inlined, so that its
	 * frame lies below the pad: hide both from the compiler.
	 */
	asm volatile("" : "+r" (calls) : "r" (pad) : "memory");
	return calls(l, clock, n);
}

/*
 * TSC ticks of one call, with @l flushed from the caches before it. The
 * vDSO is called indirectly: each image has a copy of this function of
 * its own, cold_call_a() and cold_call_b(), so that the call's target is
 * always the one predicted. Through one call site the predictor would
 * guess between the two images, and a wrong guess fetches the other
 * image's flushed code: one image measured against itself came out 3%
 * faster as B than as A that way.
 */
static __always_inline unsigned long long
cold_call(const struct loaded *l, int clock)
{
	unsigned long len = -l->vvar_start + l->size, i;
	unsigned long long t0, t1;
	unsigned int aux;
	struct kts ts;

	for (i = 0; i < len; i += 64)
		asm volatile("clflush %0" : : "m" (l->area[i]));
	asm volatile("mfence" : : : "memory");
	t0 = __rdtscp(&aux);
	asm volatile("lfence" : : : "memory");
	l->gettime(clock, &ts);
	t1 = __rdtscp(&aux);
	return t1 - t0;
}

static unsigned long long cold_call_a(const struct loaded *l, int clock)
{
	return cold_call(l, clock);
}

static unsigned long long cold_call_b(const struct loaded *l, int clock)
{
	/* Not the same code as cold_call_a(), which GCC would fold into it */
	asm volatile("");
	return cold_call(l, clock);
}

/*
 * Called through this table with an index known only at run time,
 * neither is inlined into the loop, where the two calls might become one
 * again (GCC 12 keeps the two functions and their calls apart).
 */
static unsigned long long (*cold_calls[2])(const struct loaded *l, int clock) = {
	cold_call_a, cold_call_b,
};

/*
 * Where a line is in memory changes what its miss costs, by several per
 * cent, and a process's pages stay where they are: for --cold-pair each
 * round copies the two images (with their VVAR areas) into two slots
 * drawn at random from COLD_SLOTS of one mapping. Every slot serves both
 * images alike, so where they were put cancels out over the rounds.
 */
#define COLD_SLOTS	256

struct cold_slots {
	unsigned char *base;
	unsigned long len;		/* of a slot, whole pages */
};

static unsigned long area_len(const struct loaded *l)
{
	return (-l->vvar_start + l->size + PAGE - 1) & ~(PAGE - 1);
}

static void cold_slots_init(struct cold_slots *s, const struct loaded *l)
{
	/* Each process draws slots of its own. */
	srandom(getpid());
	s->len = area_len(&l[0]) > area_len(&l[1]) ? area_len(&l[0]) :
						     area_len(&l[1]);
	s->base = mmap(NULL, s->len * COLD_SLOTS, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (s->base == MAP_FAILED)
		die("mmap");
}

/* @to becomes @from, copied into slot @slot. */
static void cold_slot_copy(const struct cold_slots *s, int slot,
			   const struct loaded *from, struct loaded *to)
{
	unsigned char *area = s->base + slot * s->len;

	if (mprotect(area, s->len, PROT_READ | PROT_WRITE))
		die("mprotect");
	memcpy(area, from->area, area_len(from));
	*to = *from;
	to->area = area;
	to->text = area + (from->text - from->area);
	to->gettime = (void *)(to->text +
			       ((unsigned char *)from->gettime - from->text));
	if (mprotect(to->text, (to->size + PAGE - 1) & ~(PAGE - 1),
		     PROT_READ | PROT_EXEC))
		die("mprotect");
}

/*
 * One round of --cold-pair: @n flushed calls of each image, in the order
 * A B B A A B ..., so that neither image is always the one called after
 * the other, from slots of @s; @t gets each image's interquartile mean
 * of TSC ticks. The TSC may tick in steps of many cycles (26 on an AMD
 * EPYC): a median is one of those steps, a mean of many calls is finer.
 * With @swap, set every other round, the images trade places: which is
 * copied first, called first, and through which of cold_calls[]. Each
 * place has costs of its own (an image against itself came out 1.4%
 * slower as B without the swap), which the rounds then share out alike.
 */
static void cold_pair_round(const struct loaded *images,
			    const struct cold_slots *s, int clock, int n,
			    int swap, unsigned long long **v, double *t)
{
	int slot[2], i, k;
	struct loaded l[2];

	slot[0] = random() % COLD_SLOTS;
	do
		slot[1] = random() % COLD_SLOTS;
	while (slot[1] == slot[0]);
	for (i = 0; i < 2; i++)
		cold_slot_copy(s, slot[i], &images[i ^ swap], &l[i ^ swap]);
	for (k = 0; k < n; k++)
		for (i = 0; i < 2; i++) {
			int j = i ^ (k & 1) ^ swap;

			v[j][k] = cold_calls[j ^ swap](&l[j], clock);
		}
	for (i = 0; i < 2; i++)
		t[i] = interquartile_mean(v[i], n);
}

/* --hot-pair / --cold-pair: see the top. */
static int pair_main(int argc, char **argv)
{
	int cold = !strcmp(argv[1], "--cold-pair");
	int n = atoi(argv[2]), rounds = atoi(argv[3]), clock, r, i;
	unsigned long long *v[2];
	struct cold_slots slots;
	struct loaded l[2];
	const char *entry;
	double t[2];

	if (argc != 15 && argc != 16) {
		fputs("usage: vdso_icount --hot-pair|--cold-pair N ROUNDS\n"
		      "       IMAGE VVAR DATA OFFSETS MODE (A, then B) CLOCK [ENTRY]\n",
		      stderr);
		return 2;
	}
	if (n <= 0 || rounds <= 0) {
		fputs("vdso_icount: N and ROUNDS must be positive\n", stderr);
		return 2;
	}
	if (cold && rounds % 2) {
		/* Each image must be A in as many rounds as it is B. */
		fputs("vdso_icount: --cold-pair takes an even ROUNDS\n", stderr);
		return 2;
	}
	steady(argv);
	clock = atoi(argv[14]);
	entry = default_entry(argc == 16 ? argv[15] : NULL);
	load(&l[0], argv + 4, clock, entry, 1);
	load(&l[1], argv + 9, clock, entry, 1);
	for (i = 0; i < 2; i++) {
		v[i] = calloc(n, sizeof(*v[i]));
		if (!v[i])
			die("calloc");
	}
	/* A first round, not counted, to settle the caches. */
	if (cold) {
		cold_slots_init(&slots, l);
		cold_pair_round(l, &slots, clock, n, 0, v, t);
	} else {
		for (i = 0; i < 2; i++)
			hot_round(&l[i], clock, n, 0);
	}
	for (r = 0; r < rounds; r++) {
		if (cold) {
			cold_pair_round(l, &slots, clock, n, r & 1, v, t);
		} else {
			for (i = 0; i < 2; i++) {
				int k = i ^ (r & 1);

				t[k] = hot_round(&l[k], clock, n, r / 2);
			}
		}
		printf("%.4f %.4f\n", t[0], t[1]);
	}
	for (i = 0; i < 2; i++)
		free(v[i]);
	return 0;
}

int main(int argc, char **argv)
{
	struct kts32 ts32 = { 0, 0 };
	unsigned long long steps = 0;
	const char *timing = NULL, *entry;
	int clock, status, pfd[2], old32;
	int timed_calls = 0;
	struct loaded l;
	struct kts ts;
	pid_t pid;

	if (argc > 3 && (!strcmp(argv[1], "--hot-pair") ||
			 !strcmp(argv[1], "--cold-pair")))
		return pair_main(argc, argv);
	if (argc > 2 && (!strcmp(argv[1], "--hot") || !strcmp(argv[1], "--cold"))) {
		timing = argv[1];
		timed_calls = atoi(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc != 7 && argc != 8) {
		fputs("usage: vdso_icount [--hot N | --cold N] IMAGE VVAR DATA\n"
		      "       OFFSETS MODE CLOCK [ENTRY]\n"
		      "       vdso_icount --hot-pair|--cold-pair N ROUNDS A... B... CLOCK [ENTRY]\n",
		      stderr);
		return 2;
	}
	clock = atoi(argv[6]);
	entry = default_entry(argc == 8 ? argv[7] : NULL);
#ifdef __x86_64__
	old32 = 0;
#else
	old32 = !strcmp(entry, "__vdso_clock_gettime");
#endif
	load(&l, argv + 1, clock, entry, !!timing);
	if (timing && timed_calls > 0) {
		time_calls(timing, timed_calls, l.area, -l.vvar_start + l.size,
			   l.gettime, clock);
		return 0;
	}

	if (pipe(pfd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		int ret;

		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		if (!strcmp(entry, "__vdso_gettimeofday")) {
			/* struct __kernel_old_timeval: two longs */
			long tv[2];

			ret = ((int (*)(long *, void *))l.gettime)(tv, NULL);
			ts.sec = tv[0];
			ts.nsec = tv[1] * 1000;
		} else if (!strcmp(entry, "__vdso_time")) {
			ts.sec = ((long (*)(long *))l.gettime)(NULL);
			ts.nsec = 0;
			ret = 0;
		} else if (old32) {
			ret = l.gettime(clock, (struct kts *)&ts32);
			ts.sec = ts32.sec;
			ts.nsec = ts32.nsec;
		} else {
			ret = l.gettime(clock, &ts);
		}
		if (write(pfd[1], &ts, sizeof(ts)) != sizeof(ts))
			ret = -1;
		syscall(SYS_exit, ret ? 1 : 0);
	}

	if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status))
		die("waitpid");
	for (;;) {
		struct user_regs_struct regs;

		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			die("PTRACE_GETREGS");
		if (REG_IP(regs) >= (unsigned long)l.text &&
		    REG_IP(regs) < (unsigned long)l.text + l.size)
			steps++;
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL))
			die("PTRACE_SINGLESTEP");
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
		if (WIFEXITED(status))
			break;
		if (WIFSIGNALED(status)) {
			fprintf(stderr, "vdso_icount: the call died of signal %d\n",
				WTERMSIG(status));
			return 1;
		}
		/*
		 * A fault stops the tracee with its signal, undelivered:
		 * stepping on would run the faulting instruction forever.
		 */
		if (WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP) {
			fprintf(stderr, "vdso_icount: the call got signal %d, step %llu\n",
				WSTOPSIG(status), steps);
			kill(pid, SIGKILL);
			return 1;
		}
	}
	if (WEXITSTATUS(status) || read(pfd[0], &ts, sizeof(ts)) != sizeof(ts)) {
		fprintf(stderr, "vdso_icount: the call failed\n");
		return 1;
	}
	printf("%llu %lld.%09lld\n", steps, ts.sec, ts.nsec);
	return 0;
}

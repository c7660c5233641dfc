// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * icount.c: a QEMU TCG plugin (plugin API version 1, QEMU 7.2) that
 * counts the guest instructions executed, kernel and user apart, and
 * reports the counts at marker instructions that the guest program
 * executes (user/cli/icount.h). Built by scripts/icount/build.sh against
 * the qemu-plugin.h of Debian's qemu source package; used by
 * make bench ICOUNT=1 and make check's icount stage.
 *
 * Marker: the 7-byte nop  nopl 0x4d44XXXX(%rax)  =  0f 1f 80 XX XX 44 4d,
 * matched by its bytes at translation time; XXXX (little-endian) is the
 * marker id. Compilers pad with displacement 0, never with this one.
 *
 * Kernel or user: by the instruction's address (x86_64 kernel text is
 * at >= 0xffff800000000000). Counting is an inline add per instruction
 * into one set of counters: run the guest with -smp 1.
 *
 * rep string instructions: TCG executes one iteration per pass, so each
 * iteration counts as one instruction; they are also counted apart
 * (krep, urep): clear_page_erms is 4096 of them per page.
 *
 * Exclusion (entries=PATH, lines "ADDR irq|exc|sys|switch" from the
 * guest's kallsyms under nokaslr, scripts/icount/entries.sh): an irq
 * entry at depth 0 starts an interrupt period; inside it every entry
 * nests one deeper and every iretq / sysretq (matched by bytes) returns
 * one level. In __switch_to_asm the load "mov TASK_threadsp(%rsi),%rsp"
 * (48 8b a6 disp32) reads next->thread.sp: a memory callback on it names
 * the task that runs next. Instructions run in an interrupt period, or
 * while another task than the marker's runs, are counted as excluded
 * (kx, ux) and left out of the window's own counts by the host.
 *
 * QEMU 7.2 bug: a memory callback registered for reads only never fires
 * (plugin-gen.c compares the access's rw with the callback's rw + 1).
 * The callback is registered for reads and writes and drops stores.
 *
 * Arguments: -plugin file=icount.so,out=PATH[,entries=PATH][,prof=ID]...
 *   out=PATH     the report (required)
 *   entries=PATH interrupt, exception, syscall entries and __switch_to_asm
 *   prof=ID      (up to 8) a flat profile of the window that ends at
 *                marker ID and starts at the marker before it: one line
 *                per translated block executed in it,
 *                "prof id=ID pc=0x... insns=N execs=E" (a block left
 *                early counts in full)
 *
 * Report, one line per executed marker:
 *   mark id=0xXXXX dk= du= dkrep= durep= dkx= dux= dkt= dut= dsw= broken=0|1
 * (the counts since the previous marker; dk and du include the excluded
 * dkx and dux, of which dkt and dut ran in other tasks outside
 * interrupts, e.g. the kworker that serves a ring; dsw: switches away
 * from the marker's task; broken=1: the
 * marker was met while excluded, the window's counts are not to be
 * trusted), then
 *   exit k= u= krep= urep= kx= ux= sw= marks= broken= marker_sites=
 *        switch_sites= switch_calls= irq_periods= entries=
 * broken: markers met while excluded (an exclusion that did not end).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

enum { C_K, C_U, C_KREP, C_UREP, C_KX, C_UX, C_KT, C_UT, C_SW, C_N };

/* Whose instructions run: the marker's task, an interrupt, another task. */
enum who { W_OWN, W_IRQ, W_TASK };

static struct {
	uint64_t c[C_N];
	uint64_t last[C_N];	/* at the previous marker */
	uint64_t marks;
	int depth;		/* interrupt nesting */
	uint64_t cur_task;	/* &current->thread.sp, from __switch_to_asm */
	uint64_t my_task;	/* the same for the task of the last marker */
	enum who who;
	uint64_t snap_k, snap_u;	/* the counts when who last changed */
	uint64_t broken;
	uint64_t irq_periods;
} cpu;

static FILE *out;
static uint64_t marker_sites, switch_sites, switch_calls;

enum ent { E_NONE, E_IRQ, E_EXC, E_SYS };
static GHashTable *entries;	/* kernel address -> enum ent */
static unsigned int nr_entries;
static uint64_t switch_addr;	/* __switch_to_asm; 0: none */

/* prof=: an execution counter per translated block. */
struct tb_prof {
	uint64_t pc;
	uint64_t n;		/* instructions in the block */
	uint64_t execs;		/* inline-incremented */
};
#define MAX_PROF 8
static unsigned int prof_ids[MAX_PROF], nr_prof;
static GPtrArray *profs;
static GMutex prof_lock;

/* An x86 rep/repne-prefixed string instruction? */
static bool is_rep_string(const uint8_t *d, size_t n)
{
	bool rep = false;
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t b = d[i];

		if (b == 0xf3 || b == 0xf2)
			rep = true;
		else if (b == 0x66 || b == 0x67 || b == 0x2e || b == 0x3e ||
			 b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65 ||
			 b == 0xf0 || (b & 0xf0) == 0x40)
			continue;	/* other legacy prefixes, REX */
		else
			return rep && ((b >= 0xa4 && b <= 0xa7) ||
				       (b >= 0xaa && b <= 0xaf) ||
				       (b >= 0x6c && b <= 0x6f));
	}
	return false;
}

/* The marker id, or -1. */
static int marker_id(const uint8_t *d, size_t n)
{
	if (n == 7 && d[0] == 0x0f && d[1] == 0x1f && d[2] == 0x80 &&
	    d[5] == 0x44 && d[6] == 0x4d)
		return d[3] | d[4] << 8;
	return -1;
}

static int pc_cmp(const void *a, const void *b)
{
	const struct tb_prof *x = *(struct tb_prof *const *)a;
	const struct tb_prof *y = *(struct tb_prof *const *)b;

	return (x->pc > y->pc) - (x->pc < y->pc);
}

static void prof_reset(void)
{
	unsigned int j;

	g_mutex_lock(&prof_lock);
	for (j = 0; j < profs->len; j++)
		((struct tb_prof *)profs->pdata[j])->execs = 0;
	g_mutex_unlock(&prof_lock);
}

static void prof_dump(unsigned int id)
{
	GPtrArray *a;
	unsigned int j;

	g_mutex_lock(&prof_lock);
	a = g_ptr_array_sized_new(profs->len);
	for (j = 0; j < profs->len; j++)
		g_ptr_array_add(a, profs->pdata[j]);
	g_mutex_unlock(&prof_lock);
	qsort(a->pdata, a->len, sizeof(void *), pc_cmp);
	/* The same pc may have been translated more than once. */
	for (j = 0; j < a->len;) {
		struct tb_prof *p = a->pdata[j];
		uint64_t insns = 0, execs = 0;

		for (; j < a->len &&
		       ((struct tb_prof *)a->pdata[j])->pc == p->pc; j++) {
			struct tb_prof *q = a->pdata[j];

			insns += q->execs * q->n;
			execs += q->execs;
		}
		if (execs)
			fprintf(out, "prof id=0x%04x pc=0x%" PRIx64
				" insns=%" PRIu64 " execs=%" PRIu64 "\n",
				id, p->pc, insns, execs);
	}
	g_ptr_array_free(a, true);
}

/*
 * Account what ran since the last change to whoever ran it, as the depth
 * and the task now say who runs next. Interrupts and other tasks are
 * both excluded (kx, ux); other tasks outside interrupts also in kt, ut.
 */
static void set_excluded(void)
{
	enum who w = cpu.depth > 0 ? W_IRQ :
		     cpu.my_task && cpu.cur_task != cpu.my_task ? W_TASK :
		     W_OWN;

	if (w == cpu.who)
		return;
	if (cpu.who != W_OWN) {
		uint64_t k = cpu.c[C_K] - cpu.snap_k, u = cpu.c[C_U] - cpu.snap_u;

		cpu.c[C_KX] += k;
		cpu.c[C_UX] += u;
		if (cpu.who == W_TASK) {
			cpu.c[C_KT] += k;
			cpu.c[C_UT] += u;
		}
	}
	cpu.snap_k = cpu.c[C_K];
	cpu.snap_u = cpu.c[C_U];
	cpu.who = w;
}

static void on_marker(unsigned int vcpu, void *udata)
{
	unsigned int id = GPOINTER_TO_UINT(udata), i;
	bool broken = cpu.who != W_OWN;
	uint64_t d[C_N];

	if (broken) {
		/* A marker is user code of its own task: end the exclusion. */
		cpu.broken++;
		cpu.depth = 0;
		cpu.my_task = cpu.cur_task;
		set_excluded();
	}
	cpu.my_task = cpu.cur_task;
	for (i = 0; i < C_N; i++) {
		d[i] = cpu.c[i] - cpu.last[i];
		cpu.last[i] = cpu.c[i];
	}
	cpu.marks++;
	for (i = 0; i < nr_prof; i++) {
		if (id == prof_ids[i])
			prof_dump(id);
		else if (id + 1 == prof_ids[i])
			prof_reset();
	}
	fprintf(out, "mark id=0x%04x dk=%" PRIu64 " du=%" PRIu64
		" dkrep=%" PRIu64 " durep=%" PRIu64 " dkx=%" PRIu64
		" dux=%" PRIu64 " dkt=%" PRIu64 " dut=%" PRIu64 " dsw=%" PRIu64
		" broken=%d\n", id, d[C_K], d[C_U], d[C_KREP], d[C_UREP],
		d[C_KX], d[C_UX], d[C_KT], d[C_UT], d[C_SW], broken);
	fflush(out);
}

static void on_entry(unsigned int vcpu, void *udata)
{
	if (cpu.depth > 0) {
		cpu.depth++;
	} else if (GPOINTER_TO_UINT(udata) == E_IRQ) {
		cpu.depth = 1;
		cpu.irq_periods++;
	}
	set_excluded();
}

static void on_return(unsigned int vcpu, void *udata)
{
	if (cpu.depth > 0)
		cpu.depth--;
	set_excluded();
}

static void on_switch(unsigned int vcpu, qemu_plugin_meminfo_t info,
		      uint64_t vaddr, void *udata)
{
	if (qemu_plugin_mem_is_store(info))
		return;
	switch_calls++;
	if (cpu.my_task && cpu.cur_task == cpu.my_task &&
	    vaddr != cpu.my_task)
		cpu.c[C_SW]++;
	cpu.cur_task = vaddr;
	set_excluded();
}

static int load_entries(const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "icount: cannot open %s\n", path);
		return -1;
	}
	entries = g_hash_table_new_full(g_int64_hash, g_int64_equal,
					g_free, NULL);
	while (fgets(line, sizeof(line), f)) {
		char kind[16];
		uint64_t a, *k;

		if (sscanf(line, "%" SCNx64 " %15s", &a, kind) != 2)
			continue;
		if (!strcmp(kind, "switch")) {
			switch_addr = a;
			continue;
		}
		k = g_new(uint64_t, 1);
		*k = a;
		g_hash_table_insert(entries, k, GUINT_TO_POINTER(
			!strcmp(kind, "irq") ? E_IRQ :
			!strcmp(kind, "exc") ? E_EXC : E_SYS));
		nr_entries++;
	}
	fclose(f);
	if (!switch_addr || !nr_entries) {
		fprintf(stderr, "icount: %s has no switch line or no entries\n",
			path);
		return -1;
	}
	return 0;
}

static void kernel_insn(struct qemu_plugin_insn *insn, const uint8_t *d,
			size_t sz, uint64_t va)
{
	gpointer e = g_hash_table_lookup(entries, &va);

	if (e)
		qemu_plugin_register_vcpu_insn_exec_cb(
			insn, on_entry, QEMU_PLUGIN_CB_NO_REGS, e);
	/* iretq 48 cf, sysretq 48 0f 07 */
	if ((sz == 2 && d[0] == 0x48 && d[1] == 0xcf) ||
	    (sz == 3 && d[0] == 0x48 && d[1] == 0x0f && d[2] == 0x07))
		qemu_plugin_register_vcpu_insn_exec_cb(
			insn, on_return, QEMU_PLUGIN_CB_NO_REGS, NULL);
	/* mov disp32(%rsi),%rsp in __switch_to_asm */
	if (va >= switch_addr && va < switch_addr + 0x80 && sz == 7 &&
	    d[0] == 0x48 && d[1] == 0x8b && d[2] == 0xa6) {
		__atomic_add_fetch(&switch_sites, 1, __ATOMIC_RELAXED);
		qemu_plugin_register_vcpu_mem_cb(insn, on_switch,
						 QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, NULL);
	}
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;
	bool k = (int64_t)qemu_plugin_tb_vaddr(tb) < 0;
	uint64_t *ctr = &cpu.c[k ? C_K : C_U];
	uint64_t *rctr = &cpu.c[k ? C_KREP : C_UREP];

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const uint8_t *d = qemu_plugin_insn_data(insn);
		size_t sz = qemu_plugin_insn_size(insn);
		int mid = marker_id(d, sz);

		if (entries && k)
			kernel_insn(insn, d, sz, qemu_plugin_insn_vaddr(insn));
		qemu_plugin_register_vcpu_insn_exec_inline(
			insn, QEMU_PLUGIN_INLINE_ADD_U64, ctr, 1);
		if (is_rep_string(d, sz))
			qemu_plugin_register_vcpu_insn_exec_inline(
				insn, QEMU_PLUGIN_INLINE_ADD_U64, rctr, 1);
		if (mid >= 0 && !k) {
			__atomic_add_fetch(&marker_sites, 1, __ATOMIC_RELAXED);
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
				GUINT_TO_POINTER((unsigned int)mid));
		}
	}
	if (nr_prof) {
		struct tb_prof *p = g_new0(struct tb_prof, 1);

		p->pc = qemu_plugin_tb_vaddr(tb);
		p->n = n;
		g_mutex_lock(&prof_lock);
		g_ptr_array_add(profs, p);
		g_mutex_unlock(&prof_lock);
		qemu_plugin_register_vcpu_tb_exec_inline(
			tb, QEMU_PLUGIN_INLINE_ADD_U64, &p->execs, 1);
	}
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
	fprintf(out, "exit k=%" PRIu64 " u=%" PRIu64 " krep=%" PRIu64
		" urep=%" PRIu64 " kx=%" PRIu64 " ux=%" PRIu64 " sw=%" PRIu64
		" marks=%" PRIu64 " broken=%" PRIu64 " marker_sites=%" PRIu64
		" switch_sites=%" PRIu64 " switch_calls=%" PRIu64
		" irq_periods=%" PRIu64 " entries=%u\n",
		cpu.c[C_K], cpu.c[C_U], cpu.c[C_KREP], cpu.c[C_UREP],
		cpu.c[C_KX], cpu.c[C_UX], cpu.c[C_SW], cpu.marks, cpu.broken,
		marker_sites, switch_sites, switch_calls, cpu.irq_periods,
		nr_entries);
	fclose(out);
	out = NULL;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	if (strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "icount: x86_64 guests only, not %s\n",
			info->target_name);
		return -1;
	}
	if (info->system_emulation && info->system.smp_vcpus > 1) {
		fprintf(stderr, "icount: %d vCPUs; the counters are for one: use -smp 1\n",
			info->system.smp_vcpus);
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "entries=", 8)) {
			if (load_entries(argv[i] + 8))
				return -1;
		} else if (!strncmp(argv[i], "prof=", 5) && nr_prof < MAX_PROF) {
			prof_ids[nr_prof++] = strtoul(argv[i] + 5, NULL, 0);
		} else if (!strncmp(argv[i], "out=", 4)) {
			out = fopen(argv[i] + 4, "w");
			if (!out) {
				fprintf(stderr, "icount: cannot open %s\n",
					argv[i] + 4);
				return -1;
			}
		} else {
			fprintf(stderr, "icount: unknown argument %s\n",
				argv[i]);
			return -1;
		}
	}
	if (!out) {
		fprintf(stderr, "icount: no out=PATH\n");
		return -1;
	}
	if (nr_prof)
		profs = g_ptr_array_new();
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}

/* tinymtl's instruction-counting TCG plugin for QEMU.
 *
 * Counts the guest instructions executed between calls of two marker functions:
 * every window opens when a translation block starting at `start=ADDR` executes and
 * closes after the one starting at `stop=ADDR`; both marker blocks are included (an
 * empty window measures them and `tinymtl bench` subtracts it). Prints one line per
 * window, `tinymtl-insn window K: N`, through QEMU's log (`-d plugin`), and the total
 * at exit. Deterministic: the count depends only on the guest's path, never on time.
 *
 * With `mark=ADDR` (the profile marker, `tinymtl_runtime::profile::step`) each
 * execution of the block at ADDR inside a window closes one interval, printed as
 * `tinymtl-insn mark K: N` (the marker's own block included; K counts marks from 0).
 * Every window and mark line is followed by its instruction mix,
 * `tinymtl-insn mix window K: class=N ...` / `tinymtl-insn mix mark K: ...` (classes
 * with a non-zero count only; the names are in `class_names`). Each instruction is
 * classified once, when its block is translated, from its disassembly (read as Arm
 * mnemonics: on RISC-V the classes are rough and the CLI estimates no cycles), so the
 * mix costs one addition per class and executed block. `taken` counts blocks ending in a control transfer that were left
 * for another address than the next instruction's (taken branches, returns).
 *
 * Debian's QEMU ships neither qemu-plugin.h nor its plugins, so the few declarations
 * used are written out here; they match include/qemu/qemu-plugin.h of QEMU 7.2
 * (plugin API version 1) and are unchanged in later versions. The version this file
 * declares comes from -DTINYMTL_PLUGIN_API=N (cli/src/qemu/bench.rs picks it from
 * `qemu-system-arm --version` or `qemu-system-riscv32 --version`).
 *
 * Build: gcc -O2 -shared -fPIC -o libinsn_count.so insn_count.c
 * Run:   qemu-system-arm ... -plugin ./libinsn_count.so,start=0xADDR,stop=0xADDR[,mark=0xADDR] -d plugin
 * Test:  gcc -DTINYMTL_CLASSIFY_MAIN -o classify insn_count.c; ./classify 'vldmia r0!, {s0, s1}'
 *        prints the class and register count of one disassembly line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TINYMTL_PLUGIN_API
#define TINYMTL_PLUGIN_API 1
#endif

/* ---- instruction classes (cli/src/qemu/cycles.rs prices them by name) ---- */

enum cls {
    C_ALU, C_MUL, C_DIV, C_BRANCH, C_LOAD, C_LOAD_PIPE, C_STORE, C_LDM, C_STM,
    C_FP_ALU, C_FP_MAC, C_FP_DIV, C_FP_LOAD, C_FP_LOAD_PIPE, C_FP_STORE, C_FP_LDM,
    C_FP_STM, C_OTHER,
    /* Not instruction classes: registers moved by the multiple loads/stores above
     * (d registers count two words), and taken control transfers. */
    C_LDM_REGS, C_STM_REGS, C_FP_LDM_REGS, C_FP_STM_REGS, C_TAKEN,
    N_CLASS
};
static const char *const class_names[N_CLASS] = {
    "alu", "mul", "div", "branch", "load", "load_pipelined", "store", "ldm", "stm",
    "fp_alu", "fp_mac", "fp_div", "fp_load", "fp_load_pipelined", "fp_store", "fp_ldm",
    "fp_stm", "other",
    "ldm_regs", "stm_regs", "fp_ldm_regs", "fp_stm_regs", "taken",
};

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* Whether `s` is empty or an Arm condition code. */
static bool is_cond(const char *s) {
    static const char *const conds[] = {"", "eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl",
                                        "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al"};
    for (size_t i = 0; i < sizeof conds / sizeof *conds; i++)
        if (!strcmp(s, conds[i])) return true;
    return false;
}

/* Words a register list `{r4, r5, lr}` / `{s16-s31}` / `{d8, d9}` moves. */
static unsigned list_words(const char *ops) {
    const char *p = strchr(ops, '{');
    unsigned n = 0;
    if (!p) return 1;
    for (p++; *p && *p != '}';) {
        while (*p == ' ' || *p == ',') p++;
        if (*p == '}' || !*p) break;
        char kind = *p;
        long a = strtol(p + 1, (char **)&p, 10), b = a;
        if (*p == '-') b = strtol(p + 2, (char **)&p, 10);
        else while (*p && *p != ',' && *p != '}') p++;
        n += (unsigned)((b >= a ? b - a + 1 : 1) * (kind == 'd' ? 2 : 1));
    }
    return n ? n : 1;
}

struct insn_class { enum cls cls; unsigned regs; bool control; };

/* Classifies one disassembled instruction (`mnemonic operands`, as capstone prints it);
 * `after_ls`: the previous instruction of the block was a single load or store. */
static struct insn_class classify(const char *dis, bool after_ls) {
    char m[32];
    size_t i = 0;
    while (dis[i] == ' ' || dis[i] == '\t') dis++;
    for (; dis[i] && dis[i] != ' ' && dis[i] != '\t' && dis[i] != '.' && i + 1 < sizeof m; i++)
        m[i] = dis[i];
    m[i] = 0;
    const char *ops = dis + i;
    while (*ops && *ops != ' ' && *ops != '\t') ops++;
    bool pc = strstr(ops, "pc") != NULL;
    struct insn_class r = {C_ALU, 0, false};
    if (m[0] == 'v') {
        if (starts(m, "vldr")) r.cls = after_ls ? C_FP_LOAD_PIPE : C_FP_LOAD;
        else if (starts(m, "vstr")) r.cls = C_FP_STORE;
        else if (starts(m, "vldm") || starts(m, "vpop")) { r.cls = C_FP_LDM; r.regs = list_words(ops); }
        else if (starts(m, "vstm") || starts(m, "vpush")) { r.cls = C_FP_STM; r.regs = list_words(ops); }
        else if (starts(m, "vfma") || starts(m, "vfms") || starts(m, "vfnma") || starts(m, "vfnms") ||
                 starts(m, "vmla") || starts(m, "vmls") || starts(m, "vnmla") || starts(m, "vnmls"))
            r.cls = C_FP_MAC;
        else if (starts(m, "vdiv") || starts(m, "vsqrt")) r.cls = C_FP_DIV;
        else r.cls = C_FP_ALU;
        return r;
    }
    if (starts(m, "ldrd")) { r.cls = C_LDM; r.regs = 2; }
    else if (starts(m, "strd")) { r.cls = C_STM; r.regs = 2; }
    else if (starts(m, "ldm") || starts(m, "pop")) {
        r.cls = C_LDM; r.regs = list_words(ops); r.control = pc;
    } else if (starts(m, "stm") || starts(m, "push")) { r.cls = C_STM; r.regs = list_words(ops); }
    else if (starts(m, "ldr") || starts(m, "lda")) {
        r.cls = after_ls ? C_LOAD_PIPE : C_LOAD;
        r.control = starts(ops + strspn(ops, " \t"), "pc");
    } else if (starts(m, "str") || starts(m, "stl")) r.cls = C_STORE;
    else if (starts(m, "sdiv") || starts(m, "udiv")) r.cls = C_DIV;
    else if (starts(m, "mul") || starts(m, "mla") || starts(m, "mls") || starts(m, "smu") ||
             starts(m, "smm") || starts(m, "sml") || starts(m, "umu") || starts(m, "uml") ||
             starts(m, "uma"))
        r.cls = C_MUL;
    else if (starts(m, "cbz") || starts(m, "cbnz") || starts(m, "tbb") || starts(m, "tbh") ||
             (m[0] == 'b' && (is_cond(m + 1) || (starts(m + 1, "lx") && is_cond(m + 3)) ||
                              ((m[1] == 'l' || m[1] == 'x') && is_cond(m + 2))))) {
        r.cls = C_BRANCH; r.control = true;
    } else if (starts(m, "nop") || starts(m, "dmb") || starts(m, "dsb") || starts(m, "isb") ||
               starts(m, "svc") || starts(m, "bkpt") || starts(m, "wf") || starts(m, "sev") ||
               starts(m, "cps") || starts(m, "mrs") || starts(m, "msr") || starts(m, "yield"))
        r.cls = C_OTHER;
    else {
        r.cls = C_ALU;
        /* mov pc, lr / add pc, ...: a data operation writing the PC. */
        r.control = starts(ops + strspn(ops, " \t"), "pc");
    }
    return r;
}

#ifdef TINYMTL_CLASSIFY_MAIN
/* The classifier alone, for the CLI's unit test: one line per argument. */
int main(int argc, char **argv) {
    bool after = false;
    for (int i = 1; i < argc; i++) {
        struct insn_class c = classify(argv[i], after);
        printf("%s %u%s\n", class_names[c.cls], c.regs, c.control ? " control" : "");
        after = c.cls == C_LOAD || c.cls == C_LOAD_PIPE || c.cls == C_STORE ||
                c.cls == C_FP_LOAD || c.cls == C_FP_LOAD_PIPE || c.cls == C_FP_STORE;
    }
    return 0;
}
#else

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = TINYMTL_PLUGIN_API;

/* One vCPU (every emulated machine runs one core): plain globals suffice. */
static uint64_t total, window, interval, start_pc = ~0ull, stop_pc = ~0ull, mark_pc = ~0ull;
static uint64_t window_mix[N_CLASS], interval_mix[N_CLASS];
static bool in_window;
static unsigned windows, marks;

enum kind { NORMAL, START, STOP, MARK };
struct tb_info {
    uint64_t n, vaddr, end;      /* instructions; first address; address after the last */
    enum kind kind;
    bool control;                /* the last instruction may transfer control */
    uint32_t mix[N_CLASS];
};
/* The block executed last: whether it left through a taken transfer shows in where
 * the next one starts. */
static const struct tb_info *prev;

static void print_mix(const char *what, unsigned k, const uint64_t *mix) {
    char line[1024];
    int at = snprintf(line, sizeof line, "tinymtl-insn mix %s %u:", what, k);
    for (int c = 0; c < N_CLASS && at > 0 && (size_t)at < sizeof line - 48; c++)
        if (mix[c])
            at += snprintf(line + at, sizeof line - at, " %s=%llu", class_names[c],
                           (unsigned long long)mix[c]);
    snprintf(line + at, sizeof line - at, "\n");
    qemu_plugin_outs(line);
}

static void tb_exec(unsigned int vcpu, void *udata) {
    const struct tb_info *t = udata;
    char line[80];
    (void)vcpu;
    total += t->n;
    if (t->kind == START) {
        in_window = true;
        window = interval = 0;
        memset(window_mix, 0, sizeof window_mix);
        memset(interval_mix, 0, sizeof interval_mix);
    } else if (in_window && prev && prev->control && t->vaddr != prev->end) {
        window_mix[C_TAKEN]++;
        interval_mix[C_TAKEN]++;
    }
    prev = t;
    if (!in_window) return;
    window += t->n;
    interval += t->n;
    for (int c = 0; c < N_CLASS; c++) {
        window_mix[c] += t->mix[c];
        interval_mix[c] += t->mix[c];
    }
    if (t->kind == MARK) {
        snprintf(line, sizeof line, "tinymtl-insn mark %u: %llu\n", marks,
                 (unsigned long long)interval);
        qemu_plugin_outs(line);
        print_mix("mark", marks++, interval_mix);
        interval = 0;
        memset(interval_mix, 0, sizeof interval_mix);
    }
    if (t->kind == STOP) {
        in_window = false;
        snprintf(line, sizeof line, "tinymtl-insn window %u: %llu\n", windows,
                 (unsigned long long)window);
        qemu_plugin_outs(line);
        print_mix("window", windows++, window_mix);
    }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    struct tb_info *t = calloc(1, sizeof *t);
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    bool after_ls = false;
    (void)id;
    if (!t) return;
    t->n = qemu_plugin_tb_n_insns(tb);
    t->vaddr = t->end = pc;
    t->kind = pc == start_pc ? START : pc == stop_pc ? STOP : pc == mark_pc ? MARK : NORMAL;
    for (size_t i = 0; i < t->n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        char *dis = qemu_plugin_insn_disas(insn);
        struct insn_class c = classify(dis ? dis : "", after_ls);
        free(dis); /* g_free: glib allocates with the system malloc */
        t->mix[c.cls]++;
        if (c.cls == C_LDM) t->mix[C_LDM_REGS] += c.regs;
        if (c.cls == C_STM) t->mix[C_STM_REGS] += c.regs;
        if (c.cls == C_FP_LDM) t->mix[C_FP_LDM_REGS] += c.regs;
        if (c.cls == C_FP_STM) t->mix[C_FP_STM_REGS] += c.regs;
        after_ls = c.cls == C_LOAD || c.cls == C_LOAD_PIPE || c.cls == C_STORE ||
                   c.cls == C_FP_LOAD || c.cls == C_FP_LOAD_PIPE || c.cls == C_FP_STORE;
        t->control = c.control;
        t->end = qemu_plugin_insn_vaddr(insn) + qemu_plugin_insn_size(insn);
    }
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *p) {
    char line[80];
    (void)id; (void)p;
    snprintf(line, sizeof line, "tinymtl-insn total: %llu\n", (unsigned long long)total);
    qemu_plugin_outs(line);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const void *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        /* Thumb addresses: the symbol's low bit is set; blocks start at the even address. */
        if (!strncmp(argv[i], "start=", 6)) start_pc = strtoull(argv[i] + 6, NULL, 0) & ~1ull;
        else if (!strncmp(argv[i], "stop=", 5)) stop_pc = strtoull(argv[i] + 5, NULL, 0) & ~1ull;
        else if (!strncmp(argv[i], "mark=", 5)) mark_pc = strtoull(argv[i] + 5, NULL, 0) & ~1ull;
    }
    if (start_pc == ~0ull || stop_pc == ~0ull) {
        qemu_plugin_outs("tinymtl-insn: needs start=ADDR,stop=ADDR\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
#endif

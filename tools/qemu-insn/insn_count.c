/* tinymtl's instruction-counting TCG plugin for QEMU.
 *
 * Counts the guest instructions executed between calls of two marker functions:
 * every window opens when a translation block starting at `start=ADDR` executes and
 * closes after the one starting at `stop=ADDR`; both marker blocks are included (an
 * empty window measures them and `tinymtl bench` subtracts it). Prints one line per
 * window, `tinymtl-insn window K: N`, through QEMU's log (`-d plugin`), and the total
 * at exit. Deterministic: the count depends only on the guest's path, never on time.
 *
 * Debian's QEMU ships neither qemu-plugin.h nor its plugins, so the few declarations
 * used are written out here; they match include/qemu/qemu-plugin.h of QEMU 7.2
 * (plugin API version 1) and are unchanged in later versions. The version this file
 * declares comes from -DTINYMTL_PLUGIN_API=N (cli/src/qemu/bench.rs picks it from
 * `qemu-system-arm --version` or `qemu-system-riscv32 --version`).
 *
 * Build: gcc -O2 -shared -fPIC -o libinsn_count.so insn_count.c
 * Run:   qemu-system-arm ... -plugin ./libinsn_count.so,start=0xADDR,stop=0xADDR -d plugin
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TINYMTL_PLUGIN_API
#define TINYMTL_PLUGIN_API 1
#endif

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_CB_R_REGS, QEMU_PLUGIN_CB_RW_REGS };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_outs(const char *string);

__attribute__((visibility("default"))) int qemu_plugin_version = TINYMTL_PLUGIN_API;

/* One vCPU (every emulated machine runs one core): plain globals suffice. */
static uint64_t total, window, start_pc = ~0ull, stop_pc = ~0ull;
static bool in_window;
static unsigned windows;

enum kind { NORMAL, START, STOP };
struct tb_info { uint64_t n; enum kind kind; };

static void tb_exec(unsigned int vcpu, void *udata) {
    const struct tb_info *t = udata;
    (void)vcpu;
    total += t->n;
    if (t->kind == START) { in_window = true; window = 0; }
    if (in_window) window += t->n;
    if (t->kind == STOP && in_window) {
        char line[80];
        in_window = false;
        snprintf(line, sizeof line, "tinymtl-insn window %u: %llu\n", windows++,
                 (unsigned long long)window);
        qemu_plugin_outs(line);
    }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    struct tb_info *t = malloc(sizeof *t);
    uint64_t pc = qemu_plugin_tb_vaddr(tb);
    (void)id;
    if (!t) return;
    t->n = qemu_plugin_tb_n_insns(tb);
    t->kind = pc == start_pc ? START : pc == stop_pc ? STOP : NORMAL;
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
    }
    if (start_pc == ~0ull || stop_pc == ~0ull) {
        qemu_plugin_outs("tinymtl-insn: needs start=ADDR,stop=ADDR\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}

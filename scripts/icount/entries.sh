#!/bin/sh
# scripts/icount/entries.sh KALLSYMS > ENTRIES: the plugin's entries= file
# from a kernel's symbol table (/proc/kallsyms of a guest booted with
# nokaslr, or the System.map of that kernel: the same addresses):
# interrupt entry points (irq), exception entry points (exc), the syscall
# entry (sys) and __switch_to_asm (switch).
awk '$2 ~ /^[tT]$/ && ($3 ~ /^asm_sysvec_/ || $3 == "asm_common_interrupt" ||
                      $3 == "asm_spurious_interrupt") { print "0x" $1 " irq" }
     $2 ~ /^[tT]$/ && $3 ~ /^asm_exc_/ { print "0x" $1 " exc" }
     $3 == "entry_SYSCALL_64" { print "0x" $1 " sys" }
     $3 == "__switch_to_asm" { print "0x" $1 " switch" }' "$1" | sort -u

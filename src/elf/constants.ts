// ELF constants (System V gABI, glibc <elf.h>). Only what the reader uses.

export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

export const ELFCLASS32 = 1;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const ELFDATA2MSB = 2;

// e_ident offsets
export const EI_CLASS = 4;
export const EI_DATA = 5;
export const EI_OSABI = 7;

export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;

export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;

export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_STRTAB = 5;
export const DT_STRSZ = 10;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_DEBUG = 21;
export const DT_RUNPATH = 29;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DF_1_PIE = 0x08000000;

export const NT_GNU_ABI_TAG = 1;
export const NT_GNU_BUILD_ID = 3;

export const EF_ARM_EABIMASK = 0xff000000;
export const EF_ARM_EABI_VER5 = 0x05000000;
export const EF_ARM_ABI_FLOAT_SOFT = 0x200;
export const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** Header and table entry sizes per class; anything else is rejected (the kernel does the same for phdrs). */
export const EHDR_SIZE = { 1: 52, 2: 64 } as const;
export const PHDR_SIZE = { 1: 32, 2: 56 } as const;
export const SHDR_SIZE = { 1: 40, 2: 64 } as const;
export const DYN_SIZE = { 1: 8, 2: 16 } as const;

/** Linux refuses program header tables above 64 KiB (fs/binfmt_elf.c load_elf_phdrs). */
export const MAX_PHDR_TABLE = 65536;
/** Linux refuses PT_INTERP longer than PATH_MAX. */
export const PATH_MAX = 4096;
/** Kernel #! buffer (BINPRM_BUF_SIZE since 5.1): the interpreter line must fit in it. */
export const SHEBANG_MAX = 256;

export const DEFAULT_BUDGET = 65536;
/** First read: usually holds the ELF header, the program headers, PT_INTERP, notes and often .dynstr. */
export const FIRST_READ = 4096;

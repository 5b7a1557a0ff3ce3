/**
 * THE table of argument filters: which syscalls' arguments are recorded, at which argument index
 * on each arch, how their values are emitted as seccomp conditions, and the symbolic names of the
 * values. Everything reads it: the kernel side's ABI test (bpf/ must record exactly these), the
 * profile builder (emission, argument-rules.ts), `show` and `diff` (names), `validate`.
 *
 * How the runtimes read a rule's conditions (runc libcontainer/seccomp/seccomp_linux.go
 * matchCall, crun src/libcrun/seccomp.c libcrun_generate_seccomp, read for this table):
 * - the conditions of one rule are ANDed (one seccomp_rule_add_array call) — unless two of them
 *   test the same argument index: then EVERY condition of that rule is added as a rule of its
 *   own, i.e. they are all ORed (runc's "argCounts", crun's "multiple_args"). So an emitted rule
 *   never has two conditions on one index; several values of one argument are several rules.
 * - a rule whose action equals the default action is skipped by both (it would be refused by
 *   libseccomp): such rules carry intent for merge, never behaviour.
 * - crun reads at most 6 conditions per rule.
 * - values are 64-bit: SCMP_CMP_EQ compares all 64 bits, SCMP_CMP_MASKED_EQ (value = mask,
 *   valueTwo = datum) compares (arg & mask) == datum.
 *
 * The kernel looks at only the low 32 bits of an `int`/`unsigned int` argument (socket's family,
 * ioctl's request, prctl's option…), but a caller may hand it sign-extended (a C `int` request
 * 0x80045430 arrives as 0xffffffff80045430): for such arguments a value ≥ 0x80000000 is compared
 * as the kernel sees it, MASKED_EQ on the low 32 bits (the recorder keeps the low 32 bits too).
 *
 * Not filterable: clone3 (flags behind a pointer: refused with ENOSYS whenever clone is
 * filtered, glibc then falls back to clone) and ia32's socketcall (socket's arguments behind a
 * pointer: left unfiltered, said in the profile).
 */

export type ArgKind =
  /** One SCMP_CMP_EQ rule per value seen (MASKED_EQ low 32 bits above 0x7fffffff for 32-bit args). */
  | 'values'
  /** Namespace bits of a flags argument: one MASKED_EQ rule, bits never seen must be 0. */
  | 'namespace-bits'
  /** socket/socketpair: one rule per (family, type[, netlink protocol]) seen. */
  | 'socket';

export interface ArgumentSyscall {
  name: string;
  kind: ArgKind;
  /** The argument index of the recorded value per seccomp arch (x86_64 and ia32 here). */
  index: Partial<Record<ArchName, number>>;
  /** True when the kernel reads the argument as a 32-bit int (compare the low 32 bits). */
  int32: boolean;
  /** Mask of the bits recorded for 'namespace-bits'. */
  mask?: number;
  /** Symbolic names of values, for show/diff ('values' kind). */
  names?: ReadonlyMap<number, string>;
  /** What the value is, for messages ("request", "option"). */
  what: string;
}

export type ArchName = 'SCMP_ARCH_X86_64' | 'SCMP_ARCH_X86';
export const FILTERED_ARCHES: readonly ArchName[] = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'];

/**
 * Register mapping: the struct pt_regs field the recorder reads argument 0, 1 and 2 from, per arch
 * it records (bpf/arch.h is generated from this, src/kernel/arch-header.ts). aarch64 and arm (EABI)
 * take every syscall of the table with its arguments in x86_64's and ia32's order (clone's flags
 * first on all four), so `index` above holds for them too. arm64 keeps x0 in orig_x0 (regs[0]
 * becomes the return value); a 32-bit ARM task's r0..r2 are regs[0..2].
 */
export const ARGUMENT_REGISTERS: Record<'SCMP_ARCH_X86_64' | 'SCMP_ARCH_X86' | 'SCMP_ARCH_AARCH64' | 'SCMP_ARCH_ARM', readonly [string, string, string]> = {
  SCMP_ARCH_X86_64: ['di', 'si', 'dx'],
  SCMP_ARCH_X86: ['bx', 'cx', 'dx'],
  SCMP_ARCH_AARCH64: ['orig_x0', 'regs[1]', 'regs[2]'],
  SCMP_ARCH_ARM: ['orig_x0', 'regs[1]', 'regs[2]'],
};

// --- namespaces (include/uapi/linux/sched.h) ---
export const CLONE_NAMESPACES: ReadonlyMap<number, string> = new Map([
  [0x00000080, 'CLONE_NEWTIME'],
  [0x00020000, 'CLONE_NEWNS'],
  [0x02000000, 'CLONE_NEWCGROUP'],
  [0x04000000, 'CLONE_NEWUTS'],
  [0x08000000, 'CLONE_NEWIPC'],
  [0x10000000, 'CLONE_NEWUSER'],
  [0x20000000, 'CLONE_NEWPID'],
  [0x40000000, 'CLONE_NEWNET'],
]);
/**
 * clone() has no CLONE_NEWTIME: its low byte is the exit signal (CSIGNAL), so 0x80 is not a flag
 * there. This is moby's mask (2114060288).
 */
export const CLONE_NS_MASK = 0x7e020000;
/** unshare() also takes CLONE_NEWTIME. */
export const UNSHARE_NS_MASK = CLONE_NS_MASK | 0x80;

// --- sockets (include/linux/socket.h, net.h, uapi/linux/netlink.h) ---
export const SOCK_NONBLOCK = 0x800;
export const SOCK_CLOEXEC = 0x80000;
/** socket's type argument with the two flags that say nothing about the protocol masked off. */
export const SOCK_TYPE_MASK = ~(SOCK_NONBLOCK | SOCK_CLOEXEC) >>> 0;
export const AF_NETLINK = 16;

export const ADDRESS_FAMILIES: ReadonlyMap<number, string> = new Map([
  [0, 'AF_UNSPEC'], [1, 'AF_UNIX'], [2, 'AF_INET'], [3, 'AF_AX25'], [4, 'AF_IPX'], [5, 'AF_APPLETALK'],
  [6, 'AF_NETROM'], [7, 'AF_BRIDGE'], [8, 'AF_ATMPVC'], [9, 'AF_X25'], [10, 'AF_INET6'], [11, 'AF_ROSE'],
  [12, 'AF_DECnet'], [13, 'AF_NETBEUI'], [14, 'AF_SECURITY'], [15, 'AF_KEY'], [16, 'AF_NETLINK'],
  [17, 'AF_PACKET'], [18, 'AF_ASH'], [19, 'AF_ECONET'], [20, 'AF_ATMSVC'], [21, 'AF_RDS'], [22, 'AF_SNA'],
  [23, 'AF_IRDA'], [24, 'AF_PPPOX'], [25, 'AF_WANPIPE'], [26, 'AF_LLC'], [27, 'AF_IB'], [28, 'AF_MPLS'],
  [29, 'AF_CAN'], [30, 'AF_TIPC'], [31, 'AF_BLUETOOTH'], [32, 'AF_IUCV'], [33, 'AF_RXRPC'], [34, 'AF_ISDN'],
  [35, 'AF_PHONET'], [36, 'AF_IEEE802154'], [37, 'AF_CAIF'], [38, 'AF_ALG'], [39, 'AF_NFC'], [40, 'AF_VSOCK'],
  [41, 'AF_KCM'], [42, 'AF_QIPCRTR'], [43, 'AF_SMC'], [44, 'AF_XDP'], [45, 'AF_MCTP'],
]);
export const SOCKET_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'SOCK_STREAM'], [2, 'SOCK_DGRAM'], [3, 'SOCK_RAW'], [4, 'SOCK_RDM'], [5, 'SOCK_SEQPACKET'], [6, 'SOCK_DCCP'], [10, 'SOCK_PACKET'],
]);
export const NETLINK_PROTOCOLS: ReadonlyMap<number, string> = new Map([
  [0, 'NETLINK_ROUTE'], [1, 'NETLINK_UNUSED'], [2, 'NETLINK_USERSOCK'], [3, 'NETLINK_FIREWALL'], [4, 'NETLINK_SOCK_DIAG'],
  [5, 'NETLINK_NFLOG'], [6, 'NETLINK_XFRM'], [7, 'NETLINK_SELINUX'], [8, 'NETLINK_ISCSI'], [9, 'NETLINK_AUDIT'],
  [10, 'NETLINK_FIB_LOOKUP'], [11, 'NETLINK_CONNECTOR'], [12, 'NETLINK_NETFILTER'], [13, 'NETLINK_IP6_FW'],
  [14, 'NETLINK_DNRTMSG'], [15, 'NETLINK_KOBJECT_UEVENT'], [16, 'NETLINK_GENERIC'], [18, 'NETLINK_SCSITRANSPORT'],
  [19, 'NETLINK_ECRYPTFS'], [20, 'NETLINK_RDMA'], [21, 'NETLINK_CRYPTO'], [22, 'NETLINK_SMC'],
]);

// --- personality (include/uapi/linux/personality.h) ---
const PERSONAS: ReadonlyMap<number, string> = new Map([
  [0x0000000, 'PER_LINUX'],
  [0x0000008, 'PER_LINUX32'],
  [0x0020000, 'UNAME26'],
  [0x0020008, 'PER_LINUX32|UNAME26'],
  [0x0040000, 'ADDR_NO_RANDOMIZE'],
  [0x0400000, 'READ_IMPLIES_EXEC'],
  [0x0800000, 'ADDR_LIMIT_32BIT'],
  [0x4000000, 'STICKY_TIMEOUTS'],
  [0x8000000, 'ADDR_LIMIT_3GB'],
  [0xffffffff, 'query (0xffffffff)'],
]);

// --- setns (uapi sched.h; 0 = any type) ---
const NSTYPES: ReadonlyMap<number, string> = new Map([[0, 'any namespace'], ...CLONE_NAMESPACES]);

// --- prctl (include/uapi/linux/prctl.h) ---
const PRCTL_OPTIONS: ReadonlyMap<number, string> = new Map([
  [1, 'PR_SET_PDEATHSIG'], [2, 'PR_GET_PDEATHSIG'], [3, 'PR_GET_DUMPABLE'], [4, 'PR_SET_DUMPABLE'],
  [5, 'PR_GET_UNALIGN'], [6, 'PR_SET_UNALIGN'], [7, 'PR_GET_KEEPCAPS'], [8, 'PR_SET_KEEPCAPS'],
  [9, 'PR_GET_FPEMU'], [10, 'PR_SET_FPEMU'], [11, 'PR_GET_FPEXC'], [12, 'PR_SET_FPEXC'], [13, 'PR_GET_TIMING'],
  [14, 'PR_SET_TIMING'], [15, 'PR_SET_NAME'], [16, 'PR_GET_NAME'], [19, 'PR_GET_ENDIAN'], [20, 'PR_SET_ENDIAN'],
  [21, 'PR_GET_SECCOMP'], [22, 'PR_SET_SECCOMP'], [23, 'PR_CAPBSET_READ'], [24, 'PR_CAPBSET_DROP'],
  [25, 'PR_GET_TSC'], [26, 'PR_SET_TSC'], [27, 'PR_GET_SECUREBITS'], [28, 'PR_SET_SECUREBITS'],
  [29, 'PR_SET_TIMERSLACK'], [30, 'PR_GET_TIMERSLACK'], [31, 'PR_TASK_PERF_EVENTS_DISABLE'],
  [32, 'PR_TASK_PERF_EVENTS_ENABLE'], [33, 'PR_MCE_KILL'], [34, 'PR_MCE_KILL_GET'], [35, 'PR_SET_MM'],
  [36, 'PR_SET_CHILD_SUBREAPER'], [37, 'PR_GET_CHILD_SUBREAPER'], [38, 'PR_SET_NO_NEW_PRIVS'],
  [39, 'PR_GET_NO_NEW_PRIVS'], [40, 'PR_GET_TID_ADDRESS'], [41, 'PR_SET_THP_DISABLE'], [42, 'PR_GET_THP_DISABLE'],
  [45, 'PR_SET_FP_MODE'], [46, 'PR_GET_FP_MODE'], [47, 'PR_CAP_AMBIENT'], [50, 'PR_SVE_SET_VL'],
  [51, 'PR_SVE_GET_VL'], [52, 'PR_GET_SPECULATION_CTRL'], [53, 'PR_SET_SPECULATION_CTRL'],
  [54, 'PR_PAC_RESET_KEYS'], [55, 'PR_SET_TAGGED_ADDR_CTRL'], [56, 'PR_GET_TAGGED_ADDR_CTRL'],
  [57, 'PR_SET_IO_FLUSHER'], [58, 'PR_GET_IO_FLUSHER'], [59, 'PR_SET_SYSCALL_USER_DISPATCH'],
  [60, 'PR_PAC_SET_ENABLED_KEYS'], [61, 'PR_PAC_GET_ENABLED_KEYS'], [62, 'PR_SCHED_CORE'],
  [65, 'PR_SET_MDWE'], [66, 'PR_GET_MDWE'], [0x59616d61, 'PR_SET_PTRACER'], [0x53564d41, 'PR_SET_VMA'],
]);

// --- ioctl requests (asm-generic/ioctls.h, linux/fs.h, linux/nsfs.h…) ---
const IOCTL_REQUESTS: ReadonlyMap<number, string> = new Map([
  [0x5401, 'TCGETS'], [0x5402, 'TCSETS'], [0x5403, 'TCSETSW'], [0x5404, 'TCSETSF'], [0x5405, 'TCGETA'],
  [0x5406, 'TCSETA'], [0x5407, 'TCSETAW'], [0x5408, 'TCSETAF'], [0x5409, 'TCSBRK'], [0x540a, 'TCXONC'],
  [0x540b, 'TCFLSH'], [0x540c, 'TIOCEXCL'], [0x540d, 'TIOCNXCL'], [0x540e, 'TIOCSCTTY'], [0x540f, 'TIOCGPGRP'],
  [0x5410, 'TIOCSPGRP'], [0x5411, 'TIOCOUTQ'], [0x5412, 'TIOCSTI'], [0x5413, 'TIOCGWINSZ'], [0x5414, 'TIOCSWINSZ'],
  [0x5415, 'TIOCMGET'], [0x541b, 'FIONREAD'], [0x541c, 'TIOCLINUX'], [0x5421, 'FIONBIO'], [0x5422, 'TIOCNOTTY'],
  [0x5429, 'TIOCGSID'], [0x542a, 'TCGETS2'], [0x542b, 'TCSETS2'], [0x5450, 'FIONCLEX'], [0x5451, 'FIOCLEX'],
  [0x5452, 'FIOASYNC'], [0x80045430, 'TIOCGPTN'], [0x40045431, 'TIOCSPTLCK'], [0x80045439, 'TIOCGPTLCK'],
  [0x5441, 'TIOCGPTPEER'], [0x8912, 'SIOCGIFCONF'], [0x8913, 'SIOCGIFFLAGS'], [0x8927, 'SIOCGIFHWADDR'],
  [0x8933, 'SIOCGIFINDEX'], [0x80081272, 'BLKGETSIZE64'], [0x40086602, 'FS_IOC_SETFLAGS'],
  [0x80086601, 'FS_IOC_GETFLAGS'], [0x40049409, 'FICLONE'], [0xb701, 'NS_GET_USERNS'], [0xb702, 'NS_GET_PARENT'],
  [0xb704, 'NS_GET_OWNER_UID'], [0x4b33, 'KDGKBTYPE'],
]);

/**
 * Terminal queries allowed on ioctl whenever the profile filters ioctl: a workload traced without
 * `-t` asks these of a tty under `-t` (isatty() is TCGETS; shells and pagers ask the window size
 * and the foreground group). Queries only: none of them writes to the terminal. TIOCSTI (types
 * into the terminal's input) and TIOCLINUX (console control) are never in it.
 */
export const TERMINAL_QUERIES: readonly number[] = [0x5401 /* TCGETS */, 0x5413 /* TIOCGWINSZ */, 0x540f /* TIOCGPGRP */, 0x5429 /* TIOCGSID */, 0x541b /* FIONREAD */];

export const ARGUMENT_SYSCALLS: readonly ArgumentSyscall[] = [
  { name: 'socket', kind: 'socket', index: { SCMP_ARCH_X86_64: 0, SCMP_ARCH_X86: 0 }, int32: true, what: 'family/type' },
  { name: 'socketpair', kind: 'socket', index: { SCMP_ARCH_X86_64: 0, SCMP_ARCH_X86: 0 }, int32: true, what: 'family/type' },
  // clone's flags come first on x86 (both ABIs); s390 swaps the first two arguments.
  { name: 'clone', kind: 'namespace-bits', index: { SCMP_ARCH_X86_64: 0, SCMP_ARCH_X86: 0 }, int32: false, mask: CLONE_NS_MASK, names: CLONE_NAMESPACES, what: 'namespace flags' },
  { name: 'unshare', kind: 'namespace-bits', index: { SCMP_ARCH_X86_64: 0, SCMP_ARCH_X86: 0 }, int32: false, mask: UNSHARE_NS_MASK, names: CLONE_NAMESPACES, what: 'namespace flags' },
  { name: 'setns', kind: 'values', index: { SCMP_ARCH_X86_64: 1, SCMP_ARCH_X86: 1 }, int32: true, names: NSTYPES, what: 'nstype' },
  { name: 'personality', kind: 'values', index: { SCMP_ARCH_X86_64: 0, SCMP_ARCH_X86: 0 }, int32: true, names: PERSONAS, what: 'persona' },
  { name: 'ioctl', kind: 'values', index: { SCMP_ARCH_X86_64: 1, SCMP_ARCH_X86: 1 }, int32: true, names: IOCTL_REQUESTS, what: 'request' },
  { name: 'prctl', kind: 'values', index: { SCMP_ARCH_X86_64: 0, SCMP_ARCH_X86: 0 }, int32: true, names: PRCTL_OPTIONS, what: 'option' },
];

/** socket's arguments on ia32 may come through socketcall, which seccomp cannot look into. */
export const SOCKETCALL_NOTE =
  'socketcall (ia32) is not filtered: it passes socket\'s arguments behind a pointer seccomp cannot read';

/** How many distinct values (or socket combinations) the recorder keeps per syscall and arch. */
export const MAX_RECORDED_VALUES = 16;

const BY_NAME = new Map(ARGUMENT_SYSCALLS.map((s) => [s.name, s]));

export function argumentSyscall(name: string): ArgumentSyscall | undefined {
  return BY_NAME.get(name);
}

/** The symbolic name of `value` of `syscall`'s argument `index`, when the table knows one. */
export function symbolOf(syscall: string, index: number, value: number, valueTwo?: number): string | undefined {
  const entry = BY_NAME.get(syscall);
  if (!entry) return undefined;
  if (entry.kind === 'socket') {
    if (index === 0) return ADDRESS_FAMILIES.get(value);
    if (index === 1) return SOCKET_TYPES.get(valueTwo !== undefined ? valueTwo : value);
    if (index === 2) return undefined; // netlink protocol: needs the family; describe the rule instead
    return undefined;
  }
  if (entry.kind === 'namespace-bits') return index === entry.index.SCMP_ARCH_X86_64 ? flagNames(value, CLONE_NAMESPACES) : undefined;
  if (index !== entry.index.SCMP_ARCH_X86_64) return undefined;
  return entry.names?.get(value) ?? entry.names?.get(value >>> 0);
}

/** "CLONE_NEWNS|CLONE_NEWUSER" for the bits of `value` the map names (undefined if any bit is unnamed). */
export function flagNames(value: number, names: ReadonlyMap<number, string>): string | undefined {
  if (value === 0) return undefined;
  const parts: string[] = [];
  let rest = value;
  for (const [bit, name] of [...names].sort(([a], [b]) => a - b)) {
    if (bit !== 0 && ((value & bit) >>> 0) === bit) {
      parts.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  return rest === 0 ? parts.join('|') : undefined;
}

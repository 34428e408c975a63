// Checks of image config values, mirroring what Docker accepts when it runs the image
// (moby's signal.ParseSignal, go-connections' nat port specs, mount destination rules),
// so a bad value fails at its manifest line instead of at `docker run`.
// Each check returns what is wrong, or undefined when the value is fine.

/** Linux signal names as moby's signal map knows them (without the SIG prefix). */
const SIGNAL_NAMES = new Set([
  ...[
    "ABRT",
    "ALRM",
    "BUS",
    "CHLD",
    "CLD",
    "CONT",
    "FPE",
    "HUP",
    "ILL",
    "INT",
    "IO",
    "IOT",
    "KILL",
    "PIPE",
    "POLL",
    "PROF",
    "PWR",
    "QUIT",
    "SEGV",
    "STKFLT",
    "STOP",
    "SYS",
    "TERM",
    "TRAP",
    "TSTP",
    "TTIN",
    "TTOU",
    "URG",
    "USR1",
    "USR2",
    "VTALRM",
    "WINCH",
    "XCPU",
    "XFSZ",
    "RTMIN",
    "RTMAX",
  ],
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
]);

/** A stop signal: a name with or without SIG (any case) or a number 1-64; returns SIGNAME or the number. */
export function stopSignal(value: string): { value: string } | { error: string } {
  if (/^\d+$/.test(value)) {
    const n = Number(value);
    return n >= 1 && n <= 64
      ? { value: String(n) }
      : { error: `signal number ${value} is out of range 1-64` };
  }
  const name = value.toUpperCase().replace(/^SIG/, "");
  if (SIGNAL_NAMES.has(name)) return { value: `SIG${name}` };
  return {
    error: `${JSON.stringify(value)} is not a signal name (like SIGTERM, TERM or SIGRTMIN+3) or number 1-64`,
  };
}

/** An exposed port: 1-65535 with an optional /tcp, /udp or /sctp; returns the "8080/tcp" form. */
export function exposedPort(value: string): { value: string } | { error: string } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(value);
  const n = m ? Number(m[1]) : Number.NaN;
  if (!m || n < 1 || n > 65535) {
    return {
      error: `${JSON.stringify(value)} is not a port like 8080 or 53/udp (1-65535, tcp, udp or sctp)`,
    };
  }
  return { value: `${n}/${m[2] ?? "tcp"}` };
}

/** A volume: an absolute, clean path other than "/" (Docker refuses "/" as a mount destination). */
export function volumePath(value: string): string | undefined {
  if (!value.startsWith("/")) return `${JSON.stringify(value)} is not an absolute path`;
  const parts = value
    .replace(/(.)\/$/, "$1")
    .split("/")
    .slice(1);
  if (parts.length === 1 && parts[0] === "") return `"/" cannot be a volume`;
  if (parts.some((p) => p === "" || p === "." || p === ".."))
    return `${JSON.stringify(value)} is not a clean path (no "//", "." or ".." parts)`;
  return undefined;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
const MAX_ID = 4294967294; // (uid_t)-1 means "no change" to the kernel

/** `user[:group]`, each a name or a numeric id, as the runtime resolves it. */
export function imageUser(value: string): string | undefined {
  const parts = value.split(":");
  const ok = (p: string) => (/^\d+$/.test(p) ? Number(p) <= MAX_ID : NAME.test(p));
  if (parts.length > 2 || !parts.every(ok)) {
    return `${JSON.stringify(value)} is not name|uid[:group|gid] (names start with a letter or _; ids are at most ${MAX_ID})`;
  }
  return undefined;
}

/** A label key: not blank, no line break (NUL is refused in every string). */
export function labelKey(key: string): string | undefined {
  if (key.trim() === "") return "a label key cannot be empty";
  if (/[\r\n]/.test(key)) return `label key ${JSON.stringify(key)} contains a line break`;
  return undefined;
}

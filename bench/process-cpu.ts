import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  /** utime + stime + cutime + cstime, in seconds: reaped children (closed backends) count too. */
  cpu: number;
  /** utime + stime, in seconds: the process's own time only. */
  ownCpu: number;
  /** Its command line, arguments separated by NUL ('' once it has exited). */
  command: string;
}

const TICKS_PER_SECOND = 100;

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself contain spaces or parentheses.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const f = text
      .slice(close + 2)
      .split(' ')
      .map(Number);
    const own = f[11]! + f[12]!;
    const command = readCommand(pid);
    return {
      pid,
      comm,
      ppid: f[1]!,
      cpu: (own + f[13]! + f[14]!) / TICKS_PER_SECOND,
      ownCpu: own / TICKS_PER_SECOND,
      command,
    };
  } catch {
    return null;
  }
}

function readCommand(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
}

function allProcesses(): ProcStat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readStat(Number(name)) ?? []);
}

/** `roots` and every descendant of theirs as they are now, or null where /proc is missing. */
export function processTree(roots: (p: ProcStat) => boolean): ProcStat[] | null {
  if (process.platform !== 'linux') return null;
  const processes = allProcesses();
  const inTree = new Set(processes.filter(roots).map((p) => p.pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of processes) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return processes.filter((p) => inTree.has(p.pid));
}

/** CPU seconds used so far by `roots` and every descendant of theirs, or null where /proc is missing. */
export function treeCpuSeconds(roots: (p: ProcStat) => boolean): number | null {
  return processTree(roots)?.reduce((sum, p) => sum + p.cpu, 0) ?? null;
}

export interface CpuSample {
  server: number | null;
  postgres: number | null;
  loadGenerator: number;
}

/**
 * Where the CPU goes during a load run: the server process, our embedded PostgreSQL (the `postgres`
 * processes this process started, with their backends) and this process, which runs autocannon.
 */
export function cpuMeter(serverPid: number): () => CpuSample {
  return () => ({
    server: treeCpuSeconds((p) => p.pid === serverPid),
    postgres: treeCpuSeconds((p) => p.ppid === process.pid && p.comm === 'postgres'),
    loadGenerator: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  });
}

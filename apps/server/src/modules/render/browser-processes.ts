import { readdir, readFile } from 'node:fs/promises';

/**
 * Chromium's processes for one profile, found through /proc: every process of a browser carries its
 * `--user-data-dir` on its command line. The browser process itself comes first. Empty where there is
 * no /proc (not Linux): callers treat that as "unknown".
 */
export async function browserProcessIds(userDataDir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const marker = `--user-data-dir=${userDataDir}`;
  // Zygote-forked processes rewrite their command line as one space-separated title: match the text.
  const hasMarker = (text: string) => {
    const at = text.indexOf(marker);
    return at !== -1 && /^($|[\s\0])/.test(text.slice(at + marker.length, at + marker.length + 1));
  };
  const found: Array<{ pid: number; isBrowser: boolean }> = [];
  await Promise.all(
    entries
      .filter((entry) => /^\d+$/.test(entry))
      .map(async (entry) => {
        const text = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
        if (!hasMarker(text)) return;
        found.push({ pid: Number(entry), isBrowser: !/(^|[\s\0])--type=/.test(text) });
      }),
  );
  return found.sort((a, b) => Number(b.isBrowser) - Number(a.isBrowser) || a.pid - b.pid).map((p) => p.pid);
}

/**
 * Memory of the processes in MiB: proportional set size (shared pages split between their users, so
 * the sum is honest), or resident size where the kernel has no smaps_rollup. Null when unknown.
 */
export async function processesMemoryMb(pids: readonly number[]): Promise<number | null> {
  if (pids.length === 0) return null;
  const sizes = await Promise.all(pids.map((pid) => processMemoryKb(pid)));
  const known = sizes.filter((kb): kb is number => kb !== null);
  return known.length === 0 ? null : known.reduce((sum, kb) => sum + kb, 0) / 1024;
}

async function processMemoryKb(pid: number): Promise<number | null> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => null);
  const pss = rollup?.match(/^Pss:\s+(\d+) kB/m);
  if (pss) return Number(pss[1]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  const rss = status?.match(/^VmRSS:\s+(\d+) kB/m);
  return rss ? Number(rss[1]) : null;
}

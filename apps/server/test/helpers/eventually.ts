/**
 * Polls `check` until `ok` accepts its value (answered) or `ms` pass (throws, with the last value and
 * `context()` when given): for what another process or connection makes true a moment later.
 */
export async function eventually<T>(
  check: () => T | Promise<T>,
  ok: (value: T) => boolean = Boolean,
  { ms = 5_000, every = 20, context }: { ms?: number; every?: number; context?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (ok(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`not seen in time; last ${JSON.stringify(value)}\n${context?.() ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

import type { Export } from '@avatar/contracts';
import { humanMessage } from '../../api/errors.ts';
import { api } from '../../api/trpc.ts';

export const isFinished = (item: Export) => item.status === 'completed' || item.status === 'failed';

export interface FollowOptions {
  onUpdate: (item: Export) => void;
  /** The status could not be read for a while (network down): a sentence to show. */
  onTrouble?: (message: string) => void;
  pollMs?: number;
  /** Polling starts when the live stream has said nothing for this long. */
  quietMs?: number;
}

/**
 * Follows an export until it finishes: live over the tRPC subscription (server-sent events), with
 * polling of the status as the fallback when the stream fails or stays silent. Returns `stop`.
 */
export function followExport(id: string, options: FollowOptions): () => void {
  const pollMs = options.pollMs ?? 1000;
  let stopped = false;
  let polling = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let watchdog: ReturnType<typeof setTimeout> | undefined;

  const deliver = (item: Export) => {
    if (stopped) return;
    options.onUpdate(item);
    if (isFinished(item)) stop();
  };

  const poll = async () => {
    if (stopped) return;
    try {
      deliver(await api.exports.status.query({ id }));
      failures = 0;
    } catch (error) {
      if (++failures === 3) options.onTrouble?.(humanMessage(error));
    }
    if (!stopped) timer = setTimeout(() => void poll(), pollMs);
  };
  const startPolling = () => {
    if (polling || stopped) return;
    polling = true;
    clearTimeout(watchdog);
    void poll();
  };

  const subscription = api.exports.onStatus.subscribe(
    { id },
    {
      onData: (item) => {
        clearTimeout(watchdog);
        deliver(item as Export);
      },
      onError: startPolling,
      onComplete: () => {
        if (!stopped) startPolling();
      },
    },
  );
  watchdog = setTimeout(startPolling, options.quietMs ?? 4000);

  function stop() {
    stopped = true;
    clearTimeout(timer);
    clearTimeout(watchdog);
    subscription.unsubscribe();
  }
  return stop;
}

import { expect } from 'vitest';
import type { api } from '../avatars/avatars.test-support.ts';

type Call = ReturnType<typeof api>;
// biome-ignore lint/suspicious/noExplicitAny: assertions read arbitrary JSON
type Json = any;

/** Polls the status endpoint until the export reaches one of `states`. */
export async function waitForExport(call: Call, id: string, states: string[], ms = 25_000): Promise<Json> {
  const until = Date.now() + ms;
  for (;;) {
    const res = await call('GET', `/api/v1/avatar/export/status?id=${id}`);
    expect(res.status).toBe(200);
    const body: Json = await res.json();
    if (states.includes(body.status)) return body;
    if (Date.now() > until) throw new Error(`export ${id} is ${body.status}, wanted ${states.join('|')}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * Follows `exports.onStatus` the way the web app's `httpSubscriptionLink` does: a GET answered with
 * server-sent events. Answers every data event's payload until the stream ends; rejects on an error event.
 */
export async function followStatus(baseUrl: string, token: string, id: string, ms = 25_000): Promise<Json[]> {
  const url = `${baseUrl}/trpc/exports.onStatus?input=${encodeURIComponent(JSON.stringify({ id }))}`;
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(ms),
  });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Json[] = [];
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffered += value;
    let end = buffered.indexOf('\n\n');
    while (end !== -1) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      end = buffered.indexOf('\n\n');
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (event === 'serialized-error') throw new Error(data);
      if (event === 'return') {
        await reader.cancel();
        return events;
      }
      if (!event && data) events.push(JSON.parse(data));
      const status = events.at(-1)?.status;
      if (status === 'completed' || status === 'failed') {
        // The server ends the stream after a final status; stop reading either way.
        await reader.cancel();
        return events;
      }
    }
  }
}

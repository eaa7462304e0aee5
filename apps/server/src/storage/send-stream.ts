import type { ServerResponse } from 'node:http';
import { finished, type Readable } from 'node:stream';

/**
 * Pipes a body into a response and settles when the response is done: rejects (and destroys both) when
 * either side fails or the client hangs up early. Written out instead of `stream.pipeline` because that
 * makes an AbortController per call and aborts it on completion, building a DOMException with a stack
 * trace for every file served: a measurable share of a small download.
 */
export function sendStream(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: Error | null) => {
      if (settled) return;
      settled = true;
      if (!error) return resolve();
      body.destroy();
      res.destroy();
      reject(error);
    };
    body.once('error', settle);
    finished(res, (error) => settle(error));
    body.pipe(res);
  });
}

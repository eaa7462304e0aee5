/**
 * A real API process for the fault tests (`process-kill.faults.test.ts`): the same runtime and app as
 * `main.ts`, with one storage call made to stop at the worst moment (FAULT_AT), so the test can SIGKILL it
 * there. Without FAULT_AT it is a plain server: the "restart". Configured from the environment the test
 * passes; prints `LISTENING <port>` when up and `FAULT` when it has reached the fault.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createHandler } from '../../app.ts';
import { parseConfig } from '../../config/config.ts';
import { createRuntime } from '../../runtime.ts';

const config = parseConfig(process.env);
const deps = await createRuntime(config);
const { storage } = deps;
const fault = process.env.FAULT_AT ?? '';
const say = (line: string) => process.stdout.write(`${line}\n`);
const never = () => new Promise<never>(() => {});

const put = storage.put.bind(storage);
const copy = storage.copy.bind(storage);
if (fault === 'asset-written' || fault === 'export-written') {
  const prefix = fault === 'asset-written' ? 'assets/' : 'exports/';
  storage.put = async (key, body, options) => {
    const result = await put(key, body, options);
    if (!key.startsWith(prefix)) return result;
    say('FAULT'); // the object is whole in storage; its row is not written yet
    return never();
  };
}
if (fault === 'asset-mid-write') {
  storage.put = async (key, body, options) => {
    if (!key.startsWith('assets/') || !Buffer.isBuffer(body)) return put(key, body, options);
    // Half the bytes, then a source that never ends: the driver is mid-write when the process dies.
    const half = body.subarray(0, Math.floor(body.length / 2));
    const source = new Readable({ read() {} });
    source.push(half);
    const writing = put(key, source, options);
    setTimeout(() => say('FAULT'), 300);
    return writing;
  };
}
if (fault === 'version-copied') {
  storage.copy = async (from, to) => {
    await copy(from, to);
    say('FAULT'); // the new version's object exists; its row is not written yet
    return never();
  };
}

const server = createServer(createHandler(deps));
server.listen(0, '127.0.0.1', () => say(`LISTENING ${(server.address() as AddressInfo).port}`));

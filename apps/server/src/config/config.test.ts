import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './config.ts';

const valid = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', SESSION_SECRET: 'x'.repeat(32) };

describe('parseConfig', () => {
  it('fills defaults and freezes the result', () => {
    const config = parseConfig(valid);
    expect(config.PORT).toBe(3000);
    expect(config.PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(config.COOKIE_SECURE).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable in one line', () => {
    const parse = () =>
      parseConfig({ ...valid, PORT: 'eighty', SESSION_SECRET: 'short', DATABASE_URL: undefined });
    expect(parse).toThrow(ConfigError);
    try {
      parse();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/SESSION_SECRET: must be at least 32 characters/);
      expect(message).toMatch(/DATABASE_URL/);
    }
  });

  it('treats empty strings as unset and secures cookies in production', () => {
    const config = parseConfig({ ...valid, PORT: '', NODE_ENV: 'production' });
    expect(config.PORT).toBe(3000);
    expect(config.COOKIE_SECURE).toBe(true);
  });

  it('runs one API process unless told, one per core for auto, and one with the Vite dev server', () => {
    expect(parseConfig(valid).API_PROCESSES).toBe(1);
    expect(parseConfig({ ...valid, API_PROCESSES: '3' }).API_PROCESSES).toBe(3);
    expect(parseConfig({ ...valid, API_PROCESSES: 'auto' }).API_PROCESSES).toBe(availableParallelism());
    expect(parseConfig({ ...valid, API_PROCESSES: '4', WEB_DEV: 'true' }).API_PROCESSES).toBe(1);
    expect(() => parseConfig({ ...valid, API_PROCESSES: '0' })).toThrow(/API_PROCESSES/);
    expect(() => parseConfig({ ...valid, API_PROCESSES: 'many' })).toThrow(/API_PROCESSES/);
  });
});

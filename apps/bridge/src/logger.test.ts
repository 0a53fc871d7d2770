import { describe, expect, it } from 'vitest';
import { childLogger, createLineLogger, fanOutLogger, type Logger } from './logger.js';

function capture(level: 'debug' | 'info' | 'warn' | 'error' | 'silent') {
  const lines: string[] = [];
  const logger = createLineLogger({ level, write: (l) => lines.push(l), now: () => new Date(0) });
  return { lines, logger };
}

describe('createLineLogger', () => {
  it.each([
    ['debug', 4],
    ['info', 3],
    ['warn', 2],
    ['error', 1],
    ['silent', 0],
  ] as const)('at %s writes %d of the four levels', (level, count) => {
    const { lines, logger } = capture(level);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines).toHaveLength(count);
  });

  it('writes one line with a timestamp, the level and the data', () => {
    const { lines, logger } = capture('info');
    logger.info('upstream started', { server: 'github', ms: 120, note: 'two words', err: new Error('boom') });
    expect(lines).toEqual([
      '1970-01-01T00:00:00.000Z INFO  upstream started server=github ms=120 note="two words" err="boom"\n',
    ]);
  });
});

describe('fanOutLogger and childLogger', () => {
  it('send events to every logger, prefixed by the component', () => {
    const a = capture('debug');
    const b = capture('warn');
    const logger: Logger = childLogger(fanOutLogger(a.logger, b.logger), 'pool');
    logger.info('hello');
    logger.error('bad');
    expect(a.lines.map((l) => l.slice(25))).toEqual(['INFO  pool: hello\n', 'ERROR pool: bad\n']);
    expect(b.lines).toHaveLength(1);
  });
});

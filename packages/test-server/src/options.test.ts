import { describe, expect, test } from 'vitest';
import { parseOptions, UsageError } from './options.js';

describe('parseOptions', () => {
  test('defaults: a stdio server with no modes', () => {
    expect(parseOptions([], {})).toEqual({
      name: 'codexec-test-server',
      host: '127.0.0.1',
      pages: 1,
      chatter: false,
      manyTools: 0,
      spawnChild: false,
      silent: false,
    });
  });

  test('modes from flags and the environment combine', () => {
    const options = parseOptions(['--http', '0', '--mode', 'paginated,crash-after=2', '--mode', 'chatter'], {
      TEST_SERVER_MODE: 'many-tools=12',
    });
    expect(options).toMatchObject({ httpPort: 0, pages: 3, crashAfter: 2, chatter: true, manyTools: 12 });
  });

  test.each([
    [['--mode', 'paginated=4'], { pages: 4 }],
    [['--mode', 'many-tools'], { manyTools: 60 }],
    [['--mode', 'exit-at-start'], { exitAtStart: 1 }],
    [['--mode', 'exit-at-start=7,silent,spawn-child'], { exitAtStart: 7, silent: true, spawnChild: true }],
  ])('%j', (argv, expected) => {
    expect(parseOptions(argv, {})).toMatchObject(expected);
  });

  test.each([
    [['--mode', 'nope']],
    [['--mode', 'crash-after']],
    [['--mode', 'paginated=0']],
    [['--http', 'eighty']],
    [['--help']],
  ])('%j is a usage error', (argv) => {
    expect(() => parseOptions(argv, {})).toThrow(UsageError);
  });
});

import { describe, expect, it } from 'vitest';
import { clientEnv } from './spawn.js';

describe('clientEnv', () => {
  it('passes the host environment with the CLI variables added over it', () => {
    const env = clientEnv({ CONTAINER_HOST: 'unix:///x.sock', HOME: '/other' }, [], {
      HOME: '/home/u',
      PATH: '/usr/bin',
    });
    expect(env).toEqual({ HOME: '/other', PATH: '/usr/bin', CONTAINER_HOST: 'unix:///x.sock' });
  });

  it('removes the names to unset, and a variable added as undefined, never passing the text "undefined"', () => {
    const env = clientEnv({ DOCKER_HOST: undefined }, ['TERM', 'NOT_THERE'], {
      TERM: 'xterm',
      DOCKER_HOST: 'tcp://h:2375',
      LANG: 'C',
    });
    expect(env).toEqual({ LANG: 'C' });
    expect(Object.values(env)).not.toContain('undefined');
  });
});

import { describe, expect, it } from 'vitest';
import { ChannelChoice, mayBeTheChannel, resolveDirectChannel } from './direct-channel.js';
import { SandboxError } from './errors.js';
import type { Logger } from './logger.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => void lines.push(`${level}: ${message}`);
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const never = new AbortController().signal;

describe('resolveDirectChannel', () => {
  it.each([
    [undefined, 'auto'],
    ['auto', 'auto'],
    [true, true],
    [false, false],
  ])('takes %s as %s', (option, expected) => {
    expect(resolveDirectChannel(option)).toBe(expected);
  });

  it.each([['yes'], [1], [null], ['AUTO']])('refuses %s, naming the option', (option) => {
    expect(() => resolveDirectChannel(option)).toThrow(/directChannel must be 'auto', true or false/);
  });
});

describe('mayBeTheChannel', () => {
  it.each([
    ['a failed handshake', new SandboxError('PROTOCOL_ERROR', 'x'), true],
    ['a container that exited before its hello', new SandboxError('CONTAINER_START_FAILED', 'x'), true],
    ['a start that timed out', new SandboxError('STARTUP_TIMEOUT', 'x'), true],
    ['a spec the engine client refused', new SandboxError('INVALID_OPTIONS', 'x'), true],
    ['something unexpected', new Error('x'), true],
    ['an engine that does not answer', new SandboxError('ENGINE_UNAVAILABLE', 'x'), false],
    ['a missing image', new SandboxError('IMAGE_MISSING', 'x'), false],
    ['a broken install', new SandboxError('RUNTIME_SOURCE_MISSING', 'x'), false],
  ])('%s: %s', (_, error, expected) => {
    expect(mayBeTheChannel(error)).toBe(expected);
  });
});

describe('ChannelChoice', () => {
  it.each([
    ['auto', true, true],
    ['auto', false, false],
    [true, true, true],
    [true, false, false],
    [false, true, false],
  ] as const)('directChannel %s where passesDescriptors is %s: direct %s', (option, passes, direct) => {
    expect(new ChannelChoice({ option, passesDescriptors: passes, logger: recordingLogger() }).direct).toBe(
      direct,
    );
  });

  it('says once, at info, that a channel asked for cannot be had; auto says nothing', () => {
    const asked = recordingLogger();
    new ChannelChoice({ option: true, passesDescriptors: false, logger: asked });
    expect(asked.lines).toEqual([
      expect.stringMatching(/^info: direct channel off: .*cannot pass a descriptor/),
    ]);
    const auto = recordingLogger();
    new ChannelChoice({ option: 'auto', passesDescriptors: false, logger: auto });
    expect(auto.lines).toEqual([]);
  });

  it('starts over stdio when the direct start fails, then stays on stdio, and says why once', async () => {
    const logger = recordingLogger();
    const choice = new ChannelChoice({ option: 'auto', passesDescriptors: true, logger });
    const tried: boolean[] = [];
    const attempt = async (direct: boolean) => {
      tried.push(direct);
      if (direct) throw new SandboxError('PROTOCOL_ERROR', 'no hello on the socket');
      return 'started';
    };
    expect(await choice.start(attempt, never)).toBe('started');
    expect(await choice.start(attempt, never)).toBe('started');
    expect(tried).toEqual([true, false, false]);
    expect(choice.direct).toBe(false);
    expect(logger.lines.filter((line) => line.startsWith('warn'))).toEqual([
      expect.stringContaining('no hello on the socket'),
    ]);
  });

  it('keeps the direct channel when stdio fails too: the failure was not the channel’s', async () => {
    const choice = new ChannelChoice({ option: 'auto', passesDescriptors: true, logger: recordingLogger() });
    const tried: boolean[] = [];
    const attempt = async (direct: boolean): Promise<string> => {
      tried.push(direct);
      throw new SandboxError('CONTAINER_START_FAILED', direct ? 'over the socket' : 'over stdio');
    };
    await expect(choice.start(attempt, never)).rejects.toThrow('over stdio');
    expect(tried).toEqual([true, false]);
    expect(choice.direct).toBe(true);
  });

  it('does not try stdio for an engine error, nor once the signal fired', async () => {
    const choice = new ChannelChoice({ option: 'auto', passesDescriptors: true, logger: recordingLogger() });
    const tried: boolean[] = [];
    const failing = (error: unknown) => async (direct: boolean) => {
      tried.push(direct);
      throw error;
    };
    await expect(choice.start(failing(new SandboxError('IMAGE_MISSING', 'no image')), never)).rejects.toThrow(
      'no image',
    );
    const aborted = new AbortController();
    aborted.abort(new Error('cancelled'));
    await expect(choice.start(failing(new Error('cancelled')), aborted.signal)).rejects.toThrow('cancelled');
    expect(tried).toEqual([true, true]);
    expect(choice.direct).toBe(true);
  });
});

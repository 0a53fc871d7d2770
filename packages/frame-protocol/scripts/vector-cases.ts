/**
 * The golden vectors: frames and method payloads with their decoded forms, and lines with the error they must
 * produce. `buildVectors` checks every case against this package's decoder and schemas and renders the files in
 * `vectors/`; `generate-vectors.ts` writes them, and `test/vectors.test.ts` fails when they drift apart.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  type AnyFrame,
  type DecodeErrorCode,
  encodeFrame,
  FrameDecoder,
  type FrameDirection,
  HostMethods,
  type MethodSchema,
  RuntimeMethods,
} from '../src/index.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface ValidCase {
  name: string;
  direction: FrameDirection;
  /** The raw line; when absent, `encodeFrame(frame)` without its newline. */
  line?: string;
  /** The frame as sent (with `line` absent) or as it must decode. */
  frame: AnyFrame;
}

interface InvalidCase {
  name: string;
  direction: FrameDirection;
  line: string;
  error: Exclude<DecodeErrorCode, 'LINE_TOO_LONG'>;
}

interface MethodCase {
  name: string;
  method: string;
  kind: 'params' | 'result';
  input: Json;
  /** The decoded value (schema defaults applied, unknown keys dropped); `false` when the input is invalid. */
  output: Json | false;
}

const H = 'host_to_runtime';
const R = 'runtime_to_host';

const searchTool = {
  name: 'search_issues',
  title: 'Search issues',
  description: 'Search issues by query.\nReturns at most `limit` issues.',
  inputSchema: {
    type: 'object',
    properties: {
      query: { type: 'string', description: 'GitHub search syntax' },
      limit: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
      labels: { type: 'array', items: { type: 'string' } },
    },
    required: ['query'],
    additionalProperties: false,
  },
  outputSchema: { type: 'object', properties: { items: { type: 'array' } } },
  annotations: { readOnlyHint: true, openWorldHint: true },
};

export const validCases: ValidCase[] = [
  // ---- host -> runtime
  {
    name: 'execute, minimal: servers and options get their defaults',
    direction: H,
    line: '{"type":"execute","id":"h1","code":"print(1)"}',
    frame: { type: 'execute', id: 'h1', code: 'print(1)', servers: [], options: {} },
  },
  {
    name: 'execute, full: servers with tool metadata, discovered servers, call timeout',
    direction: H,
    frame: {
      type: 'execute',
      id: 'h2',
      code: 'from mcp import runtime\nissues = await mcp_github.search_issues(query="is:open")\nprint(len(issues))\n',
      servers: [
        { name: 'github', description: 'GitHub API', tools: [searchTool, { name: 'get_me' }] },
        { name: 'empty', tools: [] },
      ],
      discovered: ['github', 'empty', 'jira'],
      options: { callTimeoutMs: 120_000 },
    },
  },
  {
    name: 'execute, unicode code: escapes, emoji, line and paragraph separators, tabs',
    direction: H,
    line: '{"type":"execute","id":"h3","code":"s = \\"caf\\u00e9 \\u4f60\\u597d \\ud83d\\ude00 😀\\"\\n\\tprint(s)\\u2028\\u2029"}',
    frame: {
      type: 'execute',
      id: 'h3',
      code: 's = "café 你好 😀 😀"\n\tprint(s)\u2028\u2029',
      servers: [],
      options: {},
    },
  },
  {
    name: 'execute, unknown fields are ignored (dropped from the decoded frame)',
    direction: H,
    line: '{"type":"execute","id":"h4","code":"","future":{"x":1},"options":{"callTimeoutMs":5,"later":true}}',
    frame: { type: 'execute', id: 'h4', code: '', servers: [], options: { callTimeoutMs: 5 } },
  },
  {
    name: 'execute in the persistent namespace of a session (revision 2)',
    direction: H,
    frame: { type: 'execute', id: 'x7', code: 'x = 42', servers: [], persist: true, options: {} },
  },
  {
    name: 'execute with saved tools, one of them stale (revision 2)',
    direction: H,
    frame: {
      type: 'execute',
      id: 'x8',
      code: 'await open_issues("acme/app")',
      servers: [],
      persist: true,
      skills: [
        { name: 'double', source: 'def double(n):\n    return 2 * n\n' },
        {
          name: 'open_issues',
          description: 'Open issues of a repository',
          source: 'async def open_issues(repo):\n    return await mcp_github.search_issues(query=repo)\n',
          stale: 'github.search_issues changed its input schema since the tool was saved',
        },
      ],
      options: {},
    },
  },
  {
    name: 'execute, whitespace between tokens and another key order',
    direction: H,
    line: '{ "code" : "1+1" , "options" : { } , "id" : "h5" , "type" : "execute" , "servers" : [ ] }',
    frame: { type: 'execute', id: 'h5', code: '1+1', servers: [], options: {} },
  },
  {
    name: 'request ping (host -> runtime)',
    direction: H,
    frame: { type: 'request', id: 'h6', method: 'ping', params: {} },
  },
  {
    name: 'request ping without params: params default to {}',
    direction: H,
    line: '{"type":"request","id":"h7","method":"ping"}',
    frame: { type: 'request', id: 'h7', method: 'ping', params: {} },
  },
  {
    name: 'response to tools/call: a CallToolResult with nested structured content',
    direction: H,
    frame: {
      type: 'response',
      id: 'c1',
      result: {
        content: [
          { type: 'text', text: '3 open issues' },
          { type: 'resource_link', uri: 'https://example.invalid/issues', name: 'issues' },
        ],
        structuredContent: { items: [{ id: 1, labels: ['bug'], assignee: null, meta: { score: 0.5 } }] },
        isError: false,
      },
    },
  },
  {
    name: 'response to tools/call whose tool reported an error as a result (isError)',
    direction: H,
    frame: {
      type: 'response',
      id: 'c2',
      result: { content: [{ type: 'text', text: 'repository not found' }], isError: true },
    },
  },
  {
    name: 'response to servers/list',
    direction: H,
    frame: {
      type: 'response',
      id: 'c3',
      result: {
        servers: [
          { name: 'github', description: 'GitHub API', loaded: true, toolCount: 2 },
          { name: 'jira', loaded: false },
        ],
      },
    },
  },
  {
    name: 'response to servers/describe',
    direction: H,
    frame: {
      type: 'response',
      id: 'c4',
      result: { name: 'github', description: 'GitHub API', tools: [searchTool, { name: 'get_me' }] },
    },
  },
  {
    name: 'response to tools/query, summary detail',
    direction: H,
    frame: {
      type: 'response',
      id: 'c5',
      result: {
        tools: [{ server: 'github', tool: 'search_issues', description: 'Search issues by query.' }],
      },
    },
  },
  {
    name: 'response to tools/query, full detail',
    direction: H,
    frame: {
      type: 'response',
      id: 'c6',
      result: {
        tools: [
          {
            server: 'github',
            tool: 'search_issues',
            title: searchTool.title,
            description: searchTool.description,
            inputSchema: searchTool.inputSchema,
            outputSchema: searchTool.outputSchema,
            annotations: searchTool.annotations,
          },
        ],
      },
    },
  },
  {
    name: 'response to tools/search',
    direction: H,
    frame: {
      type: 'response',
      id: 'c7',
      result: {
        results: [
          { server: 'github', tool: 'search_issues', description: 'Search issues by query.', score: 0.92 },
          { server: 'jira', tool: 'find', description: '', score: 0.1 },
        ],
      },
    },
  },
  {
    name: 'response with a null result',
    direction: H,
    frame: { type: 'response', id: 'c8', result: null },
  },
  {
    name: 'response with a TOOL_ERROR carrying data',
    direction: H,
    frame: {
      type: 'response',
      id: 'c9',
      error: {
        code: 'TOOL_ERROR',
        message: 'MCP error -32602: invalid arguments',
        data: { mcpCode: -32602 },
      },
    },
  },
  {
    name: 'response with UNKNOWN_SERVER',
    direction: H,
    frame: {
      type: 'response',
      id: 'c10',
      error: { code: 'UNKNOWN_SERVER', message: 'No server "gitlab": known servers are github, jira' },
    },
  },
  {
    name: 'response with TIMEOUT',
    direction: H,
    frame: {
      type: 'response',
      id: 'c11',
      error: { code: 'TIMEOUT', message: 'tools/call took over 30000 ms' },
    },
  },
  {
    name: 'response with CANCELLED after the runtime withdrew its call',
    direction: H,
    frame: {
      type: 'response',
      id: 'c12',
      error: { code: 'CANCELLED', message: 'The request was cancelled' },
    },
  },
  {
    name: 'response with an error code this version does not define (allowed; treat like INTERNAL)',
    direction: H,
    frame: { type: 'response', id: 'c13', error: { code: 'RATE_LIMITED', message: 'try again in 5 s' } },
  },
  {
    name: 'cancel of the running execute',
    direction: H,
    frame: { type: 'cancel', id: 'h2', reason: 'timeout' },
  },
  {
    name: 'cancel without a reason',
    direction: H,
    frame: { type: 'cancel', id: 'h6' },
  },
  {
    name: 'cancel with a CRLF line end (the carriage return is whitespace)',
    direction: H,
    line: '{"type":"cancel","id":"h8"}\r',
    frame: { type: 'cancel', id: 'h8' },
  },
  {
    name: 'big numbers in a tool result: largest safe integers, exponents, fractions',
    direction: H,
    line:
      '{"type":"response","id":"c14","result":{"content":[],"structuredContent":{"max":9007199254740991,' +
      '"min":-9007199254740991,"exp":1e21,"tiny":1.5e-7,"frac":0.1,"neg":-42,"zero":0}}}',
    frame: {
      type: 'response',
      id: 'c14',
      result: {
        content: [],
        structuredContent: {
          max: 9007199254740991,
          min: -9007199254740991,
          exp: 1e21,
          tiny: 1.5e-7,
          frac: 0.1,
          neg: -42,
          zero: 0,
        },
      },
    },
  },

  // ---- runtime -> host
  {
    name: 'hello, minimal',
    direction: R,
    frame: { type: 'hello', protocol: 1 },
  },
  {
    name: 'hello, full',
    direction: R,
    frame: { type: 'hello', protocol: 1, revision: 2, python: '3.11.2', pid: 1 },
  },
  {
    name: 'hello with the limits report (revision 3)',
    direction: R,
    frame: {
      type: 'hello',
      protocol: 1,
      revision: 3,
      python: '3.11.2',
      pid: 1,
      limits: {
        cgroup: 'v1',
        memory: {
          requested: 536870912,
          enforcedBy: 'rlimit',
          effective: 575668224,
          runtime: 38797312,
          addressSpace: 2161213440,
        },
        pids: { requested: 128, enforcedBy: 'rlimit', effective: 128 },
        cpus: { requested: 1.5, enforcedBy: 'none' },
        fileSize: { requested: 67108864, enforcedBy: 'rlimit', effective: 67108864 },
      },
    },
  },
  {
    name: 'hello with limits held by cgroups on cgroups v2',
    direction: R,
    frame: {
      type: 'hello',
      protocol: 1,
      revision: 3,
      limits: {
        cgroup: 'v2',
        memory: { requested: 536870912, enforcedBy: 'cgroup', effective: 536870912 },
        pids: { requested: 128, enforcedBy: 'cgroup', effective: 100 },
      },
    },
  },
  {
    name: 'hello with a field from a newer minor revision (ignored)',
    direction: R,
    line: '{"type":"hello","protocol":1,"python":"3.12.7","features":["progress"]}',
    frame: { type: 'hello', protocol: 1, python: '3.12.7' },
  },
  {
    name: 'stdout chunk',
    direction: R,
    frame: { type: 'stdout', data: 'hello\n' },
  },
  {
    name: 'stdout chunk that ends inside a line (chunks are not lines)',
    direction: R,
    frame: { type: 'stdout', data: 'progress: 50%' },
  },
  {
    name: 'stdout, empty chunk',
    direction: R,
    frame: { type: 'stdout', data: '' },
  },
  {
    name: 'stdout with multi-byte UTF-8, emoji, control characters and a U+FFFD from undecodable program output',
    direction: R,
    frame: { type: 'stdout', data: 'naïve café — 你好 👋🏽\u0000\u001b[31mred\u001b[0m\r\n\uFFFD' },
  },
  {
    name: 'stdout with a lone surrogate, escaped (survives a JavaScript round trip)',
    direction: R,
    line: '{"type":"stdout","data":"a\\ud800b"}',
    frame: { type: 'stdout', data: 'a\ud800b' },
  },
  {
    name: 'stderr chunk with a traceback',
    direction: R,
    frame: {
      type: 'stderr',
      data: 'Traceback (most recent call last):\n  File "<code>", line 1, in <module>\nZeroDivisionError: division by zero\n',
    },
  },
  {
    name: 'request tools/call, full',
    direction: R,
    frame: {
      type: 'request',
      id: 'c1',
      method: 'tools/call',
      params: {
        server: 'github',
        tool: 'search_issues',
        arguments: {
          query: 'is:open label:"good first issue" — ünïcödé',
          limit: 5,
          labels: ['bug', 'p1'],
          deep: { a: [1, [2, [3, { b: null }]]] },
        },
        timeoutMs: 30000,
      },
    },
  },
  {
    name: 'request tools/call without arguments (the method default {} applies when the host validates params)',
    direction: R,
    frame: { type: 'request', id: 'c2', method: 'tools/call', params: { server: 'github', tool: 'get_me' } },
  },
  {
    name: 'request tools/call with big integers in arguments',
    direction: R,
    frame: {
      type: 'request',
      id: 'c3',
      method: 'tools/call',
      params: {
        server: 'db',
        tool: 'get',
        arguments: { id: 9007199254740991, offset: -9007199254740991, ratio: 2.5e-300 },
      },
    },
  },
  {
    name: 'request servers/list without params',
    direction: R,
    line: '{"type":"request","id":"c4","method":"servers/list"}',
    frame: { type: 'request', id: 'c4', method: 'servers/list', params: {} },
  },
  {
    name: 'request servers/describe',
    direction: R,
    frame: { type: 'request', id: 'c5', method: 'servers/describe', params: { server: 'github' } },
  },
  {
    name: 'request tools/query, one tool, full detail',
    direction: R,
    frame: {
      type: 'request',
      id: 'c6',
      method: 'tools/query',
      params: { server: 'github', tool: 'search_issues', detail: 'full' },
    },
  },
  {
    name: 'request tools/query, whole server, summary',
    direction: R,
    frame: {
      type: 'request',
      id: 'c7',
      method: 'tools/query',
      params: { server: 'github', detail: 'summary' },
    },
  },
  {
    name: 'request tools/search',
    direction: R,
    frame: {
      type: 'request',
      id: 'c8',
      method: 'tools/search',
      params: { query: 'create issue', limit: 3, detail: 'summary' },
    },
  },
  {
    name: 'request memory/get',
    direction: R,
    frame: { type: 'request', id: 'c9', method: 'memory/get', params: { key: 'prefs', withValue: true } },
  },
  {
    name: 'request memory/save, update of an object',
    direction: R,
    frame: {
      type: 'request',
      id: 'c10',
      method: 'memory/save',
      params: { key: 'prefs', value: { theme: 'dark' }, mode: 'update' },
    },
  },
  {
    name: 'request memory/delete',
    direction: R,
    frame: { type: 'request', id: 'c11', method: 'memory/delete', params: { key: 'prefs' } },
  },
  {
    name: 'request memory/list',
    direction: R,
    frame: { type: 'request', id: 'c12', method: 'memory/list', params: { prefix: 'user:' } },
  },
  {
    name: 'request skills/save of an async tool that calls an upstream tool',
    direction: R,
    frame: {
      type: 'request',
      id: 'c13',
      method: 'skills/save',
      params: {
        name: 'open_issues',
        description: 'Open issues of a repository',
        source:
          'async def open_issues(repo):\n    return await mcp_github.search_issues(query=f"repo:{repo} is:open")\n',
        async: true,
        uses: [{ alias: 'github', tool: 'search_issues' }],
      },
    },
  },
  {
    name: 'request skills/list',
    direction: R,
    frame: { type: 'request', id: 'c14', method: 'skills/list', params: {} },
  },
  {
    name: 'request skills/delete',
    direction: R,
    frame: { type: 'request', id: 'c15', method: 'skills/delete', params: { name: 'open_issues' } },
  },
  {
    name: 'request run/attach of a PNG',
    direction: R,
    frame: {
      type: 'request',
      id: 'c16',
      method: 'run/attach',
      params: { name: 'plot.png', mimeType: 'image/png', data: 'iVBORw0KGgo=' },
    },
  },
  {
    name: 'response to ping',
    direction: R,
    frame: { type: 'response', id: 'h1', result: {} },
  },
  {
    name: 'response with UNKNOWN_METHOD from the runtime',
    direction: R,
    frame: {
      type: 'response',
      id: 'h2',
      error: { code: 'UNKNOWN_METHOD', message: 'The runtime does not serve "files/read" (it serves ping)' },
    },
  },
  {
    name: 'cancel of a tool call the code no longer waits for',
    direction: R,
    frame: { type: 'cancel', id: 'c1', reason: 'asyncio.wait_for timed out' },
  },
  {
    name: 'done, success with a JSON value',
    direction: R,
    frame: {
      type: 'done',
      id: 'h1',
      status: 'success',
      value: { repr: "{'a': [1, 2.5, None, True]}", json: { a: [1, 2.5, null, true] } },
      calls: 3,
    },
  },
  {
    name: 'done, success with a value that is not JSON',
    direction: R,
    frame: {
      type: 'done',
      id: 'h2',
      status: 'success',
      value: { repr: '<object object at 0x7f00>' },
      calls: 0,
    },
  },
  {
    name: 'done, success without a value',
    direction: R,
    frame: { type: 'done', id: 'h3', status: 'success' },
  },
  {
    name: 'done, error with a traceback',
    direction: R,
    frame: {
      type: 'done',
      id: 'h4',
      status: 'error',
      error: {
        type: 'McpToolError',
        message: 'github.search_issues failed: TOOL_ERROR: rate limited',
        traceback:
          'Traceback (most recent call last):\n  File "<code>", line 2, in <module>\nMcpToolError: github.search_issues failed\n',
      },
      calls: 1,
    },
  },
  {
    name: 'done after the execute was cancelled',
    direction: R,
    frame: { type: 'done', id: 'h5', status: 'error', error: { type: 'KeyboardInterrupt', message: '' } },
  },
];

export const invalidCases: InvalidCase[] = [
  { name: 'plain text', direction: R, line: 'hello from a stray print', error: 'INVALID_JSON' },
  { name: 'truncated object', direction: R, line: '{"type":"stdout","data":"abc', error: 'INVALID_JSON' },
  { name: 'single quotes', direction: H, line: "{'type': 'cancel', 'id': 'h1'}", error: 'INVALID_JSON' },
  { name: 'trailing comma', direction: H, line: '{"type":"cancel","id":"h1",}', error: 'INVALID_JSON' },
  { name: 'NaN is not JSON', direction: R, line: '{"type":"hello","protocol":NaN}', error: 'INVALID_JSON' },
  { name: 'whitespace only', direction: H, line: '   ', error: 'INVALID_JSON' },
  {
    name: 'two objects on one line',
    direction: R,
    line: '{"type":"stdout","data":"a"}{"type":"stdout","data":"b"}',
    error: 'INVALID_JSON',
  },
  { name: 'null', direction: R, line: 'null', error: 'NOT_AN_OBJECT' },
  { name: 'empty array', direction: H, line: '[]', error: 'NOT_AN_OBJECT' },
  {
    name: 'a frame inside an array',
    direction: H,
    line: '[{"type":"cancel","id":"h1"}]',
    error: 'NOT_AN_OBJECT',
  },
  { name: 'a string', direction: R, line: '"stdout"', error: 'NOT_AN_OBJECT' },
  { name: 'a number', direction: R, line: '42', error: 'NOT_AN_OBJECT' },
  { name: 'a boolean', direction: H, line: 'true', error: 'NOT_AN_OBJECT' },
  { name: 'unknown type', direction: R, line: '{"type":"teleport","id":"c1"}', error: 'UNKNOWN_FRAME_TYPE' },
  {
    name: 'types are case-sensitive',
    direction: R,
    line: '{"type":"STDOUT","data":"x"}',
    error: 'UNKNOWN_FRAME_TYPE',
  },
  { name: 'empty type', direction: H, line: '{"type":""}', error: 'UNKNOWN_FRAME_TYPE' },
  {
    name: 'hello sent to the runtime',
    direction: H,
    line: '{"type":"hello","protocol":1}',
    error: 'UNKNOWN_FRAME_TYPE',
  },
  {
    name: 'stdout sent to the runtime',
    direction: H,
    line: '{"type":"stdout","data":"x"}',
    error: 'UNKNOWN_FRAME_TYPE',
  },
  {
    name: 'done sent to the runtime',
    direction: H,
    line: '{"type":"done","id":"h1","status":"success"}',
    error: 'UNKNOWN_FRAME_TYPE',
  },
  {
    name: 'execute sent to the host',
    direction: R,
    line: '{"type":"execute","id":"c1","code":"x"}',
    error: 'UNKNOWN_FRAME_TYPE',
  },
  { name: 'no type field', direction: H, line: '{"id":"h1","code":"x"}', error: 'INVALID_FRAME' },
  { name: 'type is not a string', direction: R, line: '{"type":1,"data":"x"}', error: 'INVALID_FRAME' },
  {
    name: 'execute without code',
    direction: H,
    line: '{"type":"execute","id":"h1"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'execute with an empty id',
    direction: H,
    line: '{"type":"execute","id":"","code":"x"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'execute with a numeric id',
    direction: H,
    line: '{"type":"execute","id":1,"code":"x"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'id longer than 128 characters',
    direction: H,
    line: `{"type":"cancel","id":"${'h'.repeat(129)}"}`,
    error: 'INVALID_FRAME',
  },
  {
    name: 'execute whose persist is not a boolean',
    direction: H,
    line: '{"type":"execute","id":"x1","code":"x","persist":"yes"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello with limits enforced by something unknown',
    direction: R,
    line: '{"type":"hello","protocol":1,"limits":{"cgroup":"v2","memory":{"requested":1,"enforcedBy":"magic"}}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello with a negative requested limit',
    direction: R,
    line: '{"type":"hello","protocol":1,"limits":{"cgroup":null,"pids":{"requested":-1,"enforcedBy":"none"}}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello with limits that are not an object',
    direction: R,
    line: '{"type":"hello","protocol":1,"limits":"all"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello with a revision of zero',
    direction: R,
    line: '{"type":"hello","protocol":1,"revision":0}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'execute with a zero call timeout',
    direction: H,
    line: '{"type":"execute","id":"h1","code":"x","options":{"callTimeoutMs":0}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'execute with a nameless tool',
    direction: H,
    line: '{"type":"execute","id":"h1","code":"x","servers":[{"name":"s","tools":[{"name":""}]}]}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'execute with servers as an object',
    direction: H,
    line: '{"type":"execute","id":"h1","code":"x","servers":{}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'request without method',
    direction: R,
    line: '{"type":"request","id":"c1","params":{}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'request with array params',
    direction: R,
    line: '{"type":"request","id":"c1","method":"tools/call","params":[]}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'request with null params',
    direction: R,
    line: '{"type":"request","id":"c1","method":"tools/call","params":null}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'response with both result and error',
    direction: H,
    line: '{"type":"response","id":"c1","result":1,"error":{"code":"X","message":"m"}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'response with neither result nor error',
    direction: H,
    line: '{"type":"response","id":"c1"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'response with an extra field (responses are strict)',
    direction: R,
    line: '{"type":"response","id":"h1","result":{},"extra":1}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'error without message',
    direction: H,
    line: '{"type":"response","id":"c1","error":{"code":"TIMEOUT"}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'error with an empty code',
    direction: H,
    line: '{"type":"response","id":"c1","error":{"code":"","message":"m"}}',
    error: 'INVALID_FRAME',
  },
  { name: 'cancel without id', direction: H, line: '{"type":"cancel"}', error: 'INVALID_FRAME' },
  {
    name: 'hello with protocol 0',
    direction: R,
    line: '{"type":"hello","protocol":0}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello with a string protocol',
    direction: R,
    line: '{"type":"hello","protocol":"1"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello with a fractional protocol',
    direction: R,
    line: '{"type":"hello","protocol":1.5}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'hello without protocol',
    direction: R,
    line: '{"type":"hello","python":"3.11"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'stdout with numeric data',
    direction: R,
    line: '{"type":"stdout","data":42}',
    error: 'INVALID_FRAME',
  },
  { name: 'stderr without data', direction: R, line: '{"type":"stderr"}', error: 'INVALID_FRAME' },
  {
    name: 'done with an unknown status',
    direction: R,
    line: '{"type":"done","id":"h1","status":"timeout"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'done with status error but no error',
    direction: R,
    line: '{"type":"done","id":"h1","status":"error"}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'done with status success and an error',
    direction: R,
    line: '{"type":"done","id":"h1","status":"success","error":{"type":"E","message":"m"}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'done with negative calls',
    direction: R,
    line: '{"type":"done","id":"h1","status":"success","calls":-1}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'done with a value without repr',
    direction: R,
    line: '{"type":"done","id":"h1","status":"success","value":{"json":1}}',
    error: 'INVALID_FRAME',
  },
  {
    name: 'done without id',
    direction: R,
    line: '{"type":"done","status":"success"}',
    error: 'INVALID_FRAME',
  },
];

export const methodCases: MethodCase[] = [
  // memory/*
  {
    name: 'memory/get params: withValue defaults to true',
    method: 'memory/get',
    kind: 'params',
    input: { key: 'user:prefs' },
    output: { key: 'user:prefs', withValue: true },
  },
  {
    name: 'memory/get params with a key that is a path',
    method: 'memory/get',
    kind: 'params',
    input: { key: '../x' },
    output: false,
  },
  {
    name: 'memory/get params with a NUL in the key',
    method: 'memory/get',
    kind: 'params',
    input: { key: 'a\u0000b' },
    output: false,
  },
  {
    name: 'memory/get params with the key ".."',
    method: 'memory/get',
    kind: 'params',
    input: { key: '..' },
    output: false,
  },
  {
    name: 'memory/get params with a key of 201 characters',
    method: 'memory/get',
    kind: 'params',
    input: { key: 'k'.repeat(201) },
    output: false,
  },
  {
    name: 'memory/get params with a key of 200 characters, unicode',
    method: 'memory/get',
    kind: 'params',
    input: { key: `é${'k'.repeat(199)}`, withValue: false },
    output: { key: `é${'k'.repeat(199)}`, withValue: false },
  },
  {
    name: 'memory/get result, found',
    method: 'memory/get',
    kind: 'result',
    input: {
      found: true,
      value: { theme: 'dark', n: [1, null] },
      info: {
        key: 'prefs',
        size: 29,
        created: '2026-12-01T10:00:00.000Z',
        updated: '2026-12-02T10:00:00.000Z',
      },
    },
    output: {
      found: true,
      value: { theme: 'dark', n: [1, null] },
      info: {
        key: 'prefs',
        size: 29,
        created: '2026-12-01T10:00:00.000Z',
        updated: '2026-12-02T10:00:00.000Z',
      },
    },
  },
  {
    name: 'memory/get result, not found',
    method: 'memory/get',
    kind: 'result',
    input: { found: false },
    output: { found: false },
  },
  {
    name: 'memory/save params: mode defaults to save, null is a value',
    method: 'memory/save',
    kind: 'params',
    input: { key: 'k', value: null },
    output: { key: 'k', value: null, mode: 'save' },
  },
  {
    name: 'memory/save params, update',
    method: 'memory/save',
    kind: 'params',
    input: { key: 'k', value: { a: 1 }, mode: 'update' },
    output: { key: 'k', value: { a: 1 }, mode: 'update' },
  },
  {
    name: 'memory/save params with an unknown mode',
    method: 'memory/save',
    kind: 'params',
    input: { key: 'k', value: 1, mode: 'append' },
    output: false,
  },
  {
    name: 'memory/save params with the key /etc/passwd',
    method: 'memory/save',
    kind: 'params',
    input: { key: '/etc/passwd', value: 1 },
    output: false,
  },
  {
    name: 'memory/save result: the info of what was stored',
    method: 'memory/save',
    kind: 'result',
    input: { key: 'k', size: 4, created: '2026-12-01T10:00:00.000Z', updated: '2026-12-01T10:00:00.000Z' },
    output: { key: 'k', size: 4, created: '2026-12-01T10:00:00.000Z', updated: '2026-12-01T10:00:00.000Z' },
  },
  {
    name: 'memory/delete params',
    method: 'memory/delete',
    kind: 'params',
    input: { key: 'k' },
    output: { key: 'k' },
  },
  {
    name: 'memory/delete result',
    method: 'memory/delete',
    kind: 'result',
    input: { deleted: false },
    output: { deleted: false },
  },
  {
    name: 'memory/list params: prefix defaults to ""',
    method: 'memory/list',
    kind: 'params',
    input: {},
    output: { prefix: '' },
  },
  {
    name: 'memory/list result with a problem entry',
    method: 'memory/list',
    kind: 'result',
    input: {
      memories: [
        { key: 'a', size: 1, created: '2026-12-01T10:00:00.000Z', updated: '2026-12-01T10:00:00.000Z' },
      ],
      problems: [{ message: 'a file of the store is not valid JSON' }],
    },
    output: {
      memories: [
        { key: 'a', size: 1, created: '2026-12-01T10:00:00.000Z', updated: '2026-12-01T10:00:00.000Z' },
      ],
      problems: [{ message: 'a file of the store is not valid JSON' }],
    },
  },
  // run/attach
  {
    name: 'run/attach params',
    method: 'run/attach',
    kind: 'params',
    input: { name: 'report.csv', mimeType: 'text/csv', data: 'YSxiCjEsMgo=' },
    output: { name: 'report.csv', mimeType: 'text/csv', data: 'YSxiCjEsMgo=' },
  },
  {
    name: 'run/attach params without a MIME type',
    method: 'run/attach',
    kind: 'params',
    input: { name: 'x', data: '' },
    output: false,
  },
  {
    name: 'run/attach result',
    method: 'run/attach',
    kind: 'result',
    input: { size: 8 },
    output: { size: 8 },
  },
  // skills/*
  {
    name: 'skills/save params: async false and no uses by default',
    method: 'skills/save',
    kind: 'params',
    input: { name: 'double', source: 'def double(n):\n    return 2 * n\n' },
    output: { name: 'double', source: 'def double(n):\n    return 2 * n\n', async: false, uses: [] },
  },
  {
    name: 'skills/save params without source',
    method: 'skills/save',
    kind: 'params',
    input: { name: 'double' },
    output: false,
  },
  {
    name: 'skills/save params with a use that names no tool',
    method: 'skills/save',
    kind: 'params',
    input: { name: 'f', source: 'def f(): pass', uses: [{ server: 'github' }] },
    output: false,
  },
  {
    name: 'skills/save result',
    method: 'skills/save',
    kind: 'result',
    input: {
      name: 'open_issues',
      async: true,
      uses: ['github.search_issues'],
      created: '2026-12-01T10:00:00.000Z',
      updated: '2026-12-01T10:00:00.000Z',
    },
    output: {
      name: 'open_issues',
      async: true,
      uses: ['github.search_issues'],
      created: '2026-12-01T10:00:00.000Z',
      updated: '2026-12-01T10:00:00.000Z',
    },
  },
  { name: 'skills/list params', method: 'skills/list', kind: 'params', input: {}, output: {} },
  {
    name: 'skills/list result with a stale tool',
    method: 'skills/list',
    kind: 'result',
    input: {
      skills: [
        {
          name: 'f',
          description: 'does f',
          async: false,
          uses: ['s.t'],
          stale: 's.t is gone',
          created: '2026-12-01T10:00:00.000Z',
          updated: '2026-12-01T10:00:00.000Z',
        },
      ],
    },
    output: {
      skills: [
        {
          name: 'f',
          description: 'does f',
          async: false,
          uses: ['s.t'],
          stale: 's.t is gone',
          created: '2026-12-01T10:00:00.000Z',
          updated: '2026-12-01T10:00:00.000Z',
        },
      ],
    },
  },
  {
    name: 'skills/delete params',
    method: 'skills/delete',
    kind: 'params',
    input: { name: 'f' },
    output: { name: 'f' },
  },
  {
    name: 'skills/delete result',
    method: 'skills/delete',
    kind: 'result',
    input: { deleted: true },
    output: { deleted: true },
  },
  // tools/call
  {
    name: 'tools/call params, minimal: arguments default to {}',
    method: 'tools/call',
    kind: 'params',
    input: { server: 'github', tool: 'get_me' },
    output: { server: 'github', tool: 'get_me', arguments: {} },
  },
  {
    name: 'tools/call params, full',
    method: 'tools/call',
    kind: 'params',
    input: { server: 'github', tool: 'search', arguments: { q: 'ü', n: [1, { x: null }] }, timeoutMs: 1000 },
    output: { server: 'github', tool: 'search', arguments: { q: 'ü', n: [1, { x: null }] }, timeoutMs: 1000 },
  },
  {
    name: 'tools/call params without tool',
    method: 'tools/call',
    kind: 'params',
    input: { server: 'github' },
    output: false,
  },
  {
    name: 'tools/call params with a zero timeout',
    method: 'tools/call',
    kind: 'params',
    input: { server: 'a', tool: 'b', timeoutMs: 0 },
    output: false,
  },
  {
    name: 'tools/call params with array arguments',
    method: 'tools/call',
    kind: 'params',
    input: { server: 'a', tool: 'b', arguments: [1] },
    output: false,
  },
  {
    name: 'tools/call result: content defaults to []',
    method: 'tools/call',
    kind: 'result',
    input: {},
    output: { content: [] },
  },
  {
    name: 'tools/call result keeps unknown keys (it is passed through from the upstream)',
    method: 'tools/call',
    kind: 'result',
    input: { content: [{ type: 'text', text: 'x' }], isError: true, _meta: { trace: 'abc' } },
    output: { content: [{ type: 'text', text: 'x' }], isError: true, _meta: { trace: 'abc' } },
  },
  {
    name: 'tools/call result with content that is not an array',
    method: 'tools/call',
    kind: 'result',
    input: { content: 'x' },
    output: false,
  },
  // servers/list
  {
    name: 'servers/list params: unknown keys dropped',
    method: 'servers/list',
    kind: 'params',
    input: { verbose: true },
    output: {},
  },
  {
    name: 'servers/list result',
    method: 'servers/list',
    kind: 'result',
    input: {
      servers: [
        { name: 'github', loaded: true, toolCount: 40 },
        { name: 'jira', description: 'Jira', loaded: false },
      ],
    },
    output: {
      servers: [
        { name: 'github', loaded: true, toolCount: 40 },
        { name: 'jira', description: 'Jira', loaded: false },
      ],
    },
  },
  {
    name: 'servers/list result without loaded',
    method: 'servers/list',
    kind: 'result',
    input: { servers: [{ name: 'github' }] },
    output: false,
  },
  // servers/describe
  {
    name: 'servers/describe params',
    method: 'servers/describe',
    kind: 'params',
    input: { server: 'github' },
    output: { server: 'github' },
  },
  {
    name: 'servers/describe params without server',
    method: 'servers/describe',
    kind: 'params',
    input: {},
    output: false,
  },
  {
    name: 'servers/describe result',
    method: 'servers/describe',
    kind: 'result',
    input: { name: 'github', tools: [searchTool] },
    output: { name: 'github', tools: [searchTool] },
  },
  {
    name: 'servers/describe result without tools',
    method: 'servers/describe',
    kind: 'result',
    input: { name: 'github' },
    output: false,
  },
  // tools/query
  {
    name: 'tools/query params: detail defaults to summary',
    method: 'tools/query',
    kind: 'params',
    input: { server: 'github' },
    output: { server: 'github', detail: 'summary' },
  },
  {
    name: 'tools/query params, one tool, full',
    method: 'tools/query',
    kind: 'params',
    input: { server: 'github', tool: 'search_issues', detail: 'full' },
    output: { server: 'github', tool: 'search_issues', detail: 'full' },
  },
  {
    name: 'tools/query params with an unknown detail',
    method: 'tools/query',
    kind: 'params',
    input: { server: 'github', detail: 'verbose' },
    output: false,
  },
  {
    name: 'tools/query result',
    method: 'tools/query',
    kind: 'result',
    input: {
      tools: [
        {
          server: 'github',
          tool: 'search_issues',
          description: 'Search.',
          inputSchema: searchTool.inputSchema,
        },
      ],
    },
    output: {
      tools: [
        {
          server: 'github',
          tool: 'search_issues',
          description: 'Search.',
          inputSchema: searchTool.inputSchema,
        },
      ],
    },
  },
  {
    name: 'tools/query result with a tool without server',
    method: 'tools/query',
    kind: 'result',
    input: { tools: [{ tool: 'x' }] },
    output: false,
  },
  // tools/search
  {
    name: 'tools/search params: limit 5 and summary by default',
    method: 'tools/search',
    kind: 'params',
    input: { query: 'issues' },
    output: { query: 'issues', limit: 5, detail: 'summary' },
  },
  {
    name: 'tools/search params with limit 0',
    method: 'tools/search',
    kind: 'params',
    input: { query: 'x', limit: 0 },
    output: false,
  },
  {
    name: 'tools/search params with limit over 100',
    method: 'tools/search',
    kind: 'params',
    input: { query: 'x', limit: 101 },
    output: false,
  },
  {
    name: 'tools/search result',
    method: 'tools/search',
    kind: 'result',
    input: { results: [{ server: 'github', tool: 'search_issues', description: 'Search.', score: 1.5 }] },
    output: { results: [{ server: 'github', tool: 'search_issues', description: 'Search.', score: 1.5 }] },
  },
  {
    name: 'tools/search result without description',
    method: 'tools/search',
    kind: 'result',
    input: { results: [{ server: 'github', tool: 'x' }] },
    output: false,
  },
  // ping
  { name: 'ping params', method: 'ping', kind: 'params', input: {}, output: {} },
  {
    name: 'ping result: unknown keys dropped',
    method: 'ping',
    kind: 'result',
    input: { pong: true },
    output: {},
  },
];

function decodeOne(direction: FrameDirection, line: string) {
  const events = new FrameDecoder({ direction }).push(`${line}\n`);
  if (events.length !== 1)
    throw new Error(`expected one event for ${JSON.stringify(line)}, got ${events.length}`);
  return events[0]!;
}

function jsonLines(rows: object[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

/** Checks every case and renders the three vector files. Throws on the first case that does not hold. */
export function buildVectors(): { 'valid.jsonl': string; 'invalid.jsonl': string; 'methods.jsonl': string } {
  const valid = validCases.map(({ name, direction, line, frame }) => {
    const raw = line ?? encodeFrame(frame).slice(0, -1);
    const event = decodeOne(direction, raw);
    if (!event.ok) throw new Error(`valid vector "${name}" failed: ${event.error.message}`);
    if (!isDeepStrictEqual(event.frame, frame)) {
      throw new Error(
        `valid vector "${name}" decodes to ${JSON.stringify(event.frame)}, expected ${JSON.stringify(frame)}`,
      );
    }
    return { name, direction, line: raw, frame: event.frame };
  });
  const invalid = invalidCases.map(({ name, direction, line, error }) => {
    const event = decodeOne(direction, line);
    if (event.ok || event.error.code !== error) {
      throw new Error(
        `invalid vector "${name}" gave ${event.ok ? 'a frame' : event.error.code}, expected ${error}`,
      );
    }
    return { name, direction, line, error };
  });
  const schemas: Record<string, MethodSchema> = { ...RuntimeMethods, ...HostMethods };
  const methods = methodCases.map(({ name, method, kind, input, output }) => {
    const schema = schemas[method];
    if (!schema) throw new Error(`method vector "${name}" names unknown method ${method}`);
    const parsed = schema[kind].safeParse(input);
    if (output === false ? parsed.success : !parsed.success || !isDeepStrictEqual(parsed.data, output)) {
      throw new Error(
        `method vector "${name}" gave ${JSON.stringify(parsed)}, expected ${JSON.stringify(output)}`,
      );
    }
    return output === false
      ? { name, method, kind, input, valid: false }
      : { name, method, kind, input, valid: true, output };
  });
  return {
    'valid.jsonl': jsonLines(valid),
    'invalid.jsonl': jsonLines(invalid),
    'methods.jsonl': jsonLines(methods),
  };
}

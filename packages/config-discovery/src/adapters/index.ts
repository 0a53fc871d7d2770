import type { ClientAdapter } from '../adapter.js';
import { claudeCode } from './claude-code.js';
import { claudeDesktop } from './claude-desktop.js';
import { cline } from './cline.js';
import { codex } from './codex.js';
import { cursor } from './cursor.js';
import { geminiCli } from './gemini-cli.js';
import { generic } from './generic.js';
import { opencode } from './opencode.js';
import { rooCode } from './roo-code.js';
import { vscode } from './vscode.js';
import { windsurf } from './windsurf.js';
import { zed } from './zed.js';

/** Every adapter, in the order that breaks ties between clients of the same scope (first wins). */
export const CLIENT_ADAPTERS: readonly ClientAdapter[] = [
  claudeCode,
  cursor,
  vscode,
  windsurf,
  geminiCli,
  codex,
  opencode,
  zed,
  cline,
  rooCode,
  claudeDesktop,
  generic,
];

export type ClientId =
  | 'claude-code'
  | 'cursor'
  | 'vscode'
  | 'windsurf'
  | 'gemini-cli'
  | 'codex'
  | 'opencode'
  | 'zed'
  | 'cline'
  | 'roo-code'
  | 'claude-desktop'
  | 'generic';

export const CLIENT_IDS: readonly ClientId[] = CLIENT_ADAPTERS.map((adapter) => adapter.id as ClientId);

export function getAdapter(id: string): ClientAdapter | undefined {
  return CLIENT_ADAPTERS.find((adapter) => adapter.id === id);
}

export {
  claudeCode,
  claudeDesktop,
  cline,
  codex,
  cursor,
  geminiCli,
  generic,
  opencode,
  rooCode,
  vscode,
  windsurf,
  zed,
};

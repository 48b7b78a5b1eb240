import { EventEmitter } from 'node:events';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { ServerConfig } from '../config/schema.ts';
import { serverReferences, type ReferenceSource } from '../secrets/references.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { ServerSupervisor } from './server-supervisor.ts';
import type { ServerState } from './server-state.ts';

export interface UpstreamRegistryOptions {
  references: ReferenceSource;
  redactor?: Redactor;
  stderrLogFor?: (server: string) => string;
  authProviderFor?: (server: string, config: ServerConfig) => OAuthClientProvider | undefined;
  backoff?: { baseMs: number; maxMs: number };
}

/**
 * The configured upstream servers, one supervisor each, kept in step with config.json.
 * Emits `state` (ServerState) and `removed` / `added` (name).
 */
export class UpstreamRegistry extends EventEmitter {
  private readonly supervisors = new Map<string, ServerSupervisor>();
  private readonly options: UpstreamRegistryOptions;

  constructor(options: UpstreamRegistryOptions) {
    super();
    this.options = options;
  }

  get(name: string): ServerSupervisor | undefined {
    return this.supervisors.get(name);
  }

  names(): string[] {
    return [...this.supervisors.keys()].sort();
  }

  states(): ServerState[] {
    return this.names().map((name) => this.supervisors.get(name)!.state);
  }

  private create(name: string, config: ServerConfig): ServerSupervisor {
    const authProvider = this.options.authProviderFor?.(name, config);
    const supervisor = new ServerSupervisor({
      name,
      config,
      references: this.options.references,
      ...(this.options.redactor ? { redactor: this.options.redactor } : {}),
      ...(this.options.stderrLogFor ? { stderrLog: this.options.stderrLogFor(name) } : {}),
      ...(authProvider ? { authProvider } : {}),
      ...(this.options.backoff ? { backoff: this.options.backoff } : {}),
      onState: (state) => this.emit('state', state),
    });
    this.supervisors.set(name, supervisor);
    return supervisor;
  }

  /**
   * Brings the running servers in line with a (validated) config: new ones start, removed ones
   * stop (closing their sessions' connections), changed ones restart. Returns what changed.
   */
  async apply(
    servers: Record<string, ServerConfig>,
  ): Promise<{ added: string[]; removed: string[]; changed: string[] }> {
    const added: string[] = [];
    const removed: string[] = [];
    const changed: string[] = [];
    const work: Promise<void>[] = [];
    for (const [name, supervisor] of this.supervisors) {
      if (!(name in servers)) {
        removed.push(name);
        this.supervisors.delete(name);
        work.push(supervisor.stop());
      }
    }
    for (const [name, config] of Object.entries(servers)) {
      const existing = this.supervisors.get(name);
      if (!existing) {
        added.push(name);
        work.push(this.create(name, config).start());
      } else if (JSON.stringify(existing.config) !== JSON.stringify(config)) {
        changed.push(name);
        work.push(existing.restart(config));
      }
    }
    await Promise.all(work);
    for (const name of removed) this.emit('removed', name);
    for (const name of added) this.emit('added', name);
    return { added, removed, changed };
  }

  /** Restarts the servers whose config refers to any of these secrets or OAuth providers. */
  async restartUsing(refs: { secrets?: string[]; providers?: string[] }): Promise<string[]> {
    const secrets = new Set(refs.secrets ?? []);
    const providers = new Set(refs.providers ?? []);
    const restarted: string[] = [];
    await Promise.all(
      [...this.supervisors.values()].map(async (supervisor) => {
        const uses = serverReferences(supervisor.config).some((ref) =>
          ref.kind === 'secret' ? secrets.has(ref.name) : providers.has(ref.name),
        );
        if (!uses) return;
        restarted.push(supervisor.name);
        await supervisor.restart();
      }),
    );
    return restarted.sort();
  }

  async stopAll(): Promise<void> {
    const all = [...this.supervisors.values()];
    this.supervisors.clear();
    await Promise.all(all.map((supervisor) => supervisor.stop()));
  }
}

/** What a user sees of an upstream server. */
export type ServerStateName = 'starting' | 'connected' | 'needs-sign-in' | 'error' | 'disabled' | 'stopped';

export interface ServerState {
  name: string;
  state: ServerStateName;
  /** Why it is in error or needs sign-in; safe to show (no secret values). */
  reason?: string;
  transport: 'stdio' | 'streamable-http' | 'sse' | undefined;
  /** Tool names the server offered on its last listing. */
  tools: string[];
  /** For stdio servers, the command exactly as configured (with references unresolved). */
  command?: string;
  url?: string;
  since: string;
  restarts: number;
}

/**
 * The one contract between the UI and whatever hosts it. The desktop app implements it in its
 * preload bridge (`window.airlock`, backed by IPC); the headless `/ui/` pages implement it over
 * the admin API (`/api/`, with the UI session cookie). The renderer never imports `src/` or Node,
 * so the view types are declared here, mirroring the admin API's JSON.
 */
export type ServerStateName = 'starting' | 'connected' | 'needs-sign-in' | 'error' | 'disabled' | 'stopped';

export interface ServerView {
  name: string;
  state: ServerStateName;
  reason?: string;
  transport?: 'stdio' | 'streamable-http' | 'sse';
  tools: string[];
  /** stdio servers: the command exactly as configured (references unresolved). */
  command?: string;
  url?: string;
}

export interface StatusView {
  version: string;
  port: number;
  mcpUrl: string;
  vaultBackend: string;
  configError: string | null;
  sessions: number;
  servers: ServerView[];
  /** Set when the vault cannot be trusted as secure (Linux basic_text): what the user should do. */
  vaultWarning?: string | null;
  paused?: boolean;
}

export interface ClientView {
  name: string;
  kind: 'key' | 'oauth' | 'local';
  servers: '*' | string[];
  createdAt: string;
  /** OAuth clients: the redirect URI they registered (untrusted). */
  redirectUris?: string[];
  /** OAuth clients: their client_id (names are self-declared and need not be unique). */
  id?: string;
}

export interface SnippetView {
  target: 'claude' | 'cursor' | 'vscode' | 'windsurf';
  label: string;
  file: string;
  config: Record<string, unknown>;
  note?: string;
}

export interface NewClientView {
  name: string;
  /** Shown once, never again. */
  key: string;
  servers: '*' | string[];
  mcpUrl: string;
  snippets: SnippetView[];
}

export interface SecretView {
  name: string;
  updatedAt: string;
}

export type ConsentWarningCode =
  'punycode' | 'mixed-script' | 'host-mismatch' | 'not-https' | 'ip-address' | 'credentials-in-url';

export interface ConsentView {
  id: string;
  kind: 'upstream-signin' | 'provider-signin' | 'url-elicitation' | 'form-elicitation' | 'client-signin';
  server: string;
  clientName?: string;
  /** The server's message: untrusted text, always rendered as text. */
  message: string;
  url?: string;
  host?: string;
  inspection?: {
    url: string;
    protocol: string;
    host: string;
    asciiHost: string;
    hostStart: number;
    hostEnd: number;
    warnings: { code: ConsentWarningCode; message: string }[];
  };
  createdAt: string;
  expiresAt: string;
  needsDone?: boolean;
  choices?: { servers?: string[] };
  formSchema?: unknown;
}

export interface ConsentDecisionInput {
  action: 'approve' | 'deny' | 'done';
  servers?: string[];
  content?: Record<string, unknown>;
}

export interface ActivityEntry {
  time: string;
  type: string;
  server?: string;
  tool?: string;
  client?: string;
  outcome?: string;
  durationMs?: number;
  [key: string]: unknown;
}

export type AddServerInput =
  | { name: string; url: string; headers?: Record<string, string> }
  | { name: string; command: string; args: string[]; env?: Record<string, string> };

export type AirlockEvent =
  { type: 'servers' } | { type: 'consents' } | { type: 'activity' } | { type: 'clients' } | { type: 'secrets' };

export interface AirlockApi {
  status(): Promise<StatusView>;
  servers(): Promise<ServerView[]>;
  addServer(input: AddServerInput): Promise<void>;
  removeServer(name: string): Promise<void>;
  restartServer(name: string): Promise<void>;
  /** Starts sign-in for a server that needs it (raises a consent). */
  signIn(name: string): Promise<void>;
  /** Forgets the server's stored tokens. */
  signOut(name: string): Promise<void>;
  clients(): Promise<ClientView[]>;
  addClient(input: { name: string; servers?: string[] }): Promise<NewClientView>;
  revokeClient(name: string): Promise<void>;
  /** Revokes an OAuth client's registration and grants by client_id (optional: added for the dashboard). */
  revokeOAuthClient?(clientId: string): Promise<void>;
  /** Names only: values never reach the UI. */
  secrets(): Promise<SecretView[]>;
  setSecret(name: string, value: string): Promise<void>;
  removeSecret(name: string): Promise<void>;
  consents(): Promise<ConsentView[]>;
  answerConsent(id: string, decision: ConsentDecisionInput): Promise<void>;
  activity(limit?: number): Promise<ActivityEntry[]>;
  /** Called when something changed; the UI re-fetches what it shows. */
  subscribe(listener: (event: AirlockEvent) => void): () => void;
}

/**
 * In a native consent window the host tells the page which request it shows, and the answer goes
 * back through the host (which checks the window was focused and shown).
 */
export interface ConsentWindowApi {
  request(): Promise<ConsentView | undefined>;
  answer(decision: ConsentDecisionInput): Promise<void>;
}

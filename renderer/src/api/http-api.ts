import type {
  ActivityEntry,
  AddServerInput,
  AirlockApi,
  AirlockEvent,
  ClientView,
  ConsentDecisionInput,
  ConsentView,
  ConsentWindowApi,
  NewClientView,
  SecretView,
  ServerView,
  StatusView,
} from './airlock-api.ts';

/** A refused or failed admin API call, with the server's user-facing description. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** `GET /api/oauth-clients`, as far as the dashboard reads it. */
interface OAuthClientSummary {
  clientId: string;
  name: string;
  servers: string[];
  redirectUris: string[];
  registeredAt?: string;
  lastSignIn?: string;
}

const EVENT_TYPES: AirlockEvent['type'][] = ['servers', 'consents', 'activity', 'clients', 'secrets'];

function isEvent(value: unknown): value is AirlockEvent {
  return (
    typeof value === 'object' &&
    value !== null &&
    EVENT_TYPES.includes((value as { type?: unknown }).type as AirlockEvent['type'])
  );
}

const segment = (value: string) => encodeURIComponent(value);

/**
 * The headless `/ui/` side of the contract: the admin API on the same origin, authorized by the
 * UI session cookie (HttpOnly, so this code never sees it). Writes carry `X-Airlock-UI: 1`, which
 * the gateway requires with the cookie so no other page can forge them.
 */
export class HttpAirlockApi implements AirlockApi {
  readonly #base: string;

  constructor(base = '/api') {
    this.#base = base;
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: {
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-airlock-ui': '1' }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json ?? {}) as { error?: unknown; error_description?: unknown };
      const code = typeof error.error === 'string' ? error.error : `http_${response.status}`;
      const message =
        typeof error.error_description === 'string'
          ? error.error_description
          : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, code, message);
    }
    return json as T;
  }

  status = () => this.#call<StatusView>('GET', '/status');
  servers = () => this.#call<ServerView[]>('GET', '/servers');
  addServer = async (input: AddServerInput) => {
    await this.#call('POST', '/servers', input);
  };
  removeServer = async (name: string) => {
    await this.#call('DELETE', `/servers/${segment(name)}`);
  };
  restartServer = async (name: string) => {
    await this.#call('POST', `/servers/${segment(name)}/restart`);
  };
  signIn = async (name: string) => {
    await this.#call('POST', `/servers/${segment(name)}/signin`);
  };
  signOut = async (name: string) => {
    await this.#call('POST', `/servers/${segment(name)}/logout`);
  };
  /** Key clients and OAuth clients in one list (the OAuth list is absent on a gateway without it). */
  clients = async (): Promise<ClientView[]> => {
    const [keys, oauth] = await Promise.all([
      this.#call<ClientView[]>('GET', '/clients'),
      this.#call<OAuthClientSummary[]>('GET', '/oauth-clients').catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 404) return [];
        throw error;
      }),
    ]);
    return [
      ...keys,
      ...oauth.map((client) => ({
        id: client.clientId,
        name: client.name,
        kind: 'oauth' as const,
        servers: client.servers,
        createdAt: client.lastSignIn ?? client.registeredAt ?? '',
        redirectUris: client.redirectUris,
      })),
    ];
  };
  revokeOAuthClient = async (clientId: string) => {
    await this.#call('DELETE', `/oauth-clients/${segment(clientId)}`);
  };
  addClient = (input: { name: string; servers?: string[] }) => this.#call<NewClientView>('POST', '/clients', input);
  revokeClient = async (name: string) => {
    await this.#call('DELETE', `/clients/${segment(name)}`);
  };
  secrets = () => this.#call<SecretView[]>('GET', '/secrets');
  setSecret = async (name: string, value: string) => {
    await this.#call('PUT', `/secrets/${segment(name)}`, { value });
  };
  removeSecret = async (name: string) => {
    await this.#call('DELETE', `/secrets/${segment(name)}`);
  };
  consents = () => this.#call<ConsentView[]>('GET', '/consents');
  consent = (id: string) => this.#call<ConsentView>('GET', `/consents/${segment(id)}`);
  answerConsent = async (id: string, decision: ConsentDecisionInput) => {
    await this.#call('POST', `/consents/${segment(id)}`, decision);
  };
  activity = (limit = 500) => this.#call<ActivityEntry[]>('GET', `/activity?limit=${Math.floor(limit)}`);

  /** Server-sent events from `GET /api/events`; after a reconnect, everything is re-fetched. */
  subscribe(listener: (event: AirlockEvent) => void): () => void {
    const source = new EventSource(`${this.#base}/events`, { withCredentials: true });
    let opened = false;
    source.onopen = () => {
      if (opened) for (const type of EVENT_TYPES) listener({ type } as AirlockEvent);
      opened = true;
    };
    source.onmessage = (message: MessageEvent<string>) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      if (isEvent(parsed)) listener({ type: parsed.type } as AirlockEvent);
    };
    return () => source.close();
  }
}

/** A headless consent page (`consent.html?id=...`) answering one request over the admin API. */
export function httpConsentWindowApi(api: HttpAirlockApi, id: string): ConsentWindowApi {
  return {
    request: async () => {
      try {
        return await api.consent(id);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return undefined;
        throw error;
      }
    },
    answer: (decision) => api.answerConsent(id, decision),
  };
}

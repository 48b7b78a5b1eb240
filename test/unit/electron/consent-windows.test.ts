import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsentBroker } from '../../../src/consent/consent-broker.ts';
import type { ConsentRequest } from '../../../src/consent/consent-request.ts';
import { ConsentWindows, MAX_CONSENT_WINDOWS, type ConsentWindowHandle } from '../../../electron/consent-windows.ts';
import { appUrl, CONSENT_PAGE, DASHBOARD_PAGE } from '../../../electron/app-protocol.ts';
import type { IpcSenderEvent } from '../../../electron/ipc/sender-guard.ts';

class FakeWindow implements ConsentWindowHandle {
  static nextId = 100;
  readonly webContentsId = FakeWindow.nextId++;
  readonly request: ConsentRequest;
  visible = false;
  destroyed = false;
  readonly #show: (() => void)[] = [];
  readonly #focus: (() => void)[] = [];
  readonly #closed: (() => void)[] = [];
  readonly mainFrame = { url: appUrl(CONSENT_PAGE), parent: null };

  constructor(request: ConsentRequest) {
    this.request = request;
  }
  show(): void {
    this.visible = true;
    this.#show.forEach((fn) => fn());
  }
  focus(): void {
    this.#focus.forEach((fn) => fn());
  }
  close(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.#closed.forEach((fn) => fn());
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  onShow(listener: () => void): void {
    this.#show.push(listener);
  }
  onFocus(listener: () => void): void {
    this.#focus.push(listener);
  }
  onClosed(listener: () => void): void {
    this.#closed.push(listener);
  }
  /** An IPC event as Electron builds it for this window's top frame. */
  event(frame: { url: string; parent: unknown } | null = this.mainFrame): IpcSenderEvent {
    return { sender: { id: this.webContentsId, mainFrame: this.mainFrame }, senderFrame: frame };
  }
}

function setup() {
  const opened: string[] = [];
  const broker = new ConsentBroker({ urlOpener: { open: async (url) => void opened.push(url) } });
  const windows: FakeWindow[] = [];
  let now = 1_000_000;
  const manager = new ConsentWindows({
    broker,
    createWindow: (request) => {
      const window = new FakeWindow(request);
      windows.push(window);
      return window;
    },
    now: () => now,
  });
  broker.subscribe(manager.presenter);
  const raise = (url = 'https://auth.example.com/authorize?state=s3cret') =>
    broker.request({ kind: 'upstream-signin', server: 'github', message: 'Sign in to GitHub', url });
  return { broker, manager, windows, opened, raise, advance: (ms: number) => (now += ms) };
}

test('a request opens a window whose page gets exactly that request', () => {
  const { manager, windows, raise, broker } = setup();
  const { request } = raise();
  assert.equal(windows.length, 1);
  const view = manager.handleRequest(windows[0]!.event(), []);
  assert.equal(view?.id, request.id);
  assert.equal(view?.url, 'https://auth.example.com/authorize?state=s3cret');
  assert.equal(view?.inspection?.asciiHost, 'auth.example.com');
  broker.close();
});

test('Open after the window was shown and focused long enough approves and opens the URL', async () => {
  const { manager, windows, raise, opened, advance } = setup();
  const { outcome } = raise();
  const window = windows[0]!;
  window.show();
  window.focus();
  advance(600);
  await manager.handleAnswer(window.event(), [{ action: 'approve' }]);
  assert.deepEqual(await outcome, { action: 'approve', by: 'desktop' });
  assert.deepEqual(opened, ['https://auth.example.com/authorize?state=s3cret']);
  assert.equal(window.destroyed, true, 'the window closes once the request is answered');
});

test('Open is refused on a window never shown or focused, or clicked too soon after it popped up', async () => {
  const { manager, windows, raise, opened, advance, broker } = setup();
  raise();
  const window = windows[0]!;
  await assert.rejects(manager.handleAnswer(window.event(), [{ action: 'approve' }]), { message: /not showing/ });
  window.show();
  await assert.rejects(manager.handleAnswer(window.event(), [{ action: 'approve' }]), {
    message: /Click the consent window/,
  });
  window.focus();
  advance(100);
  await assert.rejects(manager.handleAnswer(window.event(), [{ action: 'approve' }]), { message: /too quick/ });
  advance(450);
  window.focus(); // regaining focus (popping to the front again) restarts the wait
  await assert.rejects(manager.handleAnswer(window.event(), [{ action: 'approve' }]), { message: /too quick/ });
  assert.deepEqual(opened, []);
  assert.equal(broker.pending().length, 1);
  broker.close();
});

test('Decline is never slower than Open: it is accepted at once', async () => {
  const { manager, windows, raise, opened } = setup();
  const { outcome } = raise();
  await manager.handleAnswer(windows[0]!.event(), [{ action: 'deny' }]);
  assert.equal((await outcome).action, 'deny');
  assert.deepEqual(opened, []);
});

test('answers from anything but the window showing that request are refused', async () => {
  const { manager, windows, raise, broker, advance } = setup();
  raise();
  raise();
  const [first, second] = windows as [FakeWindow, FakeWindow];
  for (const window of windows) {
    window.show();
    window.focus();
  }
  advance(1000);
  const attempts: [string, IpcSenderEvent][] = [
    ['no frame (navigated away)', first.event(null)],
    ['a subframe', first.event({ url: appUrl(CONSENT_PAGE), parent: first.mainFrame })],
    [
      'another page',
      { sender: { id: first.webContentsId }, senderFrame: { url: appUrl(DASHBOARD_PAGE), parent: null } },
    ],
    [
      'another origin',
      { sender: { id: first.webContentsId }, senderFrame: { url: 'https://evil.example/consent.html', parent: null } },
    ],
    ['an unknown window', { sender: { id: 9999 }, senderFrame: { url: appUrl(CONSENT_PAGE), parent: null } }],
    [
      'a frame that is not its main frame',
      { sender: { id: first.webContentsId, mainFrame: {} }, senderFrame: { url: appUrl(CONSENT_PAGE), parent: null } },
    ],
  ];
  for (const [why, event] of attempts) {
    await assert.rejects(manager.handleAnswer(event, [{ action: 'approve' }]), { message: /may not answer/ }, why);
    assert.throws(() => manager.handleRequest(event, []), { message: /may not answer/ }, why);
  }
  // A window answers its own request only: the second window's answer never touches the first.
  await manager.handleAnswer(second.event(), [{ action: 'deny' }]);
  assert.equal(broker.pending().length, 1);
  assert.equal(broker.pending()[0]!.id, first.request.id);
  broker.close();
});

test('malformed answers are refused before reaching the broker, and cannot carry a URL', async () => {
  const { manager, windows, raise, broker, advance } = setup();
  raise();
  const window = windows[0]!;
  window.show();
  window.focus();
  advance(1000);
  const bad: unknown[][] = [
    [],
    ['approve'],
    [null],
    [{ action: 'yes' }],
    [{ action: 'approve', url: 'https://evil.example' }],
    [{ action: 'approve', servers: 'all' }],
    [{ action: 'approve' }, 'extra'],
  ];
  for (const args of bad) {
    await assert.rejects(manager.handleAnswer(window.event(), args), /: Invalid /, JSON.stringify(args));
  }
  assert.throws(() => manager.handleRequest(window.event(), ['x']), /Invalid arguments/);
  assert.equal(broker.pending().length, 1);
  broker.close();
});

test('the window closes when the request is answered elsewhere or expires', async () => {
  const { windows, raise, broker } = setup();
  const { request } = raise();
  await broker.answerAndWait(request.id, { action: 'deny' }, 'cli');
  assert.equal(windows[0]!.destroyed, true);
  const short = broker.request({
    kind: 'url-elicitation',
    server: 's',
    message: 'm',
    url: 'https://a.example/',
    timeoutMs: 20,
  });
  assert.equal(windows.length, 2);
  // The broker's expiry timer is unref'd: keep the loop alive while it runs out.
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal((await short.outcome).action, 'cancel');
  assert.equal(windows[1]!.destroyed, true);
});

test('closing the window is a decline', async () => {
  const { windows, raise } = setup();
  const { outcome } = raise();
  windows[0]!.close();
  assert.deepEqual(await outcome, { action: 'deny', by: 'desktop' });
});

test('a flood of requests opens a bounded number of windows; the rest follow as windows close', async () => {
  const { windows, raise, broker } = setup();
  for (let i = 0; i < MAX_CONSENT_WINDOWS + 2; i++) raise();
  assert.equal(windows.length, MAX_CONSENT_WINDOWS);
  windows[0]!.close();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(windows.length, MAX_CONSENT_WINDOWS + 1);
  assert.equal(windows.filter((window) => !window.destroyed).length, MAX_CONSENT_WINDOWS);
  broker.close();
  assert.equal(windows.filter((window) => !window.destroyed).length, 0);
});

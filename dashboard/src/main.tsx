/**
 * The IXS dashboard: live queues, agents and the event log, and one interaction's properties and history with an
 * editor that checks the version (If-Match). Everything comes from the HTTP door with the user's bearer token; the
 * page updates from the event stream, never by reloading, and asks only for pages and counts (no full lists).
 */
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

type Json = Record<string, unknown>;

/** A value as text: strings and numbers as they are, anything else as JSON, nothing as ''. */
function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

const TOKEN_KEY = 'ixs-token';

function initialToken(): string {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    localStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', location.pathname);
    return fromHash;
  }
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

/** A request to the HTTP door with the token. */
async function api(token: string, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(path, { ...init, headers });
}

interface LogEvent {
  id: number;
  name: string;
  data: Json;
}

/** Follows the event stream (fetch, so that the token goes in a header), resuming after the last event seen. */
function useEventStream(token: string, onEvent: (e: LogEvent) => void): boolean {
  const [live, setLive] = useState(false);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    if (!token) return;
    let stopped = false;
    let last: number | undefined;
    const abort = new AbortController();
    const run = async (): Promise<void> => {
      while (!stopped) {
        try {
          const headers: Record<string, string> = {};
          if (last !== undefined) headers['last-event-id'] = String(last);
          const res = await api(token, '/api/events/stream', { headers, signal: abort.signal });
          if (!res.ok || !res.body) throw new Error(`stream: ${String(res.status)}`);
          setLive(true);
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += value;
            for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
              const frame = buf.slice(0, i);
              buf = buf.slice(i + 2);
              const f: Record<string, string> = {};
              for (const line of frame.split('\n')) {
                if (line.startsWith(':')) continue;
                const k = line.indexOf(':');
                f[line.slice(0, k)] = line.slice(k + 1).trimStart();
              }
              if (f.id === undefined) continue;
              last = Number(f.id);
              handler.current({ id: last, name: f.event ?? '', data: JSON.parse(f.data ?? '{}') as Json });
            }
          }
        } catch {
          // reconnect below
        }
        setLive(false);
        if (!stopped) await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1000));
      }
    };
    void run();
    return () => {
      stopped = true;
      abort.abort();
    };
  }, [token]);
  return live;
}

/** An age in seconds as the largest two units ("3m 12s"); blank when nothing waits. */
function age(seconds: unknown): string {
  if (typeof seconds !== 'number') return '';
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let rest = seconds;
  for (const [u, n] of units) {
    if (parts.length === 2) break;
    const k = Math.floor(rest / n);
    if (k > 0 || (u === 's' && parts.length === 0)) parts.push(`${String(k)}${u}`);
    rest -= k * n;
  }
  return parts.join(' ');
}

function Queues({ token, tick, onOpen }: { token: string; tick: number; onOpen: (queue: string) => void }) {
  const [items, setItems] = useState<Json[]>([]);
  useEffect(() => {
    void api(token, '/api/queues')
      .then((r) => r.json() as Promise<{ items: Json[] }>)
      .then((b) => {
        setItems(b.items);
      });
  }, [token, tick]);
  return (
    <section data-testid="queues">
      <h2>Queues</h2>
      <table>
        <thead>
          <tr>
            <th>Queue</th>
            <th>Routing</th>
            <th>Waiting</th>
            <th>Oldest</th>
            <th>Views</th>
          </tr>
        </thead>
        <tbody>
          {items.map((q) => (
            <tr key={text(q.name)} data-queue={text(q.name)}>
              <td>
                <a
                  data-testid="open-queue"
                  onClick={() => {
                    onOpen(text(q.name));
                  }}
                >
                  {text(q.name)}
                </a>
              </td>
              <td>{text(q.routing)}</td>
              <td data-testid="waiting">{text(q.waiting)}</td>
              <td data-testid="oldest" title={q.oldestSince === null ? '' : text(q.oldestSince)}>
                {age(q.oldestAgeSeconds)}
              </td>
              <td>{(q.views as Json[]).map((v) => `${text(v.name)}: ${text(v.size)}`).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Agents({ token, tick }: { token: string; tick: number }) {
  const [items, setItems] = useState<Json[]>([]);
  useEffect(() => {
    void api(token, '/api/agents')
      .then((r) => r.json() as Promise<{ items: Json[] }>)
      .then((b) => {
        setItems(b.items);
      });
  }, [token, tick]);
  return (
    <section data-testid="agents">
      <h2>Agents</h2>
      {items.length === 0 ? <p>No agent is logged in.</p> : null}
      <table>
        <tbody>
          {items.map((a) => (
            <tr key={text(a.agentId)}>
              <td>{text(a.agentId)}</td>
              <td>{text(a.placeId)}</td>
              <td>{a.dnd === true ? 'DND' : ''}</td>
              <td>
                {Object.entries(a.media as Record<string, Json>)
                  .map(
                    ([m, s]) => `${m} ${s.ready === true ? 'ready' : 'not ready'} ${text(s.load)}/${text(s.capacity)}`,
                  )
                  .join(' · ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A page of this many interactions at a time: the server pages (a cursor), the page never lists a whole queue. */
const PAGE = 20;

/**
 * The interactions of one queue, a page at a time through the search (`Queue = '...'`, oldest submitted first):
 * state, media, handlers, version and subject; a page follows the events like the rest and keeps its start.
 */
function QueueInteractions({
  token,
  queue,
  tick,
  onOpen,
}: {
  token: string;
  queue: string;
  tick: number;
  onOpen: (id: string) => void;
}) {
  /** The cursors of the pages before the one shown ('' for the first): Back pops one. */
  const [starts, setStarts] = useState<string[]>(['']);
  const [page, setPage] = useState<{ items: Json[]; nextCursor: string | null }>({ items: [], nextCursor: null });
  const start = starts[starts.length - 1] ?? '';
  useEffect(() => {
    setStarts(['']);
  }, [queue]);
  useEffect(() => {
    const q = new URLSearchParams({ condition: `Queue = '${queue.replace(/'/g, "''")}'`, limit: String(PAGE) });
    if (start) q.set('cursor', start);
    void api(token, `/api/interactions?${q.toString()}`)
      .then((r) => r.json() as Promise<{ items: Json[]; nextCursor: string | null }>)
      .then((b) => {
        setPage({ items: b.items, nextCursor: b.nextCursor });
      });
  }, [token, queue, start, tick]);
  return (
    <section class="wide" data-testid="queue-interactions">
      <h2>
        Queue {queue}: page {starts.length}
      </h2>
      <table>
        <thead>
          <tr>
            <th>Interaction</th>
            <th>State</th>
            <th>Media</th>
            <th>Handled by</th>
            <th>Version</th>
            <th>Subject</th>
          </tr>
        </thead>
        <tbody>
          {page.items.map((ix) => (
            <tr key={text(ix.interactionId)} data-interaction={text(ix.interactionId)}>
              <td>
                <a
                  onClick={() => {
                    onOpen(text(ix.interactionId));
                  }}
                >
                  {text(ix.interactionId)}
                </a>
              </td>
              <td>{text(ix.interactionState)}</td>
              <td>{text(ix.interactionMediatype)}</td>
              <td>{((ix.handledBy ?? []) as string[]).join(', ')}</td>
              <td data-testid="row-version">{text(ix.version)}</td>
              <td>{text(((ix.interactionUserData ?? {}) as Json).Subject)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.items.length === 0 ? <p>Nothing in this queue.</p> : null}
      <button
        data-testid="page-back"
        disabled={starts.length === 1}
        onClick={() => {
          setStarts((s) => s.slice(0, -1));
        }}
      >
        Back
      </button>
      <button
        data-testid="page-next"
        disabled={page.nextCursor === null}
        onClick={() => {
          const next = page.nextCursor;
          if (next !== null) setStarts((s) => [...s, next]);
        }}
      >
        Next
      </button>
    </section>
  );
}

function Interaction({ token, id, tick }: { token: string; id: string; tick: number }) {
  const [props, setProps] = useState<Json | undefined>();
  const [version, setVersion] = useState<number | undefined>();
  const [history, setHistory] = useState<Json[]>([]);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const r = await api(token, `/api/interactions/${encodeURIComponent(id)}`);
    if (r.ok) {
      setProps((await r.json()) as Json);
      setVersion(Number((r.headers.get('etag') ?? '"0"').replace(/"/g, '')));
    } else setProps(undefined);
    const h = await api(token, `/api/interactions/${encodeURIComponent(id)}/history`);
    setHistory(h.ok ? ((await h.json()) as { items: Json[] }).items : []);
  }, [token, id]);
  useEffect(() => {
    void load();
  }, [load, tick]);
  const save = async (ev: Event): Promise<void> => {
    ev.preventDefault();
    const userData = (props?.interactionUserData ?? {}) as Json;
    const change = key in userData ? { changedProperties: { [key]: value } } : { addedProperties: { [key]: value } };
    const r = await api(token, `/api/interactions/${encodeURIComponent(id)}/properties`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'if-match': `"${String(version)}"` },
      body: JSON.stringify(change),
    });
    if (r.status === 412)
      setMessage({
        ok: false,
        text: `Someone else changed this interaction first (you edited version ${String(version)}). Your change was not saved: check the current properties and try again.`,
      });
    else if (!r.ok) setMessage({ ok: false, text: ((await r.json()) as { detail: string }).detail });
    else setMessage({ ok: true, text: `Saved: version ${String(((await r.json()) as { version: number }).version)}.` });
    await load();
  };
  return (
    <section class="wide" data-testid="interaction">
      <h2>
        Interaction {id} {version !== undefined ? <span data-testid="version">version {version}</span> : null}
      </h2>
      {props === undefined ? <p>Not live (stopped, or no such interaction); its history is below.</p> : null}
      {props !== undefined ? (
        <table data-testid="properties">
          <tbody>
            <tr>
              <th>State</th>
              <td>{text(props.interactionState)}</td>
              <th>Queue</th>
              <td>{text(props.interactionQueue)}</td>
            </tr>
            {Object.entries((props.interactionUserData ?? {}) as Json).map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td colSpan={3} data-prop={k}>
                  {text(v)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {props !== undefined ? (
        <form onSubmit={(e) => void save(e)}>
          <input
            data-testid="key"
            placeholder="property"
            value={key}
            onInput={(e) => {
              setKey(e.currentTarget.value);
            }}
          />
          <input
            data-testid="value"
            placeholder="value"
            value={value}
            onInput={(e) => {
              setValue(e.currentTarget.value);
            }}
          />
          <button data-testid="save" type="submit">
            Save
          </button>
        </form>
      ) : null}
      {message ? (
        <p data-testid="message" class={message.ok ? 'ok' : 'error'}>
          {message.text}
        </p>
      ) : null}
      <h2>History</h2>
      <table data-testid="history">
        <thead>
          <tr>
            <th>Version</th>
            <th>Time</th>
            <th>Actor</th>
            <th>Added</th>
            <th>Changed</th>
            <th>Deleted</th>
          </tr>
        </thead>
        <tbody>
          {history.map((h) => {
            const actor = h.actor as Json;
            return (
              <tr key={text(h.version)}>
                <td>{text(h.version)}</td>
                <td>{text(h.time)}</td>
                <td>
                  {text(actor.actorAgentId ?? actor.actorMediaServerId ?? actor.actorRouterId ?? actor.actorType)}
                </td>
                <td>{JSON.stringify(h.addedProperties)}</td>
                <td>{JSON.stringify(h.changedProperties)}</td>
                <td>{JSON.stringify(h.deletedProperties)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function App() {
  const [token, setToken] = useState(initialToken);
  const [draft, setDraft] = useState('');
  const [events, setEvents] = useState<LogEvent[]>([]);
  const [tick, setTick] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  const [queue, setQueue] = useState<string | undefined>();
  const pending = useRef<number | undefined>(undefined);
  const live = useEventStream(token, (e) => {
    setEvents((list) => [e, ...list].slice(0, 200));
    // Counts and the open interaction follow the events (at most a few refreshes a second).
    if (pending.current === undefined)
      pending.current = window.setTimeout(() => {
        pending.current = undefined;
        setTick((t) => t + 1);
      }, 200);
  });
  if (!token)
    return (
      <form
        style={{ padding: '24px' }}
        onSubmit={(e) => {
          e.preventDefault();
          localStorage.setItem(TOKEN_KEY, draft);
          setToken(draft);
        }}
      >
        <p>Paste an HTTP token (the server's data dir holds a generated one in admin-token):</p>
        <input
          data-testid="token"
          size={48}
          value={draft}
          onInput={(e) => {
            setDraft(e.currentTarget.value);
          }}
        />
        <button type="submit">Open</button>
      </form>
    );
  return (
    <>
      <header>
        <h1>IXS</h1>
        <span data-testid="live">{live ? 'live' : 'connecting…'}</span>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const id = new FormData(e.currentTarget).get('id');
            if (typeof id === 'string' && id) setSelected(id);
          }}
        >
          <input name="id" placeholder="interaction id" />
        </form>
      </header>
      <main>
        <Queues token={token} tick={tick} onOpen={setQueue} />
        <Agents token={token} tick={tick} />
        {queue ? <QueueInteractions token={token} queue={queue} tick={tick} onOpen={setSelected} /> : null}
        {selected ? <Interaction token={token} id={selected} tick={tick} /> : null}
        <section class="wide log" data-testid="events">
          <h2>Events</h2>
          <table>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} data-seq={e.id}>
                  <td>{e.id}</td>
                  <td>{text(e.data.eventTime)}</td>
                  <td data-testid="event-name">{e.name}</td>
                  <td>
                    {typeof e.data.interactionId === 'string' ? (
                      <a
                        data-testid="open"
                        onClick={() => {
                          setSelected(e.data.interactionId as string);
                        }}
                      >
                        {e.data.interactionId}
                      </a>
                    ) : null}
                  </td>
                  <td>{text(e.data.interactionQueue)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) render(<App />, root);

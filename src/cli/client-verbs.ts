/** Client verbs of `ixs`: submit, props, watch, send. They speak JSON over WebSocket to a running server. */
import type { Command } from 'commander';
import { JsonClient, type Json } from '@ixs/client';

const DEFAULT_URL = 'ws://127.0.0.1:7121/';

function parseJson(text: string, what: string): Json {
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Json;
  } catch (e) {
    throw new Error(`${what} must be a JSON object: ${(e as Error).message}`, { cause: e });
  }
}

async function withClient(
  url: string,
  type: string,
  name: string,
  ext: Json | undefined,
  fn: (c: JsonClient) => Promise<boolean>,
): Promise<void> {
  const c = await JsonClient.connect(url);
  await c.register(type, name, ext ? { extension: ext } : {});
  const ok = await fn(c);
  c.close();
  process.exitCode = ok ? 0 : 1;
}

function print(m: unknown): void {
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

/** Adds the client verbs to the program. */
export function registerClientVerbs(program: Command): void {
  program
    .command('submit')
    .description('submit an interaction as a media server; prints the EventAck (with interactionId) or EventError')
    .option('--url <url>', 'server WebSocket URL', DEFAULT_URL)
    .option('--name <app>', 'media server application name', 'EmailServer')
    .option('--tenant <id>', 'tenant id', '1')
    .option('--media <type>', 'media type', 'email')
    .option('--type <t>', 'interaction type', 'Inbound')
    .option('--subtype <s>', 'interaction subtype', 'InboundNew')
    .requiredOption('--queue <q>', 'queue to submit into')
    .option('--id <interactionId>', 'interaction id (generated when absent)')
    .option('--data <json>', 'user data as a JSON object', '{}')
    .action(
      async (o: {
        url: string;
        name: string;
        tenant: string;
        media: string;
        type: string;
        subtype: string;
        queue: string;
        id?: string;
        data: string;
      }) => {
        await withClient(o.url, 'MediaServer', o.name, undefined, async (c) => {
          const r = await c.request({
            message: 'RequestSubmit',
            tenantId: Number(o.tenant),
            mediaType: o.media,
            interactionType: o.type,
            interactionSubtype: o.subtype,
            queue: o.queue,
            ...(o.id ? { interactionId: o.id } : {}),
            userData: parseJson(o.data, '--data'),
          });
          print(r);
          return r.message === 'EventAck';
        });
      },
    );

  const props = program.command('props').description('read or change interaction properties');
  props
    .command('get <interactionId>')
    .description('print EventInteractionProperties')
    .option('--url <url>', 'server WebSocket URL', DEFAULT_URL)
    .option('--name <app>', 'application name to register as', 'StatServer')
    .option('--client-type <t>', 'client type of that application', 'ReportingEngine')
    .action(async (id: string, o: { url: string; name: string; clientType: string }) => {
      await withClient(o.url, o.clientType, o.name, undefined, async (c) => {
        const r = await c.request({ message: 'RequestGetInteractionProperties', interactionId: id });
        print(r);
        return r.message === 'EventInteractionProperties';
      });
    });
  props
    .command('set <interactionId>')
    .description('RequestChangeProperties as a media server (the one that submitted it)')
    .option('--url <url>', 'server WebSocket URL', DEFAULT_URL)
    .option('--name <app>', 'media server application name', 'EmailServer')
    .option('--add <json>', 'AddedProperties as a JSON object')
    .option('--change <json>', 'ChangedProperties as a JSON object')
    .option('--delete <keys>', 'comma-separated keys to delete')
    .option('--expected-version <n>', 'refuse unless the interaction is at this version')
    .action(
      async (
        id: string,
        o: { url: string; name: string; add?: string; change?: string; delete?: string; expectedVersion?: string },
      ) => {
        await withClient(o.url, 'MediaServer', o.name, undefined, async (c) => {
          const r = await c.request({
            message: 'RequestChangeProperties',
            interactionId: id,
            ...(o.add ? { addedProperties: parseJson(o.add, '--add') } : {}),
            ...(o.change ? { changedProperties: parseJson(o.change, '--change') } : {}),
            ...(o.delete
              ? { deletedProperties: Object.fromEntries(o.delete.split(',').map((k) => [k.trim(), ''])) }
              : {}),
            ...(o.expectedVersion ? { expectedVersion: Number(o.expectedVersion) } : {}),
          });
          print(r);
          return r.message === 'EventAck';
        });
      },
    );

  program
    .command('watch')
    .description('register as a reporting engine and print every event as it comes, one JSON object a line')
    .option('--url <url>', 'server WebSocket URL', DEFAULT_URL)
    .option('--name <app>', 'reporting engine application name', 'StatServer')
    .option('--count <n>', 'exit after this many events')
    .action(async (o: { url: string; name: string; count?: string }) => {
      const c = await JsonClient.connect(o.url);
      await c.register('ReportingEngine', o.name);
      const max = o.count ? Number(o.count) : Infinity;
      for (let n = 0; n < max && !c.closed; n++) {
        try {
          print(await c.nextEvent(2 ** 31 - 1));
        } catch {
          break;
        }
      }
      c.close();
    });

  program
    .command('send <json>')
    .description('register as any application and send one request (JSON form); prints the reply')
    .option('--url <url>', 'server WebSocket URL', DEFAULT_URL)
    .requiredOption('--name <app>', 'application name')
    .requiredOption(
      '--client-type <t>',
      'client type (MediaServer, AgentApplication, RoutingEngine, ReportingEngine, Proxy)',
    )
    .action(async (json: string, o: { url: string; name: string; clientType: string }) => {
      await withClient(o.url, o.clientType, o.name, undefined, async (c) => {
        const r = await c.request(parseJson(json, 'the request'));
        print(r);
        return r.message !== 'EventError';
      });
    });
}

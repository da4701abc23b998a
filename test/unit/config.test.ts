/** Configuration validation: every error names the bad field. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.ts';
import { DEMO_CONFIG } from '../../src/config/demo.ts';

describe('configuration', () => {
  it('the built-in demo configuration is valid and applies the default limits', () => {
    const c = loadConfig();
    assert.equal(c.limits.maxFrameBytes, 1024 * 1024);
    assert.equal(c.limits.maxUserDataBytes, 64 * 1024);
  });

  const bad: [string, unknown, RegExp][] = [
    [
      'unknown application type',
      { ...DEMO_CONFIG, applications: [{ name: 'X', type: 'Robot' }] },
      /applications\.0\.type/,
    ],
    [
      'agent of an unknown tenant',
      { ...DEMO_CONFIG, agents: [{ id: 'a', tenant: 9 }] },
      /agents\.0\.tenant: unknown tenant 9/,
    ],
    [
      'unknown media in an agent',
      { ...DEMO_CONFIG, agents: [{ id: 'a', tenant: 1, media: { fax: 1 } }] },
      /agents\.0\.media\.fax: unknown media type 'fax'/,
    ],
    [
      'queue routing to an unknown agent',
      { ...DEMO_CONFIG, queues: [{ name: 'Q', tenant: 1, routing: { agents: ['ghost'] } }] },
      /queues\.0\.routing\.agents\.0: unknown agent 'ghost'/,
    ],
    [
      'duplicate application',
      {
        ...DEMO_CONFIG,
        applications: [
          { name: 'A', type: 'Proxy' },
          { name: 'A', type: 'Proxy' },
        ],
      },
      /applications\.1\.name: duplicate application 'A'/,
    ],
    [
      'an HTTP token shorter than 16 characters',
      { ...DEMO_CONFIG, http: { tokens: [{ name: 'w', token: 'short', access: 'read' }] } },
      /http\.tokens\.0\.token/,
    ],
    [
      'a write token without the application it acts as',
      { ...DEMO_CONFIG, http: { tokens: [{ name: 'w', token: 'x'.repeat(16), access: 'write' }] } },
      /http\.tokens\.0\.application: a write token needs the application/,
    ],
    [
      'an HTTP token acting as an unknown application',
      {
        ...DEMO_CONFIG,
        http: { tokens: [{ name: 'w', token: 'x'.repeat(16), access: 'write', application: 'Ghost' }] },
      },
      /http\.tokens\.0\.application: unknown application 'Ghost'/,
    ],
    [
      'the same HTTP token twice',
      {
        ...DEMO_CONFIG,
        http: {
          tokens: [
            { name: 'a', token: 'x'.repeat(16), access: 'read' },
            { name: 'b', token: 'x'.repeat(16), access: 'read', tenants: [7] },
          ],
        },
      },
      /http\.tokens\.1\.token: the same token is listed twice[\s\S]*http\.tokens\.1\.tenants\.0: unknown tenant 7/,
    ],
    [
      'a submission cap on an application that is not a routing engine',
      { ...DEMO_CONFIG, applications: [{ name: 'M', type: 'MediaServer', maxSubmissionRate: 5 }] },
      /applications\.0\.maxSubmissionRate: application 'M' is not a RoutingEngine/,
    ],
    [
      'a submission cap of 0',
      { ...DEMO_CONFIG, applications: [{ name: 'U', type: 'RoutingEngine', maxSubmittedInteractions: 0 }] },
      /applications\.0\.maxSubmittedInteractions/,
    ],
    [
      'maxSubmitted on a queue routing engines do not route',
      { ...DEMO_CONFIG, queues: [{ name: 'Q', tenant: 1, maxSubmitted: 3 }] },
      /queues\.0\.maxSubmitted: queue 'Q' is not routed by routing engines/,
    ],
    [
      'a strategy on a queue routing engines do not route',
      { ...DEMO_CONFIG, queues: [{ name: 'Q', tenant: 1, strategy: 'S' }] },
      /queues\.0\.strategy: queue 'Q' is not routed by routing engines/,
    ],
    ['unknown top-level section', { ...DEMO_CONFIG, colours: [] }, /colours/],
    ['missing tenants', { ...DEMO_CONFIG, tenants: undefined }, /tenants/],
  ];
  for (const [what, raw, re] of bad) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(
        () => parseConfig(raw, 'test.json'),
        (e: unknown) => e instanceof ConfigError && re.test(e.message) && e.message.includes('test.json'),
      );
    });
  }

  it('reads YAML files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-cfg-'));
    const f = join(dir, 'c.yaml');
    writeFileSync(
      f,
      'tenants: [{id: 1, name: T}]\nmediaTypes: [email]\ninteractionTypes: {Inbound: [InboundNew]}\napplications: [{name: M, type: MediaServer}]\n',
    );
    assert.equal(loadConfig(f).applications[0]?.name, 'M');
  });

  it('reports a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ixs-cfg-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, '{ nope');
    assert.throws(() => loadConfig(f), /is not valid JSON/);
  });

  it('the example in docs/configuration.md is valid', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const json = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(json, 'the doc has a JSON example');
    const c = parseConfig(JSON.parse(json), 'docs/configuration.md');
    assert.equal(c.settings.allowMultipleAgentConnections, 'true');
  });

  it('a skill expression, view condition or order that does not parse names the field and the position', () => {
    const bad = (queue: unknown, re: RegExp): void => {
      assert.throws(() => parseConfig({ ...DEMO_CONFIG, queues: [queue] }, 't'), re);
    };
    bad({ name: 'Q', tenant: 1, routing: { skill: 'english >=' } }, /queues\.0\.routing\.skill: .*position 11/);
    bad({ name: 'Q', tenant: 1, views: [{ name: 'v', condition: "a = 'x" }] }, /queues\.0\.views\.0\.condition: /);
    bad({ name: 'Q', tenant: 1, views: [{ name: 'v', order: 'Priority SIDEWAYS' }] }, /queues\.0\.views\.0\.order: /);
    bad(
      { name: 'Q', tenant: 1, routing: { agentGroups: ['Nope'] } },
      /queues\.0\.routing\.agentGroups\.0: unknown agent group 'Nope'/,
    );
  });
});

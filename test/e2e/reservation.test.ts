/**
 * Agent reservation over the binary T-Library dialect (issue #12, urs-routing §9.8 F): two routing engines ask for the
 * same agent within the collection window; the higher Priority gets EventAgentReserved (ReferenceID, ThisDN, AgentID,
 * Place), the other EventError TERR_AGENT_ALREADY_RESERVED (1700); an agent not logged in is TERR_TARG_NOT_AGENT
 * (182). The frames are decoded by our T-Library codec as the SDK would (ids 127 and 128).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REGISTER, TlibClient, untimed } from './tlib-client.ts';
import { cleanup, client, loginAgent, startServer, type JsonClient, type RunningServer } from './harness.ts';

let srv: RunningServer;
let desk: JsonClient;

before(async () => {
  srv = await startServer();
  desk = await client(srv, 'AgentApplication', 'Desktop');
  await loginAgent(desk, 'agent1', 'Place_1001');
});

after(async () => {
  desk.close();
  assert.equal(await srv.stop(), 0);
  cleanup(srv.dataDir);
});

async function engine(name: string): Promise<TlibClient> {
  const c = await TlibClient.open(srv.tcpPort);
  c.send('RequestRegisterClient', { ...REGISTER, ApplicationName: name });
  assert.equal((await c.next()).name, 'EventLinkConnected');
  return c;
}

describe('agent reservation (T-Library)', () => {
  it('the higher Priority wins the agent; the other gets 1700; an agent not logged in is 182', async () => {
    const urs = await engine('URS');
    const urs2 = await engine('URS2');
    urs.send('RequestReserveAgent', { ReferenceId: 21, ThisDN: 'Inbound', AgentID: 'agent1', Priority: 1 });
    urs2.send('RequestReserveAgent', { ReferenceId: 22, ThisDN: 'Inbound', AgentID: 'agent1', Priority: 5 });
    const won = await urs2.next();
    assert.equal(won.name, 'EventAgentReserved');
    assert.deepEqual(untimed(won), { ReferenceId: 22, ThisDN: 'Inbound', AgentID: 'agent1', Place: 'Place_1001' });
    const lost = untimed(await urs.next());
    assert.equal(lost.ErrorCode, 1700);
    assert.equal(lost.ReferenceId, 21);
    assert.match(String(lost.ErrorMessage), /higher priority/);
    const absent = untimed(await urs.reply('RequestReserveAgent', { ReferenceId: 23, AgentID: 'agent2' }));
    assert.equal(absent.ErrorCode, 182);
    assert.match(String(absent.ErrorMessage), /'agent2' is not logged in/);
    assert.deepEqual([urs.received, urs2.received], [[], []]);
    urs.close();
    urs2.close();
  });
});

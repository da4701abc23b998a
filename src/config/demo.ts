/** The built-in demo configuration used by `ixs serve` without --config (spec §4's example, a little larger). */
import type { ConfigInput } from './schema.ts';

export const DEMO_CONFIG: ConfigInput = {
  tenants: [{ id: 1, name: 'Resources' }],
  mediaTypes: ['email', 'chat', 'workitem'],
  interactionTypes: { Inbound: ['InboundNew', 'InboundReply'], Outbound: ['OutboundNew'] },
  applications: [
    { name: 'EmailServer', type: 'MediaServer' },
    { name: 'ChatServer', type: 'MediaServer' },
    { name: 'URS', type: 'RoutingEngine' },
    { name: 'StatServer', type: 'ReportingEngine' },
    { name: 'Desktop', type: 'AgentApplication' },
    { name: 'Proxy', type: 'Proxy' },
  ],
  places: [
    { id: 'Place_1001', tenant: 1 },
    { id: 'Place_1002', tenant: 1 },
  ],
  agents: [
    { id: 'agent1', tenant: 1, media: { email: 1, chat: 3 } },
    { id: 'agent2', tenant: 1, media: { email: 1, chat: 3 } },
  ],
  queues: [
    { name: 'Inbound', tenant: 1, routing: 'external' },
    { name: 'Sales', tenant: 1, routing: { agents: ['agent1'] } },
    { name: 'Email Out', tenant: 1 },
  ],
  workbins: [{ name: 'Drafts', type: 'agent', tenant: 1 }],
};

/**
 * The command table: every request the core handles, who may send it, whether an agent application must be logged in
 * first, and its handler. Dispatch applies those checks, so handlers start from a permitted request. Find the handler
 * of a message here by its name.
 */
import { ClientType, type ClientTypeName } from '../protocol/enums.ts';
import { ProtocolError } from '../protocol/errors.ts';
import type { Message, RequestName } from '../protocol/message.ts';
import {
  addMedia,
  agentLogin,
  agentLogout,
  changeAgentStateReason,
  changeMediaStateReason,
  removeMedia,
  setDnd,
  setReady,
} from './agents.ts';
import { notAllowed, type Ctx } from './context.ts';
import { accept, reject } from './delivery.ts';
import type { Session } from './model/session.ts';
import type { PlanBuilder } from './plan.ts';
import { changeProperties, deleteUserData, getProperties, updateUserData } from './properties.ts';
import { routeCall } from './routing-engine.ts';
import { hold, leaveInteraction, placeInQueueRequest, placeInWorkbinRequest } from './moving.ts';
import { findInteractions } from './find.ts';
import { pull } from './pull.ts';
import {
  agentWorkbinStats,
  getWorkbinContent,
  workbinNotifications,
  workbinStatistic,
  workbinTypesInfo,
} from './workbins.ts';
import {
  getSnapshotInteractions,
  lockInteraction,
  moveInteractions,
  releaseSnapshot,
  takeSnapshot,
  unlockInteraction,
} from './snapshots.ts';
import { stopProcessing } from './stop.ts';
import { cancelInvite, conference, intrude, transfer } from './transfer.ts';
import { submit } from './submit.ts';
import { distributeEvent, publish, subscribe, unsubscribe } from './pubsub.ts';
import { answer3rdServer, request3rdServer } from './esp.ts';
import { startAllReporting, startPlaceReporting, stopAllReporting, stopPlaceReporting } from './place-reporting.ts';

/** One entry of the table; its handler reads the attributes of request `N`, typed by the catalogue. */
export interface Command<N extends RequestName = RequestName> {
  /** Client types that may send it; undefined: any. */
  readonly clients?: readonly ClientTypeName[];
  /** An agent application must have logged an agent in first. */
  readonly login?: boolean;
  run(ctx: Ctx<N>): void;
}

const AGENT: readonly ClientTypeName[] = ['AgentApplication'];
/** Who may move an interaction it owns (a routing engine: one it holds, e.g. pulled). */
const MOVERS: readonly ClientTypeName[] = ['MediaServer', 'AgentApplication', 'RoutingEngine'];
/** Every client type but proxies (publish/subscribe). */
const NOT_PROXY = (Object.keys(ClientType) as ClientTypeName[]).filter((t) => t !== 'Proxy' && t !== 'Unknown');
const agentCommand = <N extends RequestName>(run: (ctx: Ctx<N>) => void): Command<N> => ({
  clients: AGENT,
  login: true,
  run,
});

/**
 * Request name -> command; the names are the catalogue's (a misspelt one does not compile) and each handler is typed
 * for the request it is listed under (a handler reading an attribute its request does not have does not compile).
 */
export const COMMANDS: { readonly [N in RequestName]?: Command<N> } = {
  // submit and properties (submit.ts, properties.ts)
  RequestSubmit: { clients: ['MediaServer', 'AgentApplication'], login: true, run: submit },
  RequestChangeProperties: { run: changeProperties },
  RequestGetInteractionProperties: { run: getProperties },
  RequestStopProcessing: { run: stopProcessing },
  // moving work (moving.ts)
  RequestPlaceInQueue: { clients: MOVERS, login: true, run: placeInQueueRequest },
  RequestPlaceInWorkbin: { clients: MOVERS, login: true, run: placeInWorkbinRequest },
  RequestLeaveInteraction: agentCommand(leaveInteraction),
  RequestHold: { clients: ['MediaServer', 'AgentApplication'], login: true, run: hold(true) },
  RequestResume: { clients: ['MediaServer', 'AgentApplication'], login: true, run: hold(false) },
  // workbins (workbins.ts)
  RequestGetWorkbinContent: agentCommand(getWorkbinContent),
  RequestWorkbinNotifications: agentCommand(workbinNotifications(true)),
  RequestCancelWorkbinNotifications: agentCommand(workbinNotifications(false)),
  RequestWorkbinTypesInfo: { clients: AGENT, run: workbinTypesInfo },
  RequestWorkbinStatistic: { clients: AGENT, run: workbinStatistic },
  RequestAgentWorkbinStats: agentCommand(agentWorkbinStats),
  // search (find.ts): any registered client, no login needed
  RequestFindInteractions: { run: findInteractions },
  // supervisor requests (snapshots.ts): any registered agent application, no login needed
  RequestTakeSnapshot: { clients: AGENT, run: takeSnapshot },
  RequestGetSnapshotInteractions: { clients: AGENT, run: getSnapshotInteractions },
  RequestLockInteraction: { clients: AGENT, run: lockInteraction },
  RequestUnlockInteraction: { clients: AGENT, run: unlockInteraction },
  RequestReleaseSnapshot: { clients: AGENT, run: releaseSnapshot },
  RequestMoveInteractions: { clients: AGENT, run: moveInteractions },
  // pull (pull.ts)
  RequestPull: { clients: ['AgentApplication', 'RoutingEngine'], login: true, run: pull },
  // transfer and conference (transfer.ts)
  RequestTransfer: agentCommand(transfer),
  RequestConference: agentCommand(conference),
  RequestCancelInvite: agentCommand(cancelInvite),
  RequestIntrude: agentCommand(intrude),
  // routing engines over the T-Library facade (routing-engine.ts, properties.ts)
  RequestRouteCall: { clients: ['RoutingEngine'], run: routeCall },
  RequestUpdateUserData: { clients: ['RoutingEngine'], run: updateUserData },
  RequestDeleteUserData: { clients: ['RoutingEngine'], run: deleteUserData },
  // publish/subscribe and custom reporting (pubsub.ts): every client type but proxies
  RequestSubscribe: { clients: NOT_PROXY, run: subscribe },
  RequestUnsubscribe: { clients: NOT_PROXY, run: unsubscribe },
  RequestPublish: { clients: NOT_PROXY, run: publish },
  RequestDistributeEvent: { run: distributeEvent },
  // external services (esp.ts): a request relayed to a third-party server, its answer relayed back
  Request3rdServer: { clients: NOT_PROXY, run: request3rdServer },
  Event3rdServerResponse: { clients: ['ThirdPartyServer'], run: answer3rdServer },
  Event3rdServerFault: { clients: ['ThirdPartyServer'], run: answer3rdServer },
  // place/agent state reporting registrations (place-reporting.ts): reporting engines only
  RequestStartPlaceAgentStateReporting: { clients: ['ReportingEngine'], run: startPlaceReporting },
  RequestStartPlaceAgentStateReportingAll: { clients: ['ReportingEngine'], run: startAllReporting },
  RequestStopPlaceAgentStateReporting: { clients: ['ReportingEngine'], run: stopPlaceReporting },
  RequestStopPlaceAgentStateReportingAll: { clients: ['ReportingEngine'], run: stopAllReporting },
  // agents (agents.ts) and delivery (delivery.ts)
  RequestAgentLogin: { clients: AGENT, run: agentLogin },
  RequestAgentLogout: agentCommand(agentLogout),
  RequestNotReadyForMedia: agentCommand(setReady(false)),
  RequestCancelNotReadyForMedia: agentCommand(setReady(true)),
  RequestDoNotDisturbOn: agentCommand(setDnd(true)),
  RequestDoNotDisturbOff: agentCommand(setDnd(false)),
  RequestAddMedia: agentCommand(addMedia),
  RequestRemoveMedia: agentCommand(removeMedia),
  RequestChangeMediaStateReason: agentCommand(changeMediaStateReason),
  RequestChangeAgentStateReason: agentCommand(changeAgentStateReason),
  RequestAccept: agentCommand(accept),
  RequestReject: agentCommand(reject),
};

/** The command of a request, after the table's checks (unsupported, wrong client type, not logged in). */
export function checkCommand(s: Session, m: Message, tx: PlanBuilder): Command {
  const command: Command | undefined = Object.hasOwn(COMMANDS, m.name) ? COMMANDS[m.name as RequestName] : undefined;
  if (!command) throw new ProtocolError('ErrorUnsupportedProtocolElement', `${m.name} is not supported by this server`);
  if (command.clients && !command.clients.includes(s.clientType)) throw notAllowed(m, s);
  if (command.login && s.clientType === 'AgentApplication' && (s.agentId === undefined || !tx.agent(s.agentId))) {
    throw new ProtocolError('Error_client_not_logged_in', `${m.name} needs RequestAgentLogin first`);
  }
  return command;
}

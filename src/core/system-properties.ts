/**
 * System properties (reference §5.2): maintained by the server and read-only for clients, except ExternalId and
 * ParentId (user data in IXS, not in this list) and IsOnline, which a media server may change (properties.ts).
 * Changing their value and adding a key with their name are both refused (error 66).
 */
export const SYSTEM_PROPERTIES: ReadonlySet<string> = new Set([
  'AbandonedAt',
  'AgentGroupId',
  'AgentId',
  'AssignedAt',
  'AssignedTo',
  'CompletedAt',
  'DeliveredAt',
  'FlexibleProperties',
  'HeldAt',
  'InQueues',
  'InteractionId',
  'InteractionState',
  'InteractionSubtype',
  'InteractionType',
  'IsHeld',
  'IsLocked',
  'IsOnline',
  'MediaType',
  'MovedToQueueAt',
  'OutQueues',
  'PlaceGroupId',
  'PlaceId',
  'PlacedInQueueAt',
  'Queue',
  'ReceivedAt',
  'ScheduledAt',
  'SubmittedAt',
  'SubmittedBy',
  'SubmittedToRouterAt',
  'TenantId',
  'WorkbinTypeId',
]);

/**
 * System properties (reference §5.2): maintained by the server and read-only for clients, except ExternalId and
 * ParentId. Changing their value and adding a key with their name are both refused (error 66).
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

/** The two system properties clients may change. */
export const WRITABLE_SYSTEM_PROPERTIES: ReadonlySet<string> = new Set(['ExternalId', 'ParentId']);

/**
 * The HTTP door's request and result bodies (docs/http.md), as zod schemas: the server validates with them
 * (src/http), the OpenAPI document is generated from them, and the client library's REST client is typed by them.
 */
import { z } from 'zod';

/** A KV list in its JSON form (an object; the catalogue's codec checks the values). */
const Kv = z.record(z.string(), z.unknown());
const Reason = {
  reason: z.number().int().optional(),
  reasonDescription: z.string().optional(),
  reasonSystemName: z.string().optional(),
};
const PropertyChanges = {
  addedProperties: Kv.optional(),
  changedProperties: Kv.optional(),
  deletedProperties: Kv.optional(),
};

/** Request bodies, by the name the OpenAPI document gives them. */
export const BODIES = {
  SubmitBody: z
    .object({
      tenantId: z.number().int(),
      queue: z.string().min(1),
      mediaType: z.string().min(1),
      interactionType: z.string().min(1),
      interactionSubtype: z.string().min(1),
      userData: Kv.optional(),
      interactionId: z.string().min(1).optional(),
      parentInteractionId: z.string().min(1).optional(),
      isOnline: z.boolean().optional(),
      hold: z.boolean().optional(),
    })
    .strict(),
  PropertiesBody: z.object(PropertyChanges).strict(),
  StopBody: z.object(Reason).strict(),
  PlaceInQueueBody: z
    .object({ queue: z.string().min(1), hold: z.boolean().optional(), ...PropertyChanges, ...Reason })
    .strict(),
  PlaceInWorkbinBody: z
    .object({
      workbinTypeId: z.string().min(1),
      agentId: z.string().min(1).optional(),
      placeId: z.string().min(1).optional(),
      agentGroupId: z.string().min(1).optional(),
      placeGroupId: z.string().min(1).optional(),
      hold: z.boolean().optional(),
      ...PropertyChanges,
      ...Reason,
    })
    .strict(),
} as const;

/** What each write answers (also in the OpenAPI document). */
export const RESULTS = {
  WriteResult: z.object({ interactionId: z.string(), version: z.number().int() }),
  StopResult: z.object({ interactionId: z.string(), stopped: z.literal(true) }),
} as const;

/** A request body's type. */
export type Body<K extends keyof typeof BODIES> = z.infer<(typeof BODIES)[K]>;
/** A result's type. */
export type Result<K extends keyof typeof RESULTS> = z.infer<(typeof RESULTS)[K]>;

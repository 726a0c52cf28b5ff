import { Type, type StaticDecode } from '@sinclair/typebox'
import { Duration, Strict } from '../types.js'

/**
 * High availability: several instances on one Elasticsearch store share the clusters (each polled by one
 * instance at a time) and the channels (each drained by one). See src/ha/ and README "High availability".
 */
export const HaConfig = Strict(
  {
    enabled: Type.Boolean({ default: false }),
    /** Unique per instance; defaults to <hostname>:<server.port>. */
    instanceId: Type.Optional(
      Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$', errorMessage: 'must be 1-128 letters, digits, "_", ".", ":" or "-"' }),
    ),
    /** How often an instance renews its membership and its leases. */
    heartbeat: Duration({ default: '3s' }),
    /** A member or lease not renewed for this long is dead; its clusters and channels move to others. */
    leaseTtl: Duration({ default: '15s' }),
  },
  { default: {} },
)
export type HaConfig = StaticDecode<typeof HaConfig>

/**
 * What the API calls: validates an action request against the fleet and the configuration, then starts
 * it as an Operation. Problems are answered at once: 404 unknown cluster or job; 409 when a well-formed request
 * cannot be carried out in the job's current state (stop or savepoint of a job that is not RUNNING, a restart
 * flinkwatch has no resubmit recipe for, a cluster without lifecycle actions). Not 400: the request itself is
 * valid by the API's schema, and the same request succeeds once the state changes (the job runs again, a policy
 * is configured). Everything that needs the cluster happens inside the operation.
 */
import type { AutoRestartConfig } from '../config/sections/auto-restart.js'
import { ConflictError, NotFoundError } from '../core/errors.js'
import type { FleetView } from '../fleet/fleet-view.js'
import type { Operation, OperationAction } from '../model/operation.js'
import type { JobRef, LifecycleActions } from './actions.js'
import { PolicyMatcher } from './auto-restart-policy.js'
import type { OperationService } from './operations.js'

export interface ActionRequest {
  cluster: string
  jobId: string
  action: OperationAction
  drain?: boolean
  requestedBy: string
}

export class LifecycleService {
  private readonly matcher: PolicyMatcher

  constructor(private readonly o: { fleet: FleetView; operations: OperationService; actions(cluster: string): LifecycleActions | undefined; autoRestart: AutoRestartConfig }) {
    this.matcher = new PolicyMatcher(o.autoRestart)
  }

  get operations(): OperationService {
    return this.o.operations
  }

  async request(r: ActionRequest): Promise<Operation> {
    const cluster = this.o.fleet.cluster(r.cluster)
    if (!cluster) throw new NotFoundError(`no cluster ${r.cluster}`)
    const snap = this.o.fleet.job(r.cluster, r.jobId)
    if (!snap) throw new NotFoundError(`no job ${r.jobId} on cluster ${r.cluster}`)
    const actions = this.o.actions(r.cluster)
    if (!actions) throw new ConflictError(`cluster ${r.cluster} (${cluster.type}) has no lifecycle actions`)
    const job: JobRef = { cluster: r.cluster, jobId: r.jobId, jobName: snap.name, state: snap.state, ...(snap.platform ? { platform: snap.platform } : {}) }
    const drain = r.drain ?? false
    const policy = this.matcher.match(snap.name)
    if (r.action === 'restart' && actions.clusterType !== 'kubernetes' && !policy) {
      throw new ConflictError(`no autoRestart.jobs entry matches job name "${snap.name}": flinkwatch does not know how to resubmit it (configure jarId or jarPath, entryClass and args for it)`)
    }
    if (r.action === 'stop' || r.action === 'savepoint') {
      if (snap.state !== 'RUNNING') throw new ConflictError(`job ${snap.name} is ${snap.state}: ${r.action === 'stop' ? 'stop with savepoint' : 'a savepoint'} needs a RUNNING job`)
    }
    return this.o.operations.start({
      action: r.action,
      job,
      requestedBy: r.requestedBy,
      details: { ...(r.action === 'stop' ? { drain } : {}), ...(policy ? { policy: policy.policy.name } : {}) },
      run: async (ctx) => {
        switch (r.action) {
          case 'cancel':
            return { ...(await actions.cancel(job, ctx)) }
          case 'stop':
            return { ...(await actions.stop(job, { drain }, ctx)) }
          case 'savepoint':
            return { ...(await actions.savepoint(job, ctx)) }
          case 'restart':
            return { ...(await actions.restart(job, { policy: policy?.policy ?? null, allowFreshStart: policy?.policy.allowFreshStart ?? false }, ctx)) }
        }
      },
    })
  }
}

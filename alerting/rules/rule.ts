/**
 * One interface for every rule kind. A rule reads service events and answers with observations:
 * "this subject is (not) in the bad condition now". Pending (`for`), firing, resolving, matchers,
 * inhibition and silences are the engine's job, so a rule file holds only its condition.
 */
import type { TSchema } from '@sinclair/typebox'
import type { Severity } from '../../src/config/sections/alerting.js'
import type { ServiceEvent } from '../../src/model/events.js'

export type ParamValue = number | string | boolean

export interface Subject {
  cluster: string
  /** Null for cluster-level rules. */
  jobName: string | null
  jobId: string | null
}

export interface Observation {
  subject: Subject
  active: boolean
  /** One line: what is wrong, with the numbers ("lag 1.2M > 100k for 5m"). */
  summary?: string
  figures?: Record<string, number | string | null>
  /** When the condition was detected (event time); the engine's clock otherwise. */
  at?: number
}

/** A rule after defaults, overrides and validation. */
export interface RuleSpec<P extends Record<string, ParamValue> = Record<string, ParamValue>> {
  name: string
  kind: string
  severity: Severity
  forMs: number
  match: { cluster?: RegExp; job?: RegExp }
  params: P
  /** Template with {{cluster}} {{job}} {{jobId}} {{summary}} and {{figure}} placeholders. */
  annotation: string | null
}

export interface Rule {
  readonly spec: RuleSpec
  /** Subject level; cluster rules inhibit job rules of the same cluster. */
  readonly level: 'job' | 'cluster'
  onEvent(event: ServiceEvent, now: number): Observation[]
  /** Every evaluation interval: windows slide, instant alerts expire. */
  onTick?(now: number): Observation[]
}

/** What a rule file exports: its kind, parameter schema (with defaults) and factory. */
export interface RuleKind {
  kind: string
  level: 'job' | 'cluster'
  defaultSeverity: Severity
  params: TSchema
  create(spec: RuleSpec): Rule
}


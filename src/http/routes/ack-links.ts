/**
 * The one-click acknowledge link: GET shows a small confirmation page (a link preview or a
 * prefetching chat app must never acknowledge), its button POSTs to the same URL, which acknowledges.
 * No API token: the signed link authorises the request (alerting/oncall/ack-links.ts); forged,
 * expired or used links answer 403 to both. Plain HTML, no script, a CSP that forbids everything
 * but inline styles.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'
import type { AckService, LinkOutcome } from '../../../alerting/oncall/acks.js'
import type { AlertEvent } from '../../model/alert.js'

const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
// The signed token's alphabet (base64url and '.'); fastify caps a path parameter at 100 characters.
const Params = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' }) })
const Html = Type.String({ description: 'text/html page' })

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.4}button{font-size:1.1rem;padding:.6rem 1.4rem}input{font-size:1rem;width:100%;box-sizing:border-box;margin:.2rem 0 .8rem}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`
}

function describe(a: AlertEvent): string {
  const where = a.jobName ? `${a.cluster} / ${a.jobName}` : a.cluster
  const ack = a.acknowledgedBy ? `<p>Acknowledged by ${esc(a.acknowledgedBy)} at ${esc(new Date(a.acknowledgedAt ?? 0).toISOString())}.</p>` : ''
  return `<p><strong>${esc(a.severity.toUpperCase())} ${esc(a.rule)}</strong>: ${esc(where)}</p><p>${esc(a.summary)}</p><p>State: ${esc(a.state)}, since ${esc(new Date(a.startsAt).toISOString())}</p>${ack}`
}

function send(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-store').header('x-content-type-options', 'nosniff').send(html)
}

function refused(reply: FastifyReply, r: Extract<LinkOutcome, { ok: false }>): FastifyReply {
  return send(reply, r.status, page(r.status === 403 ? 'Link refused' : 'Cannot acknowledge', `<p>${esc(r.message)}.</p>`))
}

/** GET and POST /ack/:token (under /api/v1, public). */
export function ackLinkRoutes(acks: AckService): FastifyPluginAsync {
  return async (app) => {
    // The page's form posts application/x-www-form-urlencoded; only this plugin accepts it.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 8192 }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))))
    const schema = (summary: string) => ({
      tags: ['alerts'],
      summary,
      // Open: the signed link is the credential (a phone's chat app has no token).
      security: [],
      params: Params,
      // Pages are HTML; a token that cannot be one (schema) is the API's JSON 400.
      response: {
        200: { content: { 'text/html': { schema: Html } } },
        400: { content: { 'application/json': { schema: Type.Ref('Error') } } },
        403: { content: { 'text/html': { schema: Html } } },
        404: { content: { 'text/html': { schema: Html } } },
        409: { content: { 'text/html': { schema: Html } } },
      },
    })
    app.get('/ack/:token', { config: { public: true }, schema: schema('Acknowledge link: a confirmation page (no token needed; the link is signed)') }, async (req, reply) => {
      const r = await acks.viewLink((req.params as { token: string }).token)
      if (!r.ok) return refused(reply, r)
      const a = r.alert
      if (a.state !== 'firing') return send(reply, 200, page('Already resolved', describe(a)))
      if (a.acknowledgedBy) return send(reply, 200, page('Already acknowledged', describe(a)))
      const form = `<form method="post"><label>Your name (optional)<input name="name" maxlength="100" autocomplete="name"></label><label>Comment (optional)<input name="comment" maxlength="500"></label><button type="submit">Acknowledge</button></form>`
      return send(reply, 200, page('Acknowledge this incident?', `${describe(a)}${form}`))
    })
    app.post('/ack/:token', { config: { public: true }, schema: schema('Acknowledge link: acknowledges the incident (once)') }, async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>
      const text = (k: string, max: number): string | null => (typeof body[k] === 'string' && body[k].trim() !== '' ? body[k].trim().slice(0, max) : null)
      const r = await acks.acknowledgeByLink((req.params as { token: string }).token, text('name', 100), text('comment', 500))
      if (!r.ok) return refused(reply, r)
      return send(reply, 200, page('Acknowledged', `${describe(r.alert)}<p>Reminders and escalation for it have stopped.</p>`))
    })
  }
}

/**
 * WebSocket client for /api/v1/stream with reconnects. The token goes in `access_token` (browsers cannot
 * set headers on an upgrade): the only URL the console ever puts it in.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import { getToken, qs } from './api.js'

export interface StreamMessage {
  topic: string
  type: string
  data: unknown
}

export type StreamStatus = 'connecting' | 'live' | 'closed'

export function streamUrl(params: Record<string, string | undefined>): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}/api/v1/stream${qs({ ...params, access_token: getToken() ?? undefined })}`
}

/**
 * Keeps a socket open while `enabled` with these parameters (reopened when they change) and hands each
 * message to the latest `onMessage`. Reconnects after 1 s, 2 s, … up to 15 s.
 */
export function useStream(params: Record<string, string | undefined> | null, onMessage: (m: StreamMessage) => void): StreamStatus {
  const handler = useRef(onMessage)
  handler.current = onMessage
  const [status, setStatus] = useState<StreamStatus>('closed')
  const key = params ? JSON.stringify(params) : ''
  useEffect(() => {
    if (!params) {
      setStatus('closed')
      return
    }
    let ws: WebSocket | undefined
    let stopped = false
    let retry = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const open = () => {
      setStatus('connecting')
      ws = new WebSocket(streamUrl(params))
      ws.onmessage = (ev) => {
        if (typeof ev.data !== 'string') return
        let m: StreamMessage
        try {
          m = JSON.parse(ev.data) as StreamMessage
        } catch {
          return
        }
        if (m.topic === 'stream' && m.type === 'subscribed') {
          retry = 0
          setStatus('live')
        }
        handler.current(m)
      }
      ws.onclose = () => {
        setStatus('closed')
        if (stopped) return
        timer = setTimeout(open, Math.min(15_000, 1000 * 2 ** retry++))
      }
    }
    open()
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
      ws?.close()
    }
  }, [key])
  return status
}

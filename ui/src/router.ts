/**
 * History-API routing with every view's state in the URL (paths and query parameters of the console
 * contract): pages read `useRoute()` and change it with `navigate` / `setParams`, so any view can be
 * linked, reloaded and moved through with back/forward.
 */
import { h, type ComponentChildren } from 'preact'
import { store, useStore } from './store.js'

export interface Route {
  path: string
  params: URLSearchParams
}

function current(): Route {
  return { path: location.pathname, params: new URLSearchParams(location.search) }
}

const route = store<Route>(current())
addEventListener('popstate', () => (route.value = current()))

export function useRoute(): Route {
  return useStore(route)
}

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href)
  else history.pushState(null, '', href)
  route.value = current()
  if (!replace) scrollTo(0, 0)
}

/** Merges parameters into the current URL (empty values are removed); replaces the history entry by default. */
export function setParams(changes: Record<string, string | null | undefined>, replace = true): void {
  const p = new URLSearchParams(location.search)
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') p.delete(k)
    else p.set(k, v)
  }
  const s = p.toString()
  navigate(`${location.pathname}${s ? `?${s}` : ''}`, replace)
}

export function jobHref(cluster: string, jobId: string, params = ''): string {
  return `/jobs/${encodeURIComponent(cluster)}/${encodeURIComponent(jobId)}${params}`
}

export function Link(props: { href: string; class?: string; children: ComponentChildren; testid?: string; title?: string }) {
  return h(
    'a',
    {
      href: props.href,
      class: props.class,
      title: props.title,
      'data-testid': props.testid,
      onClick: (e: MouseEvent) => {
        if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(props.href)
      },
    },
    props.children,
  )
}

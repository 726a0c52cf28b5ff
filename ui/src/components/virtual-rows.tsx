/**
 * A virtualised list of fixed-height rows on TanStack's framework-free virtual-core: only the rows in
 * view (plus overscan) are in the DOM, so 10,000 jobs cost what 40 do.
 */
import type { ComponentChildren } from 'preact'
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks'
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core'

export function VirtualRows<T>(props: { items: readonly T[]; rowHeight: number; render: (item: T, index: number) => ComponentChildren; class?: string; testid?: string; header?: ComponentChildren }) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const [, rerender] = useReducer((n: number) => n + 1, 0)
  // Stable options: a new estimateSize function would make virtual-core re-measure every row on each render.
  const rowHeight = useRef(props.rowHeight)
  rowHeight.current = props.rowHeight
  const [estimateSize] = useState(() => () => rowHeight.current)
  const [v] = useState(
    () =>
      new Virtualizer<HTMLDivElement, Element>({
        count: props.items.length,
        getScrollElement: () => scrollRef.current,
        estimateSize,
        overscan: 12,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => rerender(0),
      }),
  )
  if (v.options.count !== props.items.length) v.setOptions({ ...v.options, count: props.items.length })
  useEffect(() => v._didMount(), [v])
  useLayoutEffect(() => v._willUpdate())
  const rows = v.getVirtualItems()
  // Keys by slot, not by index: a row scrolled out hands its DOM to the row scrolled in, so a scroll step
  // patches text instead of building and laying out new elements. The slots of a contiguous window are
  // distinct modulo any size at least as large as the window.
  const slots = useRef(1)
  slots.current = Math.max(slots.current, rows.length)
  return (
    <div class={`vscroll ${props.class ?? ''}`} ref={scrollRef} data-testid={props.testid} style={{ height: `min(calc(100vh - 290px), ${Math.max(props.items.length * props.rowHeight, 4 * props.rowHeight)}px)` }}>
      {props.header}
      <div class="vinner" style={{ height: `${v.getTotalSize()}px` }}>
        {rows.map((r) => {
          const item = props.items[r.index]
          if (item === undefined) return null
          return (
            <div key={r.index % slots.current} class="vrow" style={{ transform: `translateY(${r.start}px)`, height: `${props.rowHeight}px` }}>
              {props.render(item, r.index)}
            </div>
          )
        })}
      </div>
    </div>
  )
}

// A router of a few lines: the path is the state; links push history; a page change moves focus
// to the new page's heading, so that keyboard and screen-reader users land on it.
import type { AnchorHTMLAttributes, ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'

export function navigate(to: string): void {
  history.pushState(null, '', to)
  dispatchEvent(new PopStateEvent('popstate'))
}

/** The path without a trailing slash ('/user/login/' is '/user/login'). */
const normal = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p)

export function usePath(): string {
  const [path, setPath] = useState(normal(location.pathname))
  useEffect(() => {
    const update = () => setPath(normal(location.pathname))
    addEventListener('popstate', update)
    return () => removeEventListener('popstate', update)
  }, [])
  return path
}

export function Link(
  props: { href: string; children: ComponentChildren } & AnchorHTMLAttributes<HTMLAnchorElement>,
) {
  const { href, children, ...rest } = props
  return (
    <a
      {...rest}
      href={href}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(href)
      }}
    >
      {children}
    </a>
  )
}

/** `/admin/users/:id` against `/admin/users/42` → { id: '42' }; undefined when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const a = pattern.split('/')
  const b = path.split('/')
  if (a.length !== b.length) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < a.length; i++) {
    const p = a[i]!
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(b[i]!)
    else if (p !== b[i]) return undefined
  }
  return params
}

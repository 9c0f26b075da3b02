// The app's shell: the session (restored from its cookie), the navigation, the page for the path.
import './style.css'
import type { ComponentType } from 'preact'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { currentSession, onSessionChange, resumeSession, sessionKnown, signOut } from './api'
import { Landing, SignIn, SignUp } from './pages/auth'
import { MyBalance } from './pages/balance'
import { Catalogue } from './pages/catalogue'
import { MyPayments } from './pages/payments'
import { MyProfile } from './pages/profile'
import { MyRentals } from './pages/rentals'
import { STAFF_PAGES, StaffNav } from './pages/staff'
import { Link, match, navigate, usePath } from './router'
import { Page } from './ui'

interface Route {
  path: string
  page: ComponentType<{ id?: string }>
  who: 'anyone' | 'user' | 'staff'
}

// The old service's paths are this app's: `/`, `/home`, `/balance`, `/user/login/`, `/admin/`.
const ROUTES: Route[] = [
  { path: '/', page: Landing, who: 'anyone' },
  { path: '/user/login', page: SignIn, who: 'anyone' },
  { path: '/signup', page: SignUp, who: 'anyone' },
  { path: '/home', page: Catalogue, who: 'anyone' },
  { path: '/rentals', page: MyRentals, who: 'user' },
  { path: '/balance', page: MyBalance, who: 'user' },
  { path: '/payments', page: MyPayments, who: 'user' },
  { path: '/profile', page: MyProfile, who: 'user' },
  ...STAFF_PAGES.map((p) => ({ ...p, who: 'staff' as const })),
]

function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no such page. <Link href="/home">See the catalogue</Link>.
      </p>
    </Page>
  )
}

function Nav() {
  const session = currentSession()
  return (
    <nav aria-label="Main">
      <Link href="/home">Catalogue</Link>
      {!sessionKnown() ? null : session ? (
        <>
          <Link href="/rentals">My rentals</Link>
          <Link href="/balance">My balance</Link>
          <Link href="/payments">My payments</Link>
          <Link href="/profile">My profile</Link>
          {session.user.role === 'staff' && <Link href="/admin">Back office</Link>}
          <button type="button" class="link" onClick={() => signOut().then(() => navigate('/'))}>
            Sign out {session.user.username}
          </button>
        </>
      ) : (
        <>
          <Link href="/user/login">Sign in</Link>
          <Link href="/signup">Sign up</Link>
        </>
      )}
    </nav>
  )
}

function App() {
  const path = usePath()
  const [, rerender] = useState(0)
  useEffect(() => {
    const off = onSessionChange(() => rerender((n) => n + 1))
    void resumeSession()
    return off
  }, [])
  const session = currentSession()
  let body = <NotFound />
  for (const route of ROUTES) {
    const params = match(route.path, path)
    if (!params) continue
    // A page for anyone (the catalogue) reads its data while the session is being restored.
    if (route.who !== 'anyone' && !sessionKnown()) body = <p class="loading">Loading…</p>
    else if (route.who !== 'anyone' && !session) body = <SignIn />
    else if (route.who === 'staff' && session?.user.role !== 'staff') {
      body = (
        <Page title="Staff only">
          <p>This page is for the shop's staff.</p>
        </Page>
      )
    } else body = <route.page {...params} />
    break
  }
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <Link href="/" class="brand">
          Rent Books
        </Link>
        <Nav />
      </header>
      {path.startsWith('/admin') && session?.user.role === 'staff' && <StaffNav />}
      <main id="main">{body}</main>
    </>
  )
}

render(<App />, document.getElementById('app')!)

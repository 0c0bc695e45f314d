import { BUSINESS_BOARD_LABELS, DASHBOARD_LABELS, FRONTLINE_LABELS } from '@shoplet/shared'
import { describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { createConsoleRouter } from '@/router'
import { can, canRevealPii, landingPath, MENU, orderSearchPlaceholder, visibleMenu } from '@/lib/permissions'

// The backend's role -> permission map (console/auth.py); the console only mirrors what /auth/me says.
const OPERATOR = ['products:read', 'products:write', 'stock:adjust', 'orders:read', 'orders:ship', 'orders:export', 'aftersales:handle', 'dashboard:read', 'flashsale:manage', 'promotions:manage', 'loyalty:manage', 'membership:manage', 'reviews:manage', 'moderation:manage', 'analytics:view', 'analytics:manage', 'distribution:manage', 'experiments:manage', 'insights:alerts', 'replenishment:manage', 'stores:manage', 'pickups:verify', 'invoices:manage', 'content:manage', 'support:chat', 'live:manage', 'wecom:manage']
const OWNER = [...OPERATOR, 'staff:manage', 'audit:read', 'pii:reveal', 'openapi:manage', 'risk:manage']
const SUPPORT = ['products:read', 'orders:read', 'aftersales:handle', 'pickups:verify', 'support:chat']

describe('permissions', () => {
  it('checks a single permission', () => {
    expect(can(SUPPORT, 'products:read')).toBe(true)
    expect(can(SUPPORT, 'products:write')).toBe(false)
    expect(can([], null)).toBe(true)
  })

  it('shows each role only its menu entries', () => {
    expect(visibleMenu(OWNER).map((m) => m.title)).toEqual(MENU.map((m) => m.title))
    expect(visibleMenu(OPERATOR).map((m) => m.path)).toEqual(['/dashboard', '/products', '/search', '/search/analytics', '/orders', '/logistics/settings', '/logistics/carriers', '/invoices', '/aftersales', '/support', '/stores', '/pickups/verify', '/stores/appointments', '/stores/offline-codes', '/flash-sales', '/live', '/coupons', '/wecom', '/campaigns', '/promotions', '/group-buys', '/crowdfundings', '/bargains', '/distribution', '/kols', '/reviews', '/moderation', '/content/qa', '/content/posts', '/content/subscribe-messages', '/content/official-account', '/loyalty/settings', '/loyalty/mall', '/loyalty/achievements', '/content/mascot', '/members', '/members/merges', '/members/points', '/membership', '/membership/plans', '/analytics/rfm', '/analytics/funnels', '/analytics/events', '/analytics/retention', '/analytics/profiles', '/analytics/tags', '/analytics/segments', '/analytics/clusters', '/analytics/attribution', '/analytics/paths', '/analytics/realtime', '/analytics/replays', '/analytics/heatmap', '/analytics/forecast', '/analytics/replenishment', '/insights/dashboards/shop', '/insights/boards/management', '/insights/boards/operations', '/insights/boards/frontline', '/analytics/clearance', '/insights/ask', '/membership/costs', '/experiments', '/experiments/flags', '/experiments/calculator', '/alerts', '/account'])
    expect(visibleMenu(SUPPORT).map((m) => m.path)).toEqual(['/products', '/search', '/search/analytics', '/orders', '/aftersales', '/support', '/pickups/verify', '/stores/appointments', '/members', '/members/merges', '/insights/boards/frontline', '/insights/ask', '/account'])
    expect(visibleMenu([]).map((m) => m.path)).toEqual(['/members', '/members/merges', '/account'])
  })

  it('marks screens whose backend operation is missing from the schema', () => {
    for (const entry of visibleMenu(OWNER)) {
      expect(typeof entry.available).toBe('boolean')
    }
    expect(visibleMenu(OWNER).find((m) => m.path === '/staff')?.available).toBe(true)
  })

  it('lands on the first screen the role may use', () => {
    const owner = landingPath(OWNER)
    expect(visibleMenu(OWNER).find((m) => m.path === owner)?.available).toBe(true)
    expect(landingPath([])).toBe('/members')
  })

  it('offers full phone numbers only with pii:reveal (owners)', () => {
    expect(canRevealPii(OWNER)).toBe(true)
    expect(canRevealPii(OPERATOR)).toBe(false)
    expect(canRevealPii(SUPPORT)).toBe(false)
    expect(orderSearchPlaceholder(OWNER)).toContain('手机号')
    expect(orderSearchPlaceholder(SUPPORT)).toBe('订单号')
  })
})

describe('board names', () => {
  // One name per board in the menu, the route's title (browser tab, breadcrumb) and the page heading.
  const BOARDS: [string, string, string][] = [
    ['/insights/dashboards/shop', '销售看板', DASHBOARD_LABELS.title],
    ['/insights/boards/management', '经营看板', BUSINESS_BOARD_LABELS.management],
    ['/insights/boards/operations', '运营看板', BUSINESS_BOARD_LABELS.operations],
    ['/insights/boards/frontline', '一线看板', FRONTLINE_LABELS.title],
  ]

  it.each(BOARDS)('calls %s %s everywhere', (path, name, heading) => {
    expect(MENU.find((m) => m.path === path)?.title).toBe(name)
    expect(createConsoleRouter(createMemoryHistory()).resolve(path).meta.title).toBe(name)
    expect(heading).toBe(name)
  })

  it('gives no two menu entries one name', () => {
    const titles = MENU.map((m) => m.title)
    expect(new Set(titles).size).toBe(titles.length)
  })
})

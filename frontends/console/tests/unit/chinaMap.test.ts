import { describe, expect, it } from 'vitest'
import { chinaGeoJson, provinceRegionNames } from '@/lib/chinaMap'

describe('China map', () => {
  it('reads every province out of the package script', () => {
    const geo = chinaGeoJson()
    expect(geo.type).toBe('FeatureCollection')
    // 34 provincial-level divisions: 23 provinces, 5 autonomous regions, 4 municipalities, 2 SARs.
    expect(geo.features).toHaveLength(34)
    expect(geo.UTF8Encoding).toBe(true)
    for (const f of geo.features) expect(f.id).toMatch(/^\d{2}0000$/)
  })

  it('names regions by GB/T 2260 province code', () => {
    const names = provinceRegionNames()
    expect(names.get('11')).toBe('北京')
    expect(names.get('44')).toBe('广东')
    expect(names.get('65')).toBe('新疆')
    expect(names.get('71')).toBe('台湾')
    expect(names.get('81')).toBe('香港')
    expect(names.get('00')).toBeUndefined()
  })
})

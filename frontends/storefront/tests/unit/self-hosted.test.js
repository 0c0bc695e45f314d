// @vitest-environment node
// The H5 build names no third-party host: uni-app's CDN shadows and ad endpoints are rewritten
// (build/self-hosted.js), and the dist check (shared/scripts/check-dist-hosts.mjs) finds the rest.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { selfHost, selfHostViewer } from '../../build/self-hosted'
import { foreignHosts } from '../../../shared/scripts/check-dist-hosts.mjs'

describe('self-hosted H5 build', () => {
  it('draws the navigation bar shadows instead of loading them from cdn.dcloud.net.cn', () => {
    const css =
      ".uni-page-head-shadow-red::after { background-image: url('https://cdn.dcloud.net.cn/img/shadow-red.png'); }" +
      '@keyframes shadow-preload{0%{background-image:url(https://cdn.dcloud.net.cn/img/shadow-grey.png)}}'
    const out = selfHost(css)
    expect(out).not.toContain('dcloud')
    expect(out).toContain('linear-gradient(to bottom, rgba(221, 82, 77, 0.25), transparent)')
    expect(out).toContain('linear-gradient(to bottom, rgba(0, 0, 0, 0.12), transparent)')
  })

  it('points the unused uni-ad endpoints nowhere', () => {
    const js = '__publicField(_AdConfig, "URL", "https://hac1.dcloud.net.cn/ah5v2");x("https://has1.dcloud.net.cn/ahl")'
    expect(selfHost(js)).toBe('__publicField(_AdConfig, "URL", "data:,");x("data:,")')
    expect(selfHost('const a = 1')).toBeNull()
  })

  it('finds third-party hosts in a built folder, allowing only names that are never fetched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shoplet-dist-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<svg xmlns="http://www.w3.org/2000/svg"></svg>')
    writeFileSync(join(dir, 'assets', 'a.css'), 'body{background:url(https://cdn.example.com/x.png)}')
    writeFileSync(join(dir, 'assets', 'a.png'), 'https://ignored.example.com')
    const found = foreignHosts([dir])
    expect([...found.keys()]).toEqual(['cdn.example.com'])
    expect(foreignHosts([dir], new Set(['cdn.example.com'])).size).toBe(0)
  })
})

describe('the 3D viewer', () => {
  it("points model-viewer's decoder and loader defaults at the shop's own origin", () => {
    const code = [
      "const DEFAULT_DRACO_DECODER_LOCATION = 'https://www.gstatic.com/draco/versioned/decoders/1.5.6/';",
      "const DEFAULT_KTX2_TRANSCODER_LOCATION = 'https://www.gstatic.com/basis-universal/versioned/2021-04-15-ba1c3e4/';",
      "const DEFAULT_LOTTIE_LOADER_LOCATION = 'https://cdn.jsdelivr.net/npm/three@0.149.0/examples/jsm/loaders/LottieLoader.js';",
    ].join('\n')
    const out = selfHostViewer(code)
    expect(out).not.toMatch(/https?:\/\//)
    expect(out).toContain("DEFAULT_DRACO_DECODER_LOCATION = '/static/model-viewer/draco/'")
    expect(out).toContain("DEFAULT_LOTTIE_LOADER_LOCATION = '/static/model-viewer/LottieLoader.js'")
    expect(selfHostViewer('const x = 1')).toBeNull()
  })
})

(selector) => [...document.querySelectorAll(selector)].map((host) => {
  const img = host.querySelector('img') || host
  const src = img.getAttribute('src') || getComputedStyle(host.querySelector('div') || host).backgroundImage
  const m = src.match(/base64,([A-Za-z0-9+/=]+)/)
  if (!m) return null
  const svg = atob(m[1])
  return [...new Set((svg.match(/#[0-9a-fA-F]{3,6}\b/g) || []).map((c) => c.toLowerCase()))]
})

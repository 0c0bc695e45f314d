/** The words of a synonym group as typed: split on Chinese or ASCII commas, 、 and spaces; trimmed, de-duplicated, in order. */
export function splitWords(text: string): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const raw of text.split(/[，,、;；\s]+/)) {
    const word = raw.trim()
    if (word && !seen.has(word.toLowerCase())) {
      seen.add(word.toLowerCase())
      out.push(word)
    }
  }
  return out
}

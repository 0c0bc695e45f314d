import { describe, expect, it } from 'vitest'
import { ref } from 'vue'
import { fieldText, syncField } from '../../src/utils/field'

describe('syncField', () => {
  it('writes the text an input event carries into the model', () => {
    const model = ref('OLDCODE')
    syncField(model, { detail: { value: 'NEWCODE' } })
    expect(model.value).toBe('NEWCODE')
  })

  it('keeps the model when the event carries no text', () => {
    const model = ref('KEEP')
    syncField(model, undefined)
    syncField(model, { detail: {} })
    syncField(model, { detail: { value: 42 } })
    expect(model.value).toBe('KEEP')
    expect(fieldText({ detail: { value: '' } })).toBe('')
  })
})

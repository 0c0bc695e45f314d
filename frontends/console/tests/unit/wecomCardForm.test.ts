import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/client'
import WecomCardForm from '@/components/WecomCardForm.vue'
import { cardFromOut, emptyCard, pictureFileError, type CardForm } from '@/lib/wecom'

const upload = vi.fn()
vi.mock('@/api/console', () => ({ consoleApi: { uploadWecomPicture: (...args: unknown[]) => upload(...args) } }))

function form(card: CardForm) {
  const wrapper = mount(WecomCardForm, {
    attachTo: document.body,
    global: { plugins: [ElementPlus] },
    props: {
      modelValue: card,
      'onUpdate:modelValue': (value: CardForm) => wrapper.setProps({ modelValue: value }),
      idPrefix: 't',
    },
  })
  return wrapper
}

async function choose(w: ReturnType<typeof form>, file: File): Promise<void> {
  const input = w.get('[data-testid="t-card-file"]').element as HTMLInputElement
  Object.defineProperty(input, 'files', { value: [file], configurable: true })
  await w.get('[data-testid="t-card-file"]').trigger('change')
  await flushPromises()
}

describe('WecomCardForm', () => {
  // A braced body: `mockReset()` returns the mock, and a function returned by beforeEach is run
  // as its teardown, which would call the upload again with no progress callback.
  beforeEach(() => {
    upload.mockReset()
  })

  it('hides the card fields while the card is off', () => {
    const w = form(emptyCard())
    expect(w.find('[data-testid="t-card-title"]').exists()).toBe(false)
    expect(w.find('[data-testid="t-card-file"]').exists()).toBe(false)
  })

  it('uploads a picture with progress and previews it', async () => {
    let report: (fraction: number) => void = () => {}
    let finish: (picture: { id: number; url: string }) => void = () => {}
    upload.mockImplementation((_file: File, onProgress: (fraction: number) => void) => {
      report = onProgress
      return new Promise((resolve) => (finish = resolve))
    })
    const w = form({ ...emptyCard(), enabled: true, title: '上新' })
    expect(w.text()).toContain('请上传封面图')
    const input = w.get('[data-testid="t-card-file"]').element as HTMLInputElement
    expect(input.accept).toBe('image/jpeg,image/png')
    const file = new File([new Uint8Array(100)], 'card.png', { type: 'image/png' })
    await choose(w, file)
    expect(upload).toHaveBeenCalledWith(file, expect.any(Function))
    const progress = () => w.get('[data-testid="t-card-progress"]')
    expect(progress().attributes('aria-valuenow')).toBe('0')
    report(0.5)
    await flushPromises()
    expect(progress().attributes('aria-valuenow')).toBe('50')
    expect(progress().text()).toContain('50%')
    report(0.876)
    await flushPromises()
    expect(progress().text()).toContain('88%')
    expect(w.find('[data-testid="t-card-preview"]').exists()).toBe(false)
    finish({ id: 9, url: '/media/wecom/ab/card.png' })
    await flushPromises()
    const model = w.props('modelValue') as CardForm
    expect([model.pictureId, model.pictureUrl, model.title]).toEqual([9, '/media/wecom/ab/card.png', '上新'])
    expect(w.get('[data-testid="t-card-preview"]').attributes('src')).toBe('/media/wecom/ab/card.png')
    expect(w.find('[data-testid="t-card-progress"]').exists()).toBe(false)
    expect(w.text()).toContain('更换封面图')
  })

  it("shows the backend's refusal from the glossary and hides the progress bar", async () => {
    upload.mockImplementation((_file: File, onProgress: (fraction: number) => void) => {
      onProgress(0.3)
      return Promise.reject(new ApiError(400, { title: 'A card picture is 100 to 4096 pixels a side', code: 'wecom.picture_dimensions' }))
    })
    const w = form({ ...emptyCard(), enabled: true })
    await choose(w, new File([new Uint8Array(10)], 'a.png', { type: 'image/png' }))
    expect(w.get('[data-testid="t-card-error"]').text()).toBe('封面图每边须为 100–4096 像素，长宽比不超过 4:1')
    expect(w.find('[data-testid="t-card-progress"]').exists()).toBe(false)
    expect((w.props('modelValue') as CardForm).pictureId).toBeNull()
  })

  it('refuses a GIF or a file over 10 MB without uploading', async () => {
    const w = form({ ...emptyCard(), enabled: true })
    await choose(w, new File([new Uint8Array(10)], 'a.gif', { type: 'image/gif' }))
    expect(w.get('[data-testid="t-card-error"]').text()).toBe('封面图须为 JPG 或 PNG')
    expect(w.get('[data-testid="t-card-error"]').attributes('role')).toBe('alert')
    expect(upload).not.toHaveBeenCalled()
    expect(pictureFileError({ type: 'image/jpeg', size: 10 * 1024 * 1024 + 1 })).toBe('封面图不能超过 10 MB')
    expect((w.props('modelValue') as CardForm).pictureId).toBeNull()
  })

  it('reads a saved card, and a card saved with a typed media id has no picture', () => {
    expect(cardFromOut({ title: 't', page: 'pages/index/index', picture_id: 3, picture_url: '/media/x.png' })).toEqual({
      enabled: true,
      title: 't',
      page: 'pages/index/index',
      pictureId: 3,
      pictureUrl: '/media/x.png',
    })
    expect(cardFromOut({ title: 't', page: 'pages/index/index', picture_id: null, picture_url: null }).pictureId).toBeNull()
    expect(cardFromOut(null)).toEqual(emptyCard())
  })
})

import { mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import type { ImageSet } from '@/api/types'
import ImageListEditor from '@/components/ImageListEditor.vue'

const SET: ImageSet = {
  list: '/media/catalog/aa/list.webp',
  detail: '/media/catalog/bb/detail.webp',
  zoom: '/media/catalog/cc/zoom.webp',
  fallback: '/media/catalog/dd/a.jpg',
  width: 1500,
  height: 1500,
  color: '#c80000',
}

function editor(images: string[]) {
  const wrapper = mount(ImageListEditor, {
    attachTo: document.body,
    global: { plugins: [ElementPlus] },
    props: {
      modelValue: images,
      'onUpdate:modelValue': (value: string[]) => wrapper.setProps({ modelValue: value }),
      label: '商品图片',
      imageSets: { [SET.fallback]: SET },
      countLabel: '帧数',
    },
  })
  return wrapper
}

const current = (w: ReturnType<typeof editor>) => w.props('modelValue') as string[]

describe('ImageListEditor', () => {
  it('shows the list variant on its placeholder colour, and the count', () => {
    const w = editor([SET.fallback, '/media/products/old.jpg'])
    const imgs = w.findAll('img')
    expect(imgs[0]!.attributes('src')).toBe(SET.list)
    expect(imgs[0]!.attributes('style')).toContain('background-color')
    expect(imgs[1]!.attributes('src')).toBe('/media/products/old.jpg')
    expect(w.get('[data-testid=image-count]').text()).toContain('2 张')
    w.unmount()
  })

  it('reorders with the arrow keys, announces it and keeps the focus on the moved image', async () => {
    const w = editor(['/a.jpg', '/b.jpg', '/c.jpg'].map((p) => `/media/products${p}`))
    const items = () => w.findAll('[data-testid=image-item]')
    await items()[0]!.trigger('keydown', { key: 'ArrowRight' })
    await nextTick()
    expect(current(w)).toEqual(['/media/products/b.jpg', '/media/products/a.jpg', '/media/products/c.jpg'])
    expect(w.get('[data-testid=image-announcement]').text()).toBe('商品图片：已将第 1 张移到第 2 张，共 3 张')
    expect(document.activeElement).toBe(items()[1]!.element)

    await items()[2]!.trigger('keydown', { key: 'Home' })
    expect(current(w)).toEqual(['/media/products/c.jpg', '/media/products/b.jpg', '/media/products/a.jpg'])
    // Past the end: nothing moves.
    await items()[2]!.trigger('keydown', { key: 'ArrowDown' })
    expect(current(w)).toEqual(['/media/products/c.jpg', '/media/products/b.jpg', '/media/products/a.jpg'])
    w.unmount()
  })

  it('moves and removes with labelled buttons', async () => {
    const w = editor(['/media/products/a.jpg', '/media/products/b.jpg'])
    await w.get('[aria-label="下移商品图片第 1 张"]').trigger('click')
    expect(current(w)).toEqual(['/media/products/b.jpg', '/media/products/a.jpg'])
    expect(w.get('[aria-label="上移商品图片第 1 张"]').attributes('disabled')).toBeDefined()
    await w.get('[aria-label="删除商品图片第 2 张"]').trigger('click')
    expect(current(w)).toEqual(['/media/products/b.jpg'])
    expect(w.get('[data-testid=image-announcement]').text()).toBe('商品图片：已删除第 2 张，剩 1 张')
    w.unmount()
  })
})

// upload(): a file (a uni.chooseImage path) sent to an operation that declares "upload": "<field>".
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, configureClient, uniTransport, uniUploader, upload } from '../../src/api/client'

afterEach(() => configureClient({ baseUrl: undefined, transport: uniTransport, uploader: uniUploader }))

describe('upload', () => {
  it('sends the file in the declared field with the query, and answers the parsed body', async () => {
    /** @type {any[]} */
    const seen = []
    configureClient({
      baseUrl: 'https://shop.example',
      uploader: async (/** @type {any} */ req) => {
        seen.push(req)
        return { status: 200, data: { items: [{ id: 1 }], total: 1 } }
      },
    })
    const res = await upload('searchByImage', { filePath: 'blob:photo', query: { limit: 20 }, auth: false })
    expect(res).toEqual({ items: [{ id: 1 }], total: 1 })
    expect(seen[0]).toMatchObject({
      url: 'https://shop.example/api/v1/search/image?limit=20',
      filePath: 'blob:photo',
      name: 'file',
    })
    expect(seen[0].header.Authorization).toBeUndefined()
  })

  it('rejects with the problem, in Chinese from the glossary', async () => {
    configureClient({
      baseUrl: '',
      uploader: async () => ({ status: 400, data: { code: 'search.image_invalid', title: 'Send a PNG, JPEG or WebP photo' } }),
    })
    const error = await upload('searchByImage', { filePath: 'x', auth: false }).catch((e) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.code).toBe('search.image_invalid')
    expect(error.message).toBe('请上传 JPG、PNG 或 WebP 格式的照片')
  })

  it('refuses operations that take no file and undeclared query fields', async () => {
    await expect(upload('searchProducts', { filePath: 'x' })).rejects.toThrow('unknown upload operation')
    await expect(upload('searchByImage', { filePath: 'x', query: { q: 'a' } })).rejects.toThrow('not declared')
  })
})

import { ref } from 'vue'
import { consoleApi } from '@/api/console'
import { isAvailable, OPS } from '@/api/operations'
import type { ShippingCarrier } from '@/api/types'
import { errorMessage } from '@/lib/errors'

/**
 * The carriers a shipment may use, for the 发货 and 批量打印面单 dialogs: the shop's enabled
 * carriers in their 物流公司 order, as the server enforces them (SHOPLET_LOGISTICS_CARRIERS until
 * the first change on 物流公司, the table after). Nothing is hard-coded here: when the list cannot
 * be read, `error` says why and the server still refuses a carrier the shop has not enabled.
 */
export function useShippingCarriers() {
  const carriers = ref<ShippingCarrier[]>([])
  const error = ref('')
  const loaded = ref(false)

  async function load(): Promise<void> {
    error.value = ''
    if (!isAvailable(OPS.listShippingCarriers)) {
      loaded.value = true
      return
    }
    try {
      carriers.value = await consoleApi.listShippingCarriers()
      loaded.value = true
    } catch (e) {
      error.value = errorMessage(e)
    }
  }

  return { carriers, error, loaded, load }
}

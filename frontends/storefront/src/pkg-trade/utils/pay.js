// How the H5 shop completes a WeChat Pay H5 payment: a real deployment redirects to WeChat's
// h5_url; the embedded/test backend answers with its simulator, which the page drives itself.
export function h5PayMode(payResponse) {
  const url = payResponse && payResponse.h5_url
  if (url && !/^(https?:\/\/[^/]+)?\/_sim\//.test(url)) return 'redirect'
  if (payResponse && payResponse.prepay_id) return 'simulator'
  return 'unavailable'
}

/**
 * The parameters wx.requestPayment expects, from the backend's pay_params.
 * @param {Record<string, any>} payParams
 */
export function requestPaymentArgs(payParams) {
  const { timeStamp, nonceStr, signType, paySign } = payParams
  return { provider: /** @type {const} */ ('wxpay'), timeStamp: String(timeStamp), nonceStr, package: payParams.package, signType, paySign }
}

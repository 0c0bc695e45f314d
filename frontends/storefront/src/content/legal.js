// The privacy policy and user agreement a shop starts with. They are Shoplet's defaults, written
// for a typical small shop; the merchant replaces the shop name, contact and details with their
// own before opening (docs/storefront.md). Plain text, no markup, so both platforms render it.

export const SHOP_NAME = '本店'

/** What login asks the shopper to accept, and what they must tick before any sign-in. */
export const CONSENT = {
  prefix: '我已阅读并同意',
  terms: '《用户协议》',
  privacy: '《隐私政策》',
  and: '和',
  missing: '请先阅读并勾选同意《用户协议》和《隐私政策》',
}

/**
 * The message to show when sign-in is attempted without consent, or '' when it may go on.
 * @param {unknown} agreed the consent checkbox
 */
export function consentError(agreed) {
  return agreed === true ? '' : CONSENT.missing
}

/**
 * @typedef {{ heading: string, paragraphs: string[] }} LegalSection
 * @typedef {{ title: string, updated: string, intro: string, sections: LegalSection[] }} LegalDoc
 */

/** @type {Record<'terms' | 'privacy', LegalDoc>} */
export const LEGAL_DOCS = {
  terms: {
    title: '用户协议',
    updated: '2026年12月1日',
    intro: `欢迎使用${SHOP_NAME}商城。本协议是你与${SHOP_NAME}之间关于注册、登录和使用商城服务的约定。请在登录前仔细阅读；勾选同意并登录，即表示你接受本协议。`,
    sections: [
      {
        heading: '一、账号',
        paragraphs: [
          '你可以使用微信授权或手机号加短信验证码登录。同一手机号或微信账号对应一个会员账号。',
          '请妥善保管你的手机和验证码。以你的账号进行的操作视为你本人的操作；发现账号被他人使用时，请立即联系客服。',
        ],
      },
      {
        heading: '二、商品与订单',
        paragraphs: [
          '商品的价格、规格、库存以下单时页面显示为准。提交订单后请在页面提示的时间内付款，超时未付款的订单会自动取消，库存随之释放。',
          '秒杀、限量等活动商品数量有限，以系统实际成功下单为准；每人限购数量以活动页面说明为准。',
          '如因商品信息明显错误（例如标价错误）导致订单无法履行，我们会联系你并全额退款。',
        ],
      },
      {
        heading: '三、付款、发货与收货',
        paragraphs: [
          '付款通过微信支付完成，我们不会获取你的银行卡信息。',
          '付款后我们会尽快安排发货，你可以在订单详情中查看物流进度。收到商品后请及时确认收货；超过页面提示期限未确认的，系统将自动确认收货。',
        ],
      },
      {
        heading: '四、退款与售后',
        paragraphs: [
          '发货前可以申请仅退款；收到商品后，可以在售后期限内申请仅退款或退货退款。退货商品应保持完好，不影响二次销售（质量问题除外）。',
          '退款原路退回你的付款账户，到账时间以微信支付处理为准。',
        ],
      },
      {
        heading: '五、你的义务',
        paragraphs: [
          '请勿利用商城从事违法活动，勿使用程序批量下单、恶意占用库存或干扰商城正常运行。出现此类行为时，我们可以取消相关订单并限制账号使用。',
        ],
      },
      {
        heading: '六、协议变更与联系我们',
        paragraphs: [
          '本协议更新时，我们会在商城内公示，并在你下次登录时再次征得你的同意。',
          '对本协议或订单有任何疑问，请通过“我的”页面中的客服方式联系我们。',
        ],
      },
    ],
  },
  privacy: {
    title: '隐私政策',
    updated: '2026年12月1日',
    intro: `${SHOP_NAME}重视你的个人信息保护。本政策说明我们在你使用商城时收集哪些信息、为什么收集、如何保存和保护，以及你享有的权利。`,
    sections: [
      {
        heading: '一、我们收集的信息',
        paragraphs: [
          '登录：手机号（短信验证码登录时）或微信提供的账号标识（微信登录时）。',
          '下单与配送：收货人姓名、手机号、收货地址，以及订单、支付和售后记录。',
          '使用商城：搜索记录、收藏和购物车内容，以及保障安全所需的设备和网络信息。',
          '我们不会收集与购物无关的信息，也不会要求你提供身份证号码（法律法规另有要求的除外）。',
        ],
      },
      {
        heading: '二、我们如何使用',
        paragraphs: [
          '完成登录、下单、付款、发货、退款和售后；向你发送订单和物流通知；防范欺诈和恶意下单；改进商城的商品和服务。',
          '未经你的同意，我们不会将你的信息用于上述目的以外的用途。',
        ],
      },
      {
        heading: '三、共享与委托处理',
        paragraphs: [
          '为完成订单，我们仅向必要的合作方提供必要的信息：向快递公司提供收货信息，向微信支付提供订单金额和订单号。',
          '我们不会出售你的个人信息。',
        ],
      },
      {
        heading: '四、保存与保护',
        paragraphs: [
          '手机号和收货地址等个人信息加密保存，页面和日志中只显示部分内容（例如 138****0000）。',
          '我们只在实现上述目的所需的期限内保存你的信息，法律法规要求保存的除外；期限届满后删除或匿名化处理。',
        ],
      },
      {
        heading: '五、你的权利',
        paragraphs: [
          '你可以在“我的”页面查看和修改收货地址，清空搜索历史，删除收藏和购物车中的商品。',
          '你可以联系客服查询、更正或删除你的个人信息，或注销账号；我们会在十五个工作日内答复。',
        ],
      },
      {
        heading: '六、未成年人',
        paragraphs: ['未满十四周岁的未成年人，请在父母或其他监护人的同意和指导下使用商城。'],
      },
      {
        heading: '七、政策更新与联系我们',
        paragraphs: [
          '本政策更新时，我们会在商城内公示，重大变化会在你登录时再次征得你的同意。',
          '如对本政策有任何疑问，请通过“我的”页面中的客服方式联系我们。',
        ],
      },
    ],
  },
}

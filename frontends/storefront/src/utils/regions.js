// A compact administrative-division list (GB/T 2260 codes) for the address form: the largest
// cities first. The backend stores `region_code` (the district's 6-digit code) with the names.
export const REGIONS = [
  {
    name: '北京市', code: '110000',
    cities: [{ name: '北京市', code: '110100', districts: [
      ['东城区', '110101'], ['西城区', '110102'], ['朝阳区', '110105'], ['丰台区', '110106'],
      ['海淀区', '110108'], ['通州区', '110112'],
    ] }],
  },
  {
    name: '上海市', code: '310000',
    cities: [{ name: '上海市', code: '310100', districts: [
      ['黄浦区', '310101'], ['徐汇区', '310104'], ['长宁区', '310105'], ['静安区', '310106'],
      ['普陀区', '310107'], ['浦东新区', '310115'],
    ] }],
  },
  {
    name: '广东省', code: '440000',
    cities: [
      { name: '广州市', code: '440100', districts: [
        ['荔湾区', '440103'], ['越秀区', '440104'], ['海珠区', '440105'], ['天河区', '440106'],
        ['白云区', '440111'], ['番禺区', '440113'],
      ] },
      { name: '深圳市', code: '440300', districts: [
        ['罗湖区', '440303'], ['福田区', '440304'], ['南山区', '440305'], ['宝安区', '440306'],
        ['龙岗区', '440307'],
      ] },
    ],
  },
  {
    name: '浙江省', code: '330000',
    cities: [
      { name: '杭州市', code: '330100', districts: [
        ['上城区', '330102'], ['拱墅区', '330105'], ['西湖区', '330106'], ['滨江区', '330108'],
        ['余杭区', '330110'],
      ] },
      { name: '宁波市', code: '330200', districts: [['海曙区', '330203'], ['鄞州区', '330212']] },
    ],
  },
  {
    name: '江苏省', code: '320000',
    cities: [
      { name: '南京市', code: '320100', districts: [
        ['玄武区', '320102'], ['秦淮区', '320104'], ['建邺区', '320105'], ['鼓楼区', '320106'],
      ] },
      { name: '苏州市', code: '320500', districts: [['姑苏区', '320508'], ['吴中区', '320506']] },
    ],
  },
  {
    name: '四川省', code: '510000',
    cities: [{ name: '成都市', code: '510100', districts: [
      ['锦江区', '510104'], ['青羊区', '510105'], ['金牛区', '510106'], ['武侯区', '510107'],
      ['成华区', '510108'],
    ] }],
  },
  {
    name: '湖北省', code: '420000',
    cities: [{ name: '武汉市', code: '420100', districts: [
      ['江岸区', '420102'], ['武昌区', '420106'], ['洪山区', '420111'],
    ] }],
  },
]

/** The district entry for a region code, with its province and city names, or null. */
export function findRegion(code) {
  for (const p of REGIONS) {
    for (const c of p.cities) {
      for (const [name, dcode] of c.districts) {
        if (dcode === code) return { province: p.name, city: c.name, district: name, region_code: dcode }
      }
    }
  }
  return null
}

"""The demo catalog: 9 categories, 69 products with SKU matrices, stock and drawn images.

``seed_catalog`` seeds into a given session and media directory. Everything is deterministic (one
seeded random generator, content-hashed image names). Products go through the catalog's public
service, so the demo data obeys the same rules (SKU matrix, denormalised prices, stock ledger) as
a merchant's.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.db import utcnow
from shoplet.core.storage import LocalStorage
from shoplet.demo.art.base import COLOR_DIMENSIONS, color_of
from shoplet.demo.art.build import ArtJob, Pictures, build_pictures
from shoplet.demo.art.registry import ART, SPINS
from shoplet.demo.images import MEDIA_URL, RGB, MediaWriter, render_category_icon, store_image
from shoplet.demo.models3d import DEMO_MODELS, demo_glb
from shoplet.modules.catalog import public as catalog

SEED_ACTOR = "seed"
RANDOM_SEED = 20240618


@dataclass(frozen=True)
class DemoCategory:
    name: str
    label: str  # Latin label drawn when no CJK font is installed
    shape: str
    colors: tuple[RGB, RGB, RGB]  # gradient top, gradient bottom, accent
    children: tuple[str, ...]
    care: str  # the after-sales paragraph of every description in this category


@dataclass(frozen=True)
class DemoProduct:
    category: str  # child category name
    title: str
    subtitle: str
    short: str  # the key of its art (``shoplet.demo.art.registry.ART``)
    label: str  # a Latin name (logs, tools)
    price: int  # fen, cheapest SKU
    original_price: int  # fen, 0: same as price
    specs: str  # "颜色:黑色,白色|存储:256GB,512GB"
    step: int = 0  # fen added per value of the last spec dimension
    turntable: int = 0  # frames of the 360° spin (0: none; drawn for ``art.registry.SPINS``)


CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory(
        "手机",
        "PHONES",
        "phone",
        ((226, 236, 255), (186, 204, 246), (52, 84, 168)),
        ("智能手机", "游戏手机", "折叠屏"),
        "官方正品，全国联保一年；支持7天无理由退货、15天换货，顺丰包邮。",
    ),
    DemoCategory(
        "服饰",
        "APPAREL",
        "shirt",
        ((255, 238, 228), (246, 204, 186), (196, 96, 72)),
        ("男装", "女装", "运动服饰", "鞋靴"),
        "支持7天无理由退换，运费险护航；洗涤请参照吊牌说明。",
    ),
    DemoCategory(
        "美妆",
        "BEAUTY",
        "bottle",
        ((255, 232, 240), (244, 194, 214), (190, 72, 118)),
        ("护肤", "彩妆", "香水"),
        "品牌官方授权，假一赔十；开封后不支持无理由退货，过敏请停用。",
    ),
    DemoCategory(
        "食品",
        "FOOD",
        "food",
        ((255, 246, 220), (250, 222, 160), (214, 120, 40)),
        ("零食", "茶饮", "生鲜水果", "粮油"),
        "产地直发，坏果包赔；请置于阴凉干燥处保存，保质期见包装。",
    ),
    DemoCategory(
        "家居",
        "HOME",
        "pot",
        ((232, 246, 238), (192, 226, 206), (48, 128, 92)),
        ("厨具", "家纺", "收纳"),
        "支持7天无理由退货，大件商品送货上门；质保一年。",
    ),
    DemoCategory(
        "母婴",
        "BABY",
        "baby",
        ((236, 246, 255), (200, 226, 248), (70, 140, 200)),
        ("奶粉", "纸尿裤", "玩具"),
        "正品保障，可查验溯源码；玩具符合国家3C标准，请在成人看护下使用。",
    ),
    DemoCategory(
        "图书",
        "BOOKS",
        "book",
        ((248, 242, 230), (228, 212, 186), (140, 92, 52)),
        ("文学", "童书", "科技"),
        "正版图书，塑封发货；破损缺页包换。",
    ),
    DemoCategory(
        "数码配件",
        "GADGETS",
        "headphones",
        ((236, 236, 246), (204, 204, 226), (84, 84, 140)),
        ("耳机", "充电", "手机壳膜"),
        "官方正品，一年质保；支持7天无理由退货。",
    ),
    DemoCategory(
        "运动户外",
        "OUTDOOR",
        "tent",
        ((230, 244, 236), (184, 220, 196), (60, 120, 70)),
        ("跑步", "露营"),
        "支持7天无理由退换；户外用品请按说明书使用与保养。",
    ),
)

P = DemoProduct
PRODUCTS: tuple[DemoProduct, ...] = (
    # 手机
    P("智能手机", "华为 Mate 60 Pro 智能手机 卫星通话 昆仑玻璃",
      "超可靠玄武架构，灵犀通信，XMAGE 影像", "Mate 60 Pro", "Mate 60 Pro", 699900, 0,
      "颜色:雅川青,雅丹黑,白沙银|存储:12GB+512GB,12GB+1TB", 100000, 24),
    P("智能手机", "小米 14 徕卡光学镜头 骁龙8Gen3 5G手机", "徕卡75mm浮动长焦，光影猎人900传感器",
      "小米 14", "Xiaomi 14", 399900, 429900, "颜色:黑色,白色,岩石青|存储:12GB+256GB,16GB+512GB",
      60000),
    P("智能手机", "Apple iPhone 15 5G 双卡双待 手机", "灵动岛，4800万像素主摄，USB-C 接口",
      "iPhone 15", "iPhone 15", 599900, 0, "颜色:黑色,蓝色,粉色|存储:128GB,256GB", 100000),
    P("智能手机", "OPPO Reno11 5G 超美小直屏 人像拍照手机", "单反级人像三摄，4800万超光影主摄",
      "Reno11", "OPPO Reno11", 249900, 269900, "颜色:月光宝石,曜石黑|存储:12GB+256GB,12GB+512GB",
      30000),
    P("游戏手机", "一加 Ace 3 5G 电竞手机 1.5K 东方屏",
      "骁龙8Gen2，5500mAh 冰川电池，100W 超级闪充", "一加 Ace 3", "OnePlus Ace 3", 259900, 279900,
      "颜色:星辰黑,鸣沙金|存储:12GB+256GB,16GB+512GB", 40000),
    P("游戏手机", "红魔9 Pro 全面屏游戏手机 内置风扇散热", "骁龙8Gen3 领先版，6500mAh，165W 快充",
      "红魔9 Pro", "REDMAGIC 9 Pro", 499900, 0,
      "颜色:暗夜骑士,氘锋透明|存储:12GB+256GB,16GB+512GB", 50000),
    P("折叠屏", "华为 Pocket 2 小折叠屏手机 超平整铰链", "超可靠昆仑玻璃，XMAGE 四摄，轻薄随身",
      "Pocket 2", "Pocket 2", 749900, 0, "颜色:洛可可白,芋紫,雅黑|存储:12GB+256GB,12GB+512GB",
      50000),
    P("折叠屏", "vivo X Fold3 大折叠屏 轻薄机身 5G手机",
      "219g 轻薄机身，蔡司影像，5500mAh 蓝海电池", "X Fold3", "vivo X Fold3", 699900, 0,
      "颜色:薄翼黑,轻羽白|存储:12GB+256GB,16GB+512GB", 50000),
    # 服饰
    P("男装", "纯棉圆领短袖T恤 男女同款 重磅240g", "新疆长绒棉，不易变形，宽松落肩版型", "纯棉T恤",
      "Cotton Tee", 5900, 9900, "颜色:白色,黑色|尺码:M,L,XL"),
    P("男装", "商务休闲修身牛仔裤 男 弹力直筒", "四面弹面料，久坐不起皱，经典五袋款", "牛仔裤",
      "Slim Jeans", 15900, 29900, "颜色:深蓝,浅蓝|尺码:30,32,34"),
    P("男装", "轻薄羽绒服 男 90白鸭绒 可收纳", "充绒量足，轻至280g，随身收纳袋", "轻薄羽绒服",
      "Down Jacket", 39900, 69900, "颜色:黑色,藏青|尺码:L,XL,XXL"),
    P("女装", "法式碎花连衣裙 女 夏季收腰长裙", "雪纺面料，垂感飘逸，V领显瘦", "碎花连衣裙",
      "Floral Dress", 19900, 32900, "颜色:蓝底碎花,白底碎花|尺码:S,M,L"),
    P("女装", "羊毛混纺针织开衫 女 宽松外搭", "30%羊毛，柔软亲肤不扎，百搭基础款", "针织开衫",
      "Knit Cardigan", 22900, 39900, "颜色:燕麦色,雾霾蓝|尺码:S,M,L"),
    P("女装", "高腰阔腿西装裤 女 垂感通勤", "抗皱面料，高腰显高，通勤百搭", "阔腿裤",
      "Wide Trousers", 16900, 25900, "颜色:黑色,卡其|尺码:S,M,L"),
    P("运动服饰", "速干运动T恤 男 透气冰感短袖", "吸湿排汗，UPF50+ 防晒，轻薄透气", "速干T恤",
      "Dry-Fit Tee", 6900, 12900, "颜色:黑色,荧光绿|尺码:M,L,XL"),
    P("运动服饰", "高腰瑜伽裤 女 裸感提臀健身裤", "四面弹力，运动不卷边，无尴尬线", "瑜伽裤",
      "Yoga Leggings", 12900, 19900, "颜色:黑色,灰粉|尺码:S,M,L"),
    P("鞋靴", "李宁 赤兔6 Pro 竞速跑鞋 男 碳板", "䨻科技中底，碳板助推，轻量回弹", "赤兔6 Pro",
      "Li-Ning Chitu 6", 59900, 69900, "颜色:标准白,荧光黄|尺码:41,42,43"),
    P("鞋靴", "安踏 C37 软底休闲运动鞋 女 一脚蹬", "踩屎感软弹中底，一脚蹬懒人设计", "安踏 C37",
      "ANTA C37", 29900, 39900, "颜色:白粉,纯白|尺码:36,37,38"),
    # 美妆
    P("护肤", "珀莱雅 双抗精华液 抗糖抗氧化 提亮肤色", "双重抗氧，熬夜急救，28天焕亮", "双抗精华",
      "Serum", 26900, 32900, "规格:30ml,50ml", 14000),
    P("护肤", "玉泽 皮肤屏障修护保湿霜 50g", "敏感肌适用，修护泛红，长效保湿", "修护面霜",
      "Barrier Cream", 19800, 22800, "规格:50g"),
    P("护肤", "薇诺娜 清透防晒乳 SPF48 PA+++", "敏感肌可用，轻薄不油腻，不假白", "清透防晒",
      "Sunscreen", 17800, 20800, "规格:50g,80g", 7000),
    P("彩妆", "花西子 空气蜜粉 控油定妆散粉", "细腻轻盈，持久定妆，柔焦毛孔", "空气蜜粉",
      "Loose Powder", 14900, 19900, "色号:01 自然色,02 象牙白"),
    P("彩妆", "完美日记 小细跟口红 丝绒哑光唇膏", "显白不拔干，小细管精致设计", "小细跟口红",
      "Lipstick", 8990, 12900, "色号:M01 烂番茄,M03 枫叶红,M07 豆沙色"),
    P("香水", "观夏 昆仑煮雪 东方香水 淡香精", "雪松与白茶，冷冽清透的东方木质调", "昆仑煮雪",
      "Eau de Parfum", 39800, 0, "规格:30ml,50ml", 20000, 24),
    P("香水", "气味图书馆 凉白开 淡香水 中性香", "干净温柔的水汽感，日常通勤香", "凉白开",
      "Light Fragrance", 15900, 19900, "规格:50ml,100ml", 10000),
    # 食品
    P("零食", "三只松鼠 每日坚果 混合果仁 独立小包", "6种坚果果干科学配比，每日一袋", "每日坚果",
      "Daily Nuts", 4990, 6900, "规格:375g/15袋,750g/30袋", 4000),
    P("零食", "良品铺子 猪肉脯 靖江风味 200g", "精选猪后腿肉，原切烘烤，薄脆有嚼劲", "猪肉脯",
      "Pork Jerky", 2990, 3990, "口味:原味,香辣,蜜汁"),
    P("零食", "卫龙 大面筋 辣条 零食大礼包", "童年的味道，麻辣鲜香，追剧必备", "辣条礼包",
      "Spicy Strips", 1990, 2990, "规格:12包,24包", 1500),
    P("茶饮", "西湖龙井 明前特级 绿茶 罐装", "核心产区，手工炒制，豆香馥郁", "明前龙井",
      "Longjing Tea", 21800, 29800, "规格:125g,250g", 18000),
    P("茶饮", "元气森林 气泡水 480ml×15瓶 整箱", "0糖0脂0卡，清爽解腻", "气泡水",
      "Sparkling Water", 5990, 7500, "口味:白桃,青瓜,卡曼橘"),
    P("茶饮", "云南小粒咖啡 挂耳咖啡 10g×30包", "中度烘焙，坚果可可风味，现磨口感", "挂耳咖啡",
      "Drip Coffee", 6900, 9900, "烘焙:中烘,深烘"),
    P("生鲜水果", "烟台红富士苹果 单果80mm+ 产地直发", "脆甜多汁，果园现摘，坏果包赔",
      "红富士苹果", "Fuji Apples", 3990, 4990, "规格:5斤装,10斤装", 3000),
    P("生鲜水果", "海南金煌芒果 大果 新鲜当季", "果肉细腻，香甜软糯，核小肉厚", "金煌芒果",
      "Mangoes", 4590, 5990, "规格:5斤中果,5斤大果", 1000),
    P("粮油", "五常大米 稻花香2号 当季新米 真空装", "黑土地种植，软糯香甜，溯源可查", "五常大米",
      "Wuchang Rice", 6990, 8990, "规格:5kg,10kg", 6000),
    P("粮油", "鲁花 5S压榨一级花生油 5L", "物理压榨，浓香型，炒菜更香", "花生油", "Peanut Oil",
      15990, 17990, "规格:5L"),
    # 家居
    P("厨具", "苏泊尔 不粘炒锅 家用少油烟 燃气电磁炉通用", "麦饭石色涂层，少油烟，轻松洗",
      "不粘炒锅", "Wok", 19900, 29900, "尺寸:30cm,32cm", 2000),
    P("厨具", "双立人 不锈钢刀具套装 5件套", "德国工艺，一体成型，锋利耐用", "刀具套装",
      "Knife Set", 49900, 69900, "规格:5件套"),
    P("厨具", "美的 IH电饭煲 智能预约 家用", "IH电磁加热，立体火候，米饭更香", "IH电饭煲",
      "Rice Cooker", 39900, 49900, "容量:3L,4L", 10000),
    P("家纺", "水星家纺 60支长绒棉四件套 A类", "A类母婴标准，亲肤透气，不起球", "四件套",
      "Bedding Set", 59900, 89900, "颜色:雾霾蓝,燕麦白|尺寸:1.5m床,1.8m床", 10000),
    P("家纺", "南极人 泰国天然乳胶枕 护颈助眠", "人体工学曲线，回弹支撑，护颈助眠", "乳胶枕",
      "Latex Pillow", 9900, 19900, "规格:单只装,一对装", 8000),
    P("收纳", "百露 可折叠收纳箱 衣物整理箱 3个装", "加厚PP材质，可叠放，免安装", "收纳箱",
      "Storage Box", 4990, 6990, "容量:35L,55L", 2000),
    P("收纳", "太力 真空压缩袋 被子衣物收纳 11件套", "节省80%空间，防潮防霉", "真空压缩袋",
      "Vacuum Bags", 5990, 8990, "规格:手泵款,电泵款", 3000),
    # 母婴
    P("奶粉", "飞鹤 星飞帆 幼儿配方奶粉 3段 700g", "OPO结构脂，贴近母乳，新鲜奶源", "星飞帆3段",
      "Infant Formula", 25800, 29800, "规格:700g单罐,700g×2罐", 24800),
    P("奶粉", "爱他美 卓萃 较大婴儿配方奶粉 2段 900g", "天然乳脂，进口奶源，易吸收", "爱他美卓萃",
      "Aptamil", 36800, 39800, "规格:900g"),
    P("纸尿裤", "帮宝适 一级帮 纸尿裤 日本制造", "柔软透气，超薄干爽，不红屁屁", "一级帮",
      "Diapers", 15900, 19900, "尺码:M 64片,L 52片,XL 44片"),
    P("纸尿裤", "好奇 心钻装 拉拉裤 小桃裤", "小桃裤设计，贴合宝宝成长，夜用不漏", "心钻装拉拉裤",
      "Pull-Ups", 12900, 15900, "尺码:L 40片,XL 34片,XXL 28片"),
    P("玩具", "乐高 城市系列 60337 特快客运列车 积木", "遥控列车，764颗粒，7岁+", "乐高列车",
      "LEGO Train", 99900, 129900, "规格:标准版"),
    P("玩具", "木质磁力钓鱼玩具 宝宝早教益智", "双杆设计，亲子互动，锻炼手眼协调", "钓鱼玩具",
      "Fishing Toy", 3990, 5990, "颜色:海洋款,森林款"),
    P("玩具", "儿童滑板车 3-6岁 闪光轮 可折叠", "一键折叠，三档调高，闪光静音轮", "滑板车",
      "Kick Scooter", 15900, 25900, "颜色:樱花粉,天空蓝"),
    # 图书
    P("文学", "活着 余华 作家出版社", "讲述人如何去承受巨大的苦难，讲述眼泪的宽广和丰富", "活着",
      "To Live", 2850, 3900, "版本:平装,精装", 1100),
    P("文学", "三体 全集 刘慈欣 三册套装", "中国科幻里程碑，雨果奖获奖作品", "三体", "Three-Body",
      6900, 9300, "版本:平装三册"),
    P("文学", "人间词话 王国维 国学经典", "境界说，词学入门必读", "人间词话", "Poetry Talks", 2590,
      3800, "版本:平装"),
    P("童书", "小猪佩奇 中英双语故事书 10册", "中英双语，亲子共读，培养语感", "小猪佩奇",
      "Peppa Pig", 9900, 15000, "版本:第一辑,第二辑"),
    P("童书", "神奇校车 图画书版 全12册", "科学启蒙经典，带孩子探索世界", "神奇校车",
      "Magic School Bus", 12800, 19800, "版本:图画书版"),
    P("科技", "深入理解计算机系统 原书第3版", "CSAPP，程序员必读经典", "深入理解计算机系统",
      "CS:APP", 11900, 13900, "版本:平装"),
    P("科技", "Python编程 从入门到实践 第3版", "零基础入门，三个项目实战", "Python编程",
      "Python Crash Course", 8990, 10980, "版本:平装"),
    # 数码配件
    P("耳机", "华为 FreeBuds Pro 3 真无线降噪耳机", "星闪连接，智慧动态降噪，高解析音质",
      "FreeBuds Pro 3", "FreeBuds Pro 3", 139900, 149900, "颜色:陶瓷白,雅川青,星河蓝"),
    P("耳机", "索尼 WH-1000XM5 头戴式降噪耳机", "双芯降噪，30小时续航，佩戴轻盈", "WH-1000XM5",
      "Sony WH-1000XM5", 249900, 299900, "颜色:黑色,铂金银", 0, 24),
    P("耳机", "漫步者 Lolli3 真无线蓝牙耳机 主动降噪", "主动降噪，小巧轻盈，低延迟游戏模式",
      "Lolli3", "EDIFIER Lolli3", 29900, 39900, "颜色:白色,黑色,粉色"),
    P("充电", "Anker 安克 氮化镓充电器 65W 三口", "一充三，折叠插脚，小巧便携", "65W 充电器",
      "Anker 65W", 14900, 19900, "颜色:白色,黑色"),
    P("充电", "小米 充电宝 22.5W 双向快充", "大容量，双向快充，多重安全防护", "充电宝",
      "Power Bank", 8900, 10900, "容量:10000mAh,20000mAh", 4000),
    P("充电", "绿联 Type-C 数据线 100W 快充线", "E-Marker 芯片，编织耐折", "快充线", "USB-C Cable",
      2990, 3990, "长度:1米,1.5米,2米", 500),
    P("手机壳膜", "iPhone 15 磁吸手机壳 MagSafe 透明防摔", "军规防摔，不发黄，磁吸更稳",
      "磁吸手机壳", "MagSafe Case", 5900, 9900, "颜色:透明,磨砂黑,远峰蓝"),
    P("手机壳膜", "iPhone 15 钢化膜 全屏覆盖 2片装", "9H硬度，高清防指纹，附贴膜神器", "钢化膜",
      "Screen Protector", 2990, 4990, "类型:高清款,防窥款", 1000),
    # 运动户外
    P("跑步", "佳明 Forerunner 265 跑步手表 GPS 心率", "AMOLED 屏，训练准备度，双频 GPS",
      "Forerunner 265", "Garmin FR265", 299900, 329900, "颜色:黑色,白色"),
    P("跑步", "跑步腰包 防水 大容量 手机袋", "贴身不晃，反光条夜跑更安全", "跑步腰包",
      "Running Belt", 3990, 5990, "颜色:黑色,荧光黄"),
    P("露营", "牧高笛 自动速开帐篷 3-4人 防雨", "5秒速开，UPF50+，双层防雨", "速开帐篷",
      "Quick Tent", 39900, 59900, "颜色:沙色,军绿"),
    P("露营", "折叠月亮椅 户外露营椅 便携", "铝合金支架，承重120kg，收纳小巧", "月亮椅",
      "Moon Chair", 12900, 19900, "颜色:卡其,黑色"),
    P("露营", "户外保温杯 316不锈钢 大容量", "24小时保温，一键开盖，户外通勤两用", "保温杯",
      "Vacuum Flask", 8900, 12900, "颜色:黑色,橄榄绿|容量:750ml,1L", 2000, 36),
)  # fmt: skip


# Titles that open with a brand name: the product's brand (search facets, the import's columns).
DEMO_BRANDS = {
    "华为",
    "小米",
    "Apple",
    "OPPO",
    "一加",
    "vivo",
    "李宁",
    "安踏",
    "珀莱雅",
    "玉泽",
    "薇诺娜",
    "花西子",
    "完美日记",
    "观夏",
    "气味图书馆",
    "三只松鼠",
    "良品铺子",
    "卫龙",
    "元气森林",
    "鲁花",
    "苏泊尔",
    "双立人",
    "美的",
    "水星家纺",
    "南极人",
    "百露",
    "太力",
    "飞鹤",
    "爱他美",
    "帮宝适",
    "好奇",
    "乐高",
    "索尼",
    "漫步者",
    "Anker",
    "绿联",
    "佳明",
    "牧高笛",
}
BRAND_ALIASES = {"iPhone": "Apple", "红魔9": "红魔"}


def brand_of(demo: DemoProduct) -> str:
    first = demo.title.split()[0]
    return BRAND_ALIASES.get(first, first if first in DEMO_BRANDS else "")


def parse_specs(text: str) -> list[tuple[str, list[str]]]:
    dims = []
    for part in text.split("|"):
        name, values = part.split(":", 1)
        dims.append((name, values.split(",")))
    return dims


def spec_combinations(dims: Sequence[tuple[str, Sequence[str]]]) -> list[list[tuple[str, str]]]:
    combos: list[list[tuple[str, str]]] = [[]]
    for name, values in dims:
        combos = [[*combo, (name, value)] for combo in combos for value in values]
    return combos


def ean13(twelve_digits: str) -> str:
    """Append the EAN-13 check digit."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(twelve_digits))
    return twelve_digits + str((10 - total % 10) % 10)


def description_for(product: DemoProduct, category: DemoCategory) -> str:
    points = [p for p in product.subtitle.replace("；", "，").split("，") if p]
    lines = [product.title, "", "【产品亮点】"]
    lines += [f"· {point}" for point in points]
    lines += ["", "【规格】"]
    lines += [f"· {name}：{' / '.join(values)}" for name, values in parse_specs(product.specs)]
    lines += ["", "【售后保障】", category.care]
    return "\n".join(lines)


@dataclass
class SeedSummary:
    categories: int = 0
    subcategories: int = 0
    products: int = 0
    skus: int = 0
    images: int = 0
    art_rendered: int = 0  # products whose pictures were drawn now
    art_cached: int = 0  # products whose pictures came from the art cache
    art_seconds: float = 0.0
    models: int = 0  # products given a 3D model (demo/models3d.py)
    model_seconds: float = 0.0
    seconds: float = 0.0
    # Tall detail images (长图) per product id. The catalog has no column for them yet: they
    # are stored under /media and listed here, to be written to the product once it has one.
    detail_images: dict[int, list[str]] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"seeded {self.categories} categories ({self.subcategories} sub-categories), "
            f"{self.products} products, {self.skus} SKUs, {self.images} images "
            f"(art: {self.art_rendered} drawn, {self.art_cached} cached, {self.art_seconds:.1f}s), "
            f"{self.models} 3D models ({self.model_seconds:.1f}s) in {self.seconds:.1f}s"
        )


def color_dimension(demo: DemoProduct) -> tuple[str, list[str]] | None:
    """The spec dimension whose values change how the product looks (颜色, 色号, 口味)."""
    return next(((n, v) for n, v in parse_specs(demo.specs) if n in COLOR_DIMENSIONS), None)


def art_job(demo: DemoProduct) -> ArtJob | None:
    art = ART.get(demo.short)
    if art is None:
        return None
    dim = color_dimension(demo)
    colors = tuple(color_of(v, art.color) for v in dim[1]) if dim else (art.color,)
    frames = demo.turntable if demo.short in SPINS else 0
    return ArtJob(demo.short, colors, frames)


ART_CACHE_ENV = "SHOPLET_DEMO_ART_CACHE"


def default_art_cache(media_dir: Path) -> Path:
    """Where rendered demo pictures are kept: ``$SHOPLET_DEMO_ART_CACHE`` (tests share one),
    else ``demo-art-cache`` next to the media directory (in the data directory)."""
    override = os.environ.get(ART_CACHE_ENV)
    return Path(override) if override else media_dir.parent / "demo-art-cache"


async def seed_catalog(
    session: AsyncSession,
    media_dir: Path,
    *,
    now: datetime | None = None,
    art_cache: Path | None = None,
) -> SeedSummary:
    """Seed the demo catalog into ``session`` (flushed, not committed) and ``media_dir``.
    Product pictures come from ``art_cache`` (default: ``demo-art-cache`` next to the media
    directory) or are drawn and cached there."""
    started = time.perf_counter()
    now = now or utcnow()
    rng = random.Random(RANDOM_SEED)  # noqa: S311  (demo data, not security)
    media = MediaWriter(media_dir)
    summary = SeedSummary()
    jobs = [art_job(p) for p in PRODUCTS]
    built, stats = build_pictures(
        [j for j in jobs if j is not None], art_cache or default_art_cache(media_dir), prune=True
    )
    found = iter(built)
    pictures = [next(found) if j is not None else None for j in jobs]
    summary.art_rendered, summary.art_cached = stats.rendered, stats.cached
    summary.art_seconds = time.perf_counter() - started

    child_ids: dict[str, tuple[int, DemoCategory]] = {}
    for order, demo in enumerate(CATEGORIES):
        icon = media.save("categories", render_category_icon(demo.shape, demo.colors), "png")
        top = await catalog.create_category(
            session, catalog.CategoryCreate(name=demo.name, icon=icon, sort_order=order * 10)
        )
        summary.categories += 1
        for child_order, child in enumerate(demo.children):
            sub = await catalog.create_category(
                session,
                catalog.CategoryCreate(
                    parent_id=top.id, name=child, icon=icon, sort_order=child_order * 10
                ),
            )
            child_ids[child] = (sub.id, demo)
            summary.subcategories += 1

    with_models: dict[str, int] = {}
    for index, demo_product in enumerate(PRODUCTS):
        category_id, category = child_ids[demo_product.category]
        product_id, sku_count, details = await _seed_product(
            session,
            media,
            rng,
            index=index,
            demo=demo_product,
            category_id=category_id,
            category=category,
            now=now,
            pictures=pictures[index],
        )
        # Sales counts come only from orders (the demo history places them), so the counts on
        # the storefront and the orders in the console agree. This draw is what the catalog
        # once used as a made-up count; kept so that stock and dates stay as they were.
        rng.paretovariate(1.1)
        summary.detail_images[product_id] = details
        summary.products += 1
        summary.skus += sku_count
        if demo_product.short in DEMO_MODELS:
            with_models[demo_product.short] = product_id
    models_started = time.perf_counter()
    storage = LocalStorage(media.media_dir, url_prefix=MEDIA_URL)
    for short, product_id in with_models.items():
        await catalog.store_model(session, storage, product_id, demo_glb(short))
        summary.models += 1
    summary.model_seconds = time.perf_counter() - models_started
    # Demo accounts (console staff, a demo shopper) are seeded by their own modules through a
    # `_seed_accounts(session, settings)` step in `run_seed`, after the catalog.
    summary.images = len(media.urls)
    summary.seconds = time.perf_counter() - started
    return summary


async def _seed_product(
    session: AsyncSession,
    media: MediaWriter,
    rng: random.Random,
    *,
    index: int,
    demo: DemoProduct,
    category_id: int,
    category: DemoCategory,
    now: datetime,
    pictures: Pictures | None,
) -> tuple[int, int, list[str]]:
    dims = parse_specs(demo.specs)
    combos = spec_combinations(dims)
    if pictures is not None:
        # Gallery and detail pictures through the catalog's image pipeline (done and cached
        # with the art): WebP variants and a placeholder colour, as a console upload gets.
        storage = LocalStorage(media.media_dir, url_prefix=MEDIA_URL)
        stored = [
            (await catalog.store_processed_image(session, storage, image)).url
            for image in pictures.processed
        ]
        images = stored[: len(pictures.gallery)]
        details = stored[len(pictures.gallery) :]
        media.urls.update(stored)
        turntable = [store_image(media, data) for data in pictures.spin]
        dim = color_dimension(demo)
        color_dim = dim[0] if dim else None
        sku_images = (
            {v: store_image(media, d) for v, d in zip(dim[1], pictures.skus, strict=True)}
            if dim
            else {}
        )
    else:  # every demo product has its art (tests/test_demo_art.py); a new one gets none
        images, turntable, details, color_dim, sku_images = [], [], [], None, {}

    last_values = dims[-1][1]
    skus = []
    for sku_index, combo in enumerate(combos):
        price = demo.price + last_values.index(combo[-1][1]) * demo.step
        original = max(price, (demo.original_price or demo.price) + (price - demo.price))
        color_value = next((v for n, v in combo if n == color_dim), None)
        # Mostly healthy stock, some nearly gone, a few sold out.
        roll = rng.random()
        stock = 0 if roll < 0.06 else rng.randint(1, 5) if roll < 0.16 else rng.randint(20, 500)
        skus.append(
            catalog.SkuCreate(
                specs=[catalog.SpecValue(name=n, value=v) for n, v in combo],
                price=price,
                original_price=original,
                barcode=ean13(f"69{10000 + index * 137:05d}{sku_index + 1:05d}"),
                weight_grams=rng.randint(1, 40) * 50,
                image=sku_images.get(color_value) if color_value else None,
                stock=stock,
            )
        )
    created_at = now - timedelta(days=rng.randint(3, 240), minutes=rng.randint(0, 1439))
    product = await catalog.create_product(
        session,
        catalog.ProductCreate(
            category_id=category_id,
            title=demo.title,
            subtitle=demo.subtitle,
            description=description_for(demo, category),
            images=images,
            turntable_images=turntable,
            detail_images=details,
            status="draft",
            skus=skus,
        ),
        actor=SEED_ACTOR,
        now=created_at,
        extras=catalog.ProductExtras(brand=brand_of(demo), tags=[], sku_codes=[None] * len(skus)),
    )
    published_at = min(
        now, created_at + timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 23))
    )
    await catalog.set_product_status(
        session, product.id, "on_sale", actor=SEED_ACTOR, now=published_at
    )
    return product.id, len(skus), details

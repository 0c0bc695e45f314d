"""Demo data for ``make run``: a realistic catalog with stock and locally drawn product images.

``run_seed`` is the ``shoplet seed`` command (its own engine and transaction);
``seed_catalog`` seeds into a given session and media directory (tests use it). Everything is
deterministic (one seeded random generator, content-hashed image names) and takes a few seconds.
Products go through the catalog's public service, so the demo data obeys the same rules
(SKU matrix, denormalised prices, stock ledger) as a merchant's.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.core.context import AppContext
from shoplet.core.db import create_engine, create_sessionmaker, unit_of_work, utcnow
from shoplet.core.errors import ShopletError
from shoplet.core.jobs import run_job
from shoplet.core.settings import Settings
from shoplet.integrations.setup import Integrations
from shoplet.integrations.wechat.pay_simulator import WeChatPaySimulator
from shoplet.modules.catalog import public as catalog
from shoplet.modules.console import public as console
from shoplet.modules.orders import public as orders
from shoplet.modules.payments import public as payments

SEED_ACTOR = "seed"
RANDOM_SEED = 20240618
MEDIA_URL = "/media"
IMAGE_SIZE = 640
FRAME_SIZE = 400

RGB = tuple[int, int, int]
SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------------------------------------
# The demo catalog


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
    short: str  # the name drawn on the image
    label: str  # Latin fallback for the image
    price: int  # fen, cheapest SKU
    original_price: int  # fen, 0: same as price
    specs: str  # "颜色:黑色,白色|存储:256GB,512GB"
    step: int = 0  # fen added per value of the last spec dimension
    turntable: int = 0  # frames of the 360° spin (0: none)


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

# Sub-categories whose products do not look like their parent's icon.
CHILD_SHAPES: dict[str, str] = {"鞋靴": "shoe"}

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
      "iPhone 15", "iPhone 15", 599900, 0, "颜色:黑色,蓝色,粉色|存储:128GB,256GB", 100000, 16),
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
      50000, 16),
    P("折叠屏", "vivo X Fold3 大折叠屏 轻薄机身 5G手机",
      "219g 轻薄机身，蔡司影像，5500mAh 蓝海电池", "X Fold3", "vivo X Fold3", 699900, 0,
      "颜色:薄翼黑,轻羽白|存储:12GB+256GB,16GB+512GB", 50000),
    # 服饰
    P("男装", "纯棉圆领短袖T恤 男女同款 重磅240g", "新疆长绒棉，不易变形，宽松落肩版型", "纯棉T恤",
      "Cotton Tee", 5900, 9900, "颜色:白色,黑色|尺码:M,L,XL", 0, 12),
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
      "Li-Ning Chitu 6", 59900, 69900, "颜色:标准白,荧光黄|尺码:41,42,43", 0, 24),
    P("鞋靴", "安踏 C37 软底休闲运动鞋 女 一脚蹬", "踩屎感软弹中底，一脚蹬懒人设计", "安踏 C37",
      "ANTA C37", 29900, 39900, "颜色:白粉,纯白|尺码:36,37,38"),
    # 美妆
    P("护肤", "珀莱雅 双抗精华液 抗糖抗氧化 提亮肤色", "双重抗氧，熬夜急救，28天焕亮", "双抗精华",
      "Serum", 26900, 32900, "规格:30ml,50ml", 14000, 12),
    P("护肤", "玉泽 皮肤屏障修护保湿霜 50g", "敏感肌适用，修护泛红，长效保湿", "修护面霜",
      "Barrier Cream", 19800, 22800, "规格:50g"),
    P("护肤", "薇诺娜 清透防晒乳 SPF48 PA+++", "敏感肌可用，轻薄不油腻，不假白", "清透防晒",
      "Sunscreen", 17800, 20800, "规格:50g,80g", 7000),
    P("彩妆", "花西子 空气蜜粉 控油定妆散粉", "细腻轻盈，持久定妆，柔焦毛孔", "空气蜜粉",
      "Loose Powder", 14900, 19900, "色号:01 自然色,02 象牙白"),
    P("彩妆", "完美日记 小细跟口红 丝绒哑光唇膏", "显白不拔干，小细管精致设计", "小细跟口红",
      "Lipstick", 8990, 12900, "色号:M01 烂番茄,M03 枫叶红,M07 豆沙色", 0, 16),
    P("香水", "观夏 昆仑煮雪 东方香水 淡香精", "雪松与白茶，冷冽清透的东方木质调", "昆仑煮雪",
      "Eau de Parfum", 39800, 0, "规格:30ml,50ml", 20000, 12),
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
      "不粘炒锅", "Wok", 19900, 29900, "尺寸:30cm,32cm", 2000, 16),
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
      "LEGO Train", 99900, 129900, "规格:标准版", 0, 24),
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
      "FreeBuds Pro 3", "FreeBuds Pro 3", 139900, 149900, "颜色:陶瓷白,雅川青,星河蓝", 0, 16),
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
      "Forerunner 265", "Garmin FR265", 299900, 329900, "颜色:黑色,白色", 0, 16),
    P("跑步", "跑步腰包 防水 大容量 手机袋", "贴身不晃，反光条夜跑更安全", "跑步腰包",
      "Running Belt", 3990, 5990, "颜色:黑色,荧光黄"),
    P("露营", "牧高笛 自动速开帐篷 3-4人 防雨", "5秒速开，UPF50+，双层防雨", "速开帐篷",
      "Quick Tent", 39900, 59900, "颜色:沙色,军绿", 0, 24),
    P("露营", "折叠月亮椅 户外露营椅 便携", "铝合金支架，承重120kg，收纳小巧", "月亮椅",
      "Moon Chair", 12900, 19900, "颜色:卡其,黑色"),
    P("露营", "户外保温杯 316不锈钢 大容量", "24小时保温，一键开盖，户外通勤两用", "保温杯",
      "Vacuum Flask", 8900, 12900, "颜色:黑色,橄榄绿|容量:750ml,1L", 2000),
)  # fmt: skip


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


# ---------------------------------------------------------------------------------------------
# Images, drawn with Pillow (no downloads)

_COLOR_WORDS: tuple[tuple[str, RGB], ...] = (
    ("透明", (214, 222, 228)),
    ("黑", (48, 50, 56)),
    ("白", (236, 236, 232)),
    ("银", (196, 200, 206)),
    ("灰", (150, 152, 160)),
    ("藏青", (36, 52, 96)),
    ("蓝", (64, 112, 196)),
    ("青", (72, 140, 140)),
    ("绿", (76, 150, 90)),
    ("粉", (236, 150, 172)),
    ("红", (200, 60, 60)),
    ("紫", (150, 110, 180)),
    ("金", (212, 170, 90)),
    ("黄", (230, 200, 60)),
    ("卡其", (190, 160, 110)),
    ("沙", (206, 180, 140)),
    ("燕麦", (214, 196, 166)),
    ("宝石", (120, 150, 200)),
    ("骑士", (40, 40, 48)),
)


def color_for(value: str, fallback: RGB) -> RGB:
    for word, rgb in _COLOR_WORDS:
        if word in value:
            return rgb
    return fallback


def _shade(rgb: RGB, factor: float) -> RGB:
    if factor >= 1:
        return (
            int(rgb[0] + (255 - rgb[0]) * (factor - 1)),
            int(rgb[1] + (255 - rgb[1]) * (factor - 1)),
            int(rgb[2] + (255 - rgb[2]) * (factor - 1)),
        )
    return (int(rgb[0] * factor), int(rgb[1] * factor), int(rgb[2] * factor))


_FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
_CJK_NAMES = ("NotoSansCJK", "NotoSerifCJK", "SourceHanSans", "wqy-", "DroidSansFallback", "CJK")


@cache
def find_cjk_font() -> Path | None:
    """A font with Chinese glyphs (Noto CJK, Source Han, WenQuanYi…), if one is installed."""
    for root in _FONT_DIRS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in {".ttc", ".otf", ".ttf"} and any(
                name.lower() in path.name.lower() for name in _CJK_NAMES
            ):
                return path
    return None


@cache
def _font(size: int, cjk: bool) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = find_cjk_font() if cjk else None
    candidates = [path] if path else []
    candidates += [root / "truetype/dejavu/DejaVuSans-Bold.ttf" for root in _FONT_DIRS[:1]]
    for candidate in candidates:
        if candidate is not None and candidate.exists():
            try:
                return ImageFont.truetype(str(candidate), size)
            except OSError:
                continue
    return ImageFont.load_default(size=size)


# Shapes in a unit box [-1, 1]²; roles pick the colour: main, dark, light, white.
Primitive = tuple[str, str, tuple[float, ...]]


def _arch(outer: float, inner: float, cy: float, steps: int = 24) -> tuple[float, ...]:
    points: list[float] = []
    for i in range(steps + 1):
        a = math.pi + math.pi * i / steps
        points += [outer * math.cos(a), cy + outer * math.sin(a)]
    for i in range(steps, -1, -1):
        a = math.pi + math.pi * i / steps
        points += [inner * math.cos(a), cy + inner * math.sin(a)]
    return tuple(points)


SHAPES: dict[str, tuple[Primitive, ...]] = {
    "phone": (
        ("rrect", "main", (-0.42, -0.8, 0.42, 0.8, 0.12)),
        ("rrect", "light", (-0.36, -0.7, 0.36, 0.68, 0.06)),
        ("ellipse", "dark", (-0.04, -0.77, 0.04, -0.73)),
    ),
    "shirt": (
        (
            "poly",
            "main",
            (-0.35, -0.7, -0.12, -0.74, 0.0, -0.62, 0.12, -0.74, 0.35, -0.7, 0.78, -0.38,
             0.6, -0.12, 0.38, -0.26, 0.38, 0.76, -0.38, 0.76, -0.38, -0.26, -0.6, -0.12,
             -0.78, -0.38),
        ),
        ("poly", "dark", (-0.12, -0.74, 0.0, -0.62, 0.12, -0.74, 0.0, -0.56)),
    ),
    "bottle": (
        ("rrect", "main", (-0.34, -0.3, 0.34, 0.8, 0.12)),
        ("rrect", "light", (-0.14, -0.52, 0.14, -0.28, 0.02)),
        ("rrect", "dark", (-0.22, -0.84, 0.22, -0.5, 0.05)),
        ("rrect", "white", (-0.24, 0.04, 0.24, 0.46, 0.04)),
    ),
    "food": (
        ("ellipse", "main", (-0.62, -0.5, 0.62, 0.76)),
        ("rrect", "dark", (-0.03, -0.74, 0.04, -0.44, 0.02)),
        ("poly", "green", (0.04, -0.56, 0.36, -0.84, 0.3, -0.5)),
        ("ellipse", "light", (-0.42, -0.3, -0.2, -0.02)),
    ),
    "pot": (
        ("rrect", "dark", (-0.86, -0.2, -0.55, -0.04, 0.05)),
        ("rrect", "dark", (0.55, -0.2, 0.86, -0.04, 0.05)),
        ("rrect", "main", (-0.62, -0.34, 0.62, 0.58, 0.16)),
        ("ellipse", "dark", (-0.66, -0.46, 0.66, -0.22)),
        ("rrect", "dark", (-0.1, -0.6, 0.1, -0.42, 0.04)),
        ("rrect", "light", (-0.5, -0.1, -0.38, 0.4, 0.05)),
    ),
    "baby": (
        ("ellipse", "light", (-0.15, -0.88, 0.15, -0.56)),
        ("rrect", "main", (-0.32, -0.62, 0.32, -0.42, 0.05)),
        ("rrect", "white", (-0.3, -0.42, 0.3, 0.82, 0.14)),
        ("rrect", "main", (-0.22, 0.0, 0.0, 0.04, 0.01)),
        ("rrect", "main", (-0.22, 0.2, 0.0, 0.24, 0.01)),
        ("rrect", "main", (-0.22, 0.4, 0.0, 0.44, 0.01)),
    ),
    "book": (
        ("rrect", "white", (-0.5, -0.72, 0.6, 0.78, 0.03)),
        ("rrect", "main", (-0.56, -0.78, 0.52, 0.74, 0.04)),
        ("rrect", "dark", (-0.56, -0.78, -0.42, 0.74, 0.02)),
        ("rrect", "white", (-0.28, -0.46, 0.38, -0.2, 0.03)),
    ),
    "headphones": (
        ("poly", "dark", _arch(0.66, 0.54, 0.1)),
        ("rrect", "main", (-0.8, -0.02, -0.44, 0.62, 0.14)),
        ("rrect", "main", (0.44, -0.02, 0.8, 0.62, 0.14)),
        ("rrect", "dark", (-0.5, 0.06, -0.4, 0.54, 0.04)),
        ("rrect", "dark", (0.4, 0.06, 0.5, 0.54, 0.04)),
    ),
    "shoe": (
        ("rrect", "dark", (-0.88, 0.3, 0.9, 0.48, 0.08)),
        (
            "poly",
            "main",
            (-0.86, 0.32, -0.84, -0.08, -0.58, -0.18, -0.34, -0.46, 0.02, -0.46, 0.08, -0.12,
             0.56, 0.02, 0.86, 0.16, 0.9, 0.32),
        ),
        ("poly", "light", (-0.6, 0.18, 0.1, -0.02, 0.6, 0.12, 0.0, 0.18)),
        ("rrect", "white", (-0.26, -0.36, -0.16, -0.1, 0.03)),
        ("rrect", "white", (-0.1, -0.3, 0.0, -0.06, 0.03)),
    ),
    "tent": (
        ("rrect", "dark", (-0.92, 0.58, 0.92, 0.68, 0.03)),
        ("poly", "main", (-0.82, 0.6, 0.0, -0.72, 0.82, 0.6)),
        ("poly", "dark", (-0.22, 0.6, 0.0, 0.02, 0.22, 0.6)),
        ("poly", "light", (0.0, -0.72, 0.1, -0.56, -0.52, 0.42, -0.62, 0.42)),
    ),
}  # fmt: skip


def _draw_shape(
    draw: ImageDraw.ImageDraw,
    shape: str,
    *,
    center: tuple[float, float],
    radius: float,
    color: RGB,
    squash: float = 1.0,
) -> None:
    """Draw ``shape`` scaled to ``radius``; ``squash`` scales x (cos of the spin angle, <0 shows
    the back, drawn darker), which is what makes the turntable frames turn."""
    cx, cy = center
    sx = max(abs(squash), 0.06)
    back = squash < 0
    roles = {
        "main": _shade(color, 0.82) if back else color,
        "dark": _shade(color, 0.55),
        "light": _shade(color, 1.55),
        "white": (250, 250, 248),
        "green": (86, 160, 80),
    }

    def x(v: float) -> float:
        return cx + v * radius * sx

    def y(v: float) -> float:
        return cy + v * radius

    for kind, role, args in SHAPES[shape]:
        fill = roles[role]
        if back and role in {"light", "white"}:
            fill = roles["main"]
        if kind == "rrect":
            x0, y0, x1, y1, r = args
            left, right = sorted((x(x0), x(x1)))
            draw.rounded_rectangle(
                (left, y(y0), max(right, left + 1), y(y1)),
                radius=max(1.0, r * radius * min(1.0, sx * 2)),
                fill=fill,
            )
        elif kind == "ellipse":
            x0, y0, x1, y1 = args
            left, right = sorted((x(x0), x(x1)))
            draw.ellipse((left, y(y0), max(right, left + 1), y(y1)), fill=fill)
        else:
            draw.polygon([(x(args[i]), y(args[i + 1])) for i in range(0, len(args), 2)], fill=fill)


@cache
def _background(size: int, top: RGB, bottom: RGB) -> Image.Image:
    mask = Image.linear_gradient("L").resize((size, size))
    return Image.composite(
        Image.new("RGB", (size, size), bottom), Image.new("RGB", (size, size), top), mask
    )


def _text(draw: ImageDraw.ImageDraw, size: int, text: str, label: str, y: float) -> None:
    cjk = find_cjk_font() is not None
    shown = text if cjk else label
    font_size = size // 14
    font = _font(font_size, cjk)
    while font_size > 12 and draw.textlength(shown, font=font) > size * 0.86:
        font_size -= 2
        font = _font(font_size, cjk)
    draw.text((size / 2, y), shown, font=font, fill=(40, 40, 48), anchor="mm")


@cache
def render_product_image(
    shape: str,
    *,
    colors: tuple[RGB, RGB, RGB],
    color: RGB,
    text: str,
    label: str,
    view: int,
) -> bytes:
    """A product card: category gradient, the drawn product, its name. ``view`` 0 is the hero
    shot, 1 a close-up with a caption band."""
    size = IMAGE_SIZE
    image = _background(size, colors[0], colors[1]).copy()
    draw = ImageDraw.Draw(image)
    if view == 0:
        draw.ellipse(
            (size * 0.2, size * 0.76, size * 0.8, size * 0.84), fill=_shade(colors[1], 0.86)
        )
        _draw_shape(draw, shape, center=(size / 2, size * 0.44), radius=size * 0.34, color=color)
        _text(draw, size, text, label, size * 0.92)
    else:
        _draw_shape(draw, shape, center=(size * 0.5, size * 0.4), radius=size * 0.42, color=color)
        draw.rectangle((0, size * 0.82, size, size), fill=(255, 255, 255))
        draw.rectangle((0, size * 0.82, size * 0.02, size), fill=colors[2])
        _text(draw, size, text, label, size * 0.91)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=84, optimize=True)
    return buffer.getvalue()


@cache
def render_turntable(
    shape: str, colors: tuple[RGB, RGB, RGB], color: RGB, frames: int
) -> tuple[bytes, ...]:
    """``frames`` views evenly spaced around a full turn, starting from the front."""
    out = []
    size = FRAME_SIZE
    background = _background(size, colors[0], colors[1])
    for i in range(frames):
        angle = 2 * math.pi * i / frames
        image = background.copy()
        draw = ImageDraw.Draw(image)
        draw.ellipse(
            (size * 0.22, size * 0.8, size * 0.78, size * 0.88), fill=_shade(colors[1], 0.86)
        )
        _draw_shape(
            draw,
            shape,
            center=(size / 2, size * 0.46),
            radius=size * 0.36,
            color=color,
            squash=math.cos(angle),
        )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80)
        out.append(buffer.getvalue())
    return tuple(out)


@cache
def render_category_icon(shape: str, colors: tuple[RGB, RGB, RGB]) -> bytes:
    size = 192
    image = Image.new("RGB", (size, size), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=colors[0])
    _draw_shape(draw, shape, center=(size / 2, size / 2), radius=size * 0.3, color=colors[2])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


@dataclass
class MediaWriter:
    """Writes content-hashed files under ``media_dir`` and returns their public URLs."""

    media_dir: Path
    written: int = 0
    urls: set[str] = field(default_factory=set)

    def save(self, folder: str, data: bytes, extension: str) -> str:
        name = f"{hashlib.sha1(data, usedforsecurity=False).hexdigest()[:20]}.{extension}"
        path = self.media_dir / folder / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            self.written += 1
        url = f"{MEDIA_URL}/{folder}/{name}"
        self.urls.add(url)
        return url


# ---------------------------------------------------------------------------------------------
# Seeding


@dataclass
class SeedSummary:
    categories: int = 0
    subcategories: int = 0
    products: int = 0
    skus: int = 0
    images: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"seeded {self.categories} categories ({self.subcategories} sub-categories), "
            f"{self.products} products, {self.skus} SKUs, {self.images} images "
            f"in {self.seconds:.1f}s"
        )


async def seed_catalog(
    session: AsyncSession, media_dir: Path, *, now: datetime | None = None
) -> SeedSummary:
    """Seed the demo catalog into ``session`` (flushed, not committed) and ``media_dir``."""
    started = time.perf_counter()
    now = now or utcnow()
    rng = random.Random(RANDOM_SEED)  # noqa: S311  (demo data, not security)
    media = MediaWriter(media_dir)
    summary = SeedSummary()

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

    sales: dict[int, int] = {}
    for index, demo_product in enumerate(PRODUCTS):
        category_id, category = child_ids[demo_product.category]
        product_id, sku_count = await _seed_product(
            session,
            media,
            rng,
            index=index,
            demo=demo_product,
            category_id=category_id,
            category=category,
            now=now,
        )
        # Long-tailed sales: a few best sellers, most products modest.
        sales[product_id] = min(99_999, int(rng.paretovariate(1.1) * 40))
        summary.products += 1
        summary.skus += sku_count
    await catalog.record_sales(session, sales)
    # Demo accounts (console staff, a demo shopper) are seeded by their own modules through a
    # `_seed_accounts(session, settings)` step in `run_seed`, after the catalog.
    summary.images = len(media.urls)
    summary.seconds = time.perf_counter() - started
    return summary


def _shape(category: DemoCategory, demo: DemoProduct) -> str:
    return CHILD_SHAPES.get(demo.category, category.shape)


def _card(category: DemoCategory, demo: DemoProduct, color: RGB, view: int) -> bytes:
    return render_product_image(
        _shape(category, demo),
        colors=category.colors,
        color=color,
        text=demo.short,
        label=demo.label,
        view=view,
    )


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
) -> tuple[int, int]:
    dims = parse_specs(demo.specs)
    combos = spec_combinations(dims)
    accent = category.colors[2]
    color_dim = next((name for name, _ in dims if name in {"颜色", "色号"}), None)
    first_color = color_for(combos[0][0][1], accent) if color_dim else accent

    images = [
        media.save(
            "products",
            _card(category, demo, first_color, view),
            "jpg",
        )
        for view in (0, 1)
    ]
    turntable = (
        [
            media.save("products", frame, "jpg")
            for frame in render_turntable(
                _shape(category, demo), category.colors, first_color, demo.turntable
            )
        ]
        if demo.turntable
        else []
    )
    sku_images: dict[str, str] = {}
    if color_dim:
        values = next(values for name, values in dims if name == color_dim)
        for value in values:
            rgb = color_for(value, accent)
            sku_images[value] = media.save(
                "products",
                _card(category, demo, rgb, 0),
                "jpg",
            )

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
            status="draft",
            skus=skus,
        ),
        actor=SEED_ACTOR,
        now=created_at,
    )
    published_at = min(
        now, created_at + timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 23))
    )
    await catalog.set_product_status(
        session, product.id, "on_sale", actor=SEED_ACTOR, now=published_at
    )
    return product.id, len(skus)


# ---------------------------------------------------------------------------------------------
# Demo order history: shoppers buy through the real API, then the history is moved into the past


DEMO_OWNER_USERNAME = "demo-owner"
# Embedded mode only (a laptop demo), documented in the README; never created in production.
DEMO_OWNER_PASSWORD = "shoplet-demo-owner"  # noqa: S105
DEMO_SHOPPERS = 20
DEMO_ORDERS = 150
DEMO_PENDING = 3
HISTORY_DAYS = 30
HISTORY_SEED = 20240619
STAFF_ACTOR = DEMO_OWNER_USERNAME
CARRIERS = (("顺丰速运", "SF"), ("中通快递", "ZT"), ("圆通速递", "YT"), ("京东物流", "JD"))
NICKNAMES = (
    "小鹿乱撞", "阿杰", "橘子汽水", "老王", "晴天", "Momo", "一只猫", "山河", "糖糖", "大熊",
    "柠檬不酸", "Kevin", "南风", "小雨点", "咖啡续命", "阿花", "追风少年", "木木", "栗子", "Lily",
)  # fmt: skip
RECIPIENTS = (
    "王芳", "李娜", "张伟", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴倩",
    "徐明", "孙丽", "马超", "朱婷", "胡军", "郭晶", "何伟", "林琳", "高峰", "罗兰",
)  # fmt: skip
PLACES = (
    ("北京市", "北京市", "朝阳区", "110105", "建国路88号SOHO现代城2号楼1203室"),
    ("上海市", "上海市", "浦东新区", "310115", "世纪大道100号环球金融中心45层"),
    ("广东省", "广州市", "天河区", "440106", "天河路385号太古汇一座2801"),
    ("广东省", "深圳市", "南山区", "440305", "科苑南路2666号中国华润大厦18楼"),
    ("浙江省", "杭州市", "西湖区", "330106", "文三路90号东部软件园3号楼502"),
    ("江苏省", "南京市", "鼓楼区", "320106", "中山北路30号城市名人酒店旁小区5栋"),
    ("四川省", "成都市", "武侯区", "510107", "人民南路四段12号华西坝小区3-2-601"),
    ("湖北省", "武汉市", "洪山区", "420111", "珞喻路1037号华中科技大学紫菘公寓"),
    ("陕西省", "西安市", "雁塔区", "610113", "高新路52号高科大厦1501"),
    ("重庆市", "重庆市", "渝中区", "500103", "解放碑民权路28号英利国际金融中心"),
    ("福建省", "厦门市", "思明区", "350203", "环岛南路3088号曾厝垵社区18号"),
    ("山东省", "青岛市", "市南区", "370202", "香港中路76号颐中皇冠假日公寓1802"),
    ("湖南省", "长沙市", "岳麓区", "430104", "麓山南路932号湖南大学教工宿舍"),
    ("天津市", "天津市", "和平区", "120101", "南京路189号津汇广场2座2206"),
    ("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "650102", "解放北路166号小区2栋1单元"),
)
REMARKS = ("请尽快发货", "送人的，请不要放发票", "周末再送", "放门口快递柜", "谢谢老板")
CANCEL_REASONS = ("不想要了", "地址填错了", "拍错规格了", "找到更便宜的了")
AFTERSALE_REASONS = ("尺码不合适", "颜色和图片有色差", "收到时外包装破损", "七天无理由退货")
REJECT_REASON = "商品已拆封使用，不符合七天无理由退货条件"
# Business grows: recent days weigh more (today counts less: it is not over yet).
DAY_WEIGHTS = [0.6] + [math.exp(-d / 18) for d in range(1, HISTORY_DAYS)]


@dataclass
class DemoOrder:
    """What should happen to one demo order, and when (aware UTC)."""

    member: int  # index into the shoppers
    items: list[tuple[int, int]]  # (sku_id, quantity)
    remark: str | None
    placed_at: datetime
    cancelled_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    received_at: datetime | None = None
    received_by_shopper: bool = True
    completed_at: datetime | None = None
    aftersale: str | None = None  # requested | rejected | refunded
    aftersale_kind: str = "refund_only"
    aftersale_at: datetime | None = None
    order_no: str = ""
    payable_total: int = 0

    def times(self) -> dict[str, datetime]:
        steps = {
            "pending_payment": self.placed_at,
            "cancelled": self.cancelled_at,
            "paid": self.paid_at,
            "shipped": self.shipped_at,
            "received": self.received_at,
            "completed": self.completed_at,
        }
        return {status: at for status, at in steps.items() if at is not None}


@dataclass
class HistorySummary:
    shoppers: int = 0
    orders: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    aftersales: int = 0
    skipped: str | None = None
    seconds: float = 0.0

    def line(self) -> str:
        if self.skipped:
            return f"order history skipped: {self.skipped}"
        statuses = ", ".join(f"{n} {s}" for s, n in sorted(self.statuses.items()))
        return (
            f"{self.shoppers} demo shoppers placed {self.orders} orders over {HISTORY_DAYS} days "
            f"({statuses}; {self.aftersales} after-sales) in {self.seconds:.1f}s"
        )


def plan_history(
    rng: random.Random, skus: Sequence[tuple[int, int]], *, now: datetime
) -> list[DemoOrder]:
    """Deterministic plans for the demo orders, oldest first. ``skus``: (sku id, price)."""
    plans: list[DemoOrder] = []
    for index in range(DEMO_ORDERS):
        member = rng.randrange(DEMO_SHOPPERS)
        lines = 1 if rng.random() < 0.7 else rng.randint(2, 3)
        chosen = rng.sample(list(skus), lines)
        items = [(sku_id, 1 if rng.random() < 0.8 else 2) for sku_id, _ in chosen]
        remark = rng.choice(REMARKS) if rng.random() < 0.15 else None
        if index < DEMO_PENDING:
            # Placed in the last minutes and not paid yet: still within their payment window.
            placed = now - timedelta(minutes=rng.randint(2, 20))
            plans.append(DemoOrder(member, items, remark, placed))
            continue
        # More orders lately, more in the evening (Asia/Shanghai).
        days_ago = rng.choices(range(HISTORY_DAYS), weights=DAY_WEIGHTS)[0]
        hour = rng.choice((9, 10, 11, 12, 13, 14, 15, 16, 19, 20, 20, 21, 21, 22, 22, 23))
        local_day = (now.astimezone(SHANGHAI) - timedelta(days=days_ago)).date()
        placed = datetime.combine(local_day, datetime.min.time(), SHANGHAI) + timedelta(
            hours=hour, minutes=rng.randint(0, 59), seconds=rng.randint(0, 59)
        )
        if placed > now - timedelta(minutes=40):
            placed = now - timedelta(minutes=rng.randint(40, 120))
        plan = DemoOrder(member, items, remark, placed.astimezone(now.tzinfo))
        if rng.random() < 0.09:
            plan.cancelled_at = plan.placed_at + timedelta(minutes=rng.randint(3, 29))
        else:
            plan.paid_at = plan.placed_at + timedelta(minutes=rng.randint(1, 12))
            _plan_fulfilment(rng, plan, now=now)
        plans.append(plan)
    plans.sort(key=lambda p: p.placed_at)
    _plan_aftersales(rng, plans, now=now)
    return plans


def _plan_fulfilment(rng: random.Random, plan: DemoOrder, *, now: datetime) -> None:
    if plan.paid_at is None:
        return
    shipped = plan.paid_at + timedelta(hours=rng.randint(3, 30))
    if shipped > now - timedelta(minutes=10):
        return
    plan.shipped_at = shipped
    plan.received_by_shopper = rng.random() < 0.8
    received = shipped + (
        timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 12))
        if plan.received_by_shopper
        else timedelta(days=10, minutes=rng.randint(1, 600))
    )
    if received > now:
        return
    plan.received_at = received
    completed = received + timedelta(days=7, minutes=rng.randint(1, 600))
    if completed <= now:
        plan.completed_at = completed


def _plan_aftersales(rng: random.Random, plans: Sequence[DemoOrder], *, now: datetime) -> None:
    # Recent deliveries (not completed yet): waiting for the merchant, refused, refunded.
    candidates = [p for p in plans if p.shipped_at is not None and p.completed_at is None]
    outcomes = ["requested"] * 4 + ["rejected"] * 2 + ["refunded"] * 2
    chosen = rng.sample(candidates, min(len(outcomes), len(candidates)))
    for plan, outcome in zip(chosen, outcomes[: len(chosen)], strict=True):
        start = plan.received_at or plan.shipped_at or plan.placed_at
        plan.aftersale = outcome
        plan.aftersale_kind = (
            "return_refund" if outcome == "requested" and rng.random() < 0.5 else "refund_only"
        )
        plan.aftersale_at = min(
            now - timedelta(minutes=5), start + timedelta(hours=rng.randint(2, 30))
        )


def _demo_address(rng: random.Random, index: int) -> dict[str, str]:
    province, city, district, region_code, detail = PLACES[index % len(PLACES)]
    return {
        "recipient": RECIPIENTS[index],
        "phone": f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
        "province": province,
        "city": city,
        "district": district,
        "region_code": region_code,
        "detail": detail,
    }


class _Api:
    """The storefront API, called in-process as a shopper's phone would."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def call(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.request(method, f"/api/v1{path}", headers=headers, **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body


async def _sign_up_shoppers(api: _Api, rng: random.Random) -> list[tuple[str, int]]:
    """WeChat sign-in (the simulator's ``test-<name>`` codes), a nickname and an address each:
    (access token, default address id)."""
    shoppers = []
    for index in range(DEMO_SHOPPERS):
        tokens = await api.call(
            "POST", "/auth/wechat-login", json={"code": f"test-demo-shopper-{index + 1:02d}"}
        )
        token = tokens["access_token"]
        await api.call("PATCH", "/me", token, json={"nickname": NICKNAMES[index]})
        address = await api.call(
            "POST",
            "/me/addresses",
            token,
            json={**_demo_address(rng, index), "is_default": True},
        )
        shoppers.append((token, int(address["id"])))
    return shoppers


async def _demo_skus(ctx: AppContext) -> list[tuple[int, int]]:
    """(sku id, price) of every SKU on sale with stock to spare."""
    out = []
    cursor = None
    async with ctx.sessionmaker() as session:
        while True:
            products, cursor = await catalog.list_products_admin(
                session, q=None, status="on_sale", category_id=None, cursor=cursor, limit=100
            )
            out += [
                (s.id, s.price)
                for p in products
                for s in p.skus
                if s.is_active and s.available >= 30
            ]
            if cursor is None:
                return sorted(out)


async def seed_order_history(settings: Settings, *, now: datetime | None = None) -> HistorySummary:
    """Shoppers sign in, buy, pay (WeChat Pay simulator), cancel, confirm receipt and ask for
    refunds through the real API; staff ship and handle after-sales through ``orders.public``;
    then orders and payments move each order into the past (their seed-only
    ``backdate_for_demo``) and the orders completion job finishes what is due. Needs the embedded
    WeChat simulators."""
    started = time.perf_counter()
    summary = HistorySummary()
    if not settings.is_embedded:
        summary.skipped = "it needs the embedded WeChat Pay simulator"
        return summary
    from shoplet.app import create_app  # the app imports the modules this file seeds through

    app = create_app(
        settings.model_copy(
            update={"run_worker_in_process": False, "serve_frontends": False, "access_log": False}
        )
    )
    rng = random.Random(HISTORY_SEED)  # noqa: S311  (demo data, not security)
    async with app.router.lifespan_context(app):
        ctx: AppContext = app.state.ctx
        integrations: Integrations = app.state.integrations
        simulator = integrations.wechat_pay_simulator
        if simulator is None:
            summary.skipped = "the WeChat Pay simulator is not running"
            return summary
        now = now or utcnow()
        transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://seed.shoplet") as client:
            api = _Api(client)
            shoppers = await _sign_up_shoppers(api, rng)
            plans = plan_history(rng, await _demo_skus(ctx), now=now)
            for plan in plans:
                await _place(api, simulator, shoppers, plan)
            await payments.settle(ctx)
            await _fulfil(ctx, api, shoppers, plans)
            await _aftersales(ctx, api, simulator, shoppers, plans)
        await _backdate(ctx, plans)
    summary.shoppers = len(shoppers)
    summary.orders = len(plans)
    async with ctx.sessionmaker() as session:
        for plan in plans:
            order = await orders.get_order_admin(session, ctx.pii, plan.order_no)
            summary.statuses[order.status] = summary.statuses.get(order.status, 0) + 1
    summary.aftersales = sum(1 for p in plans if p.aftersale)
    summary.seconds = time.perf_counter() - started
    return summary


async def _place(
    api: _Api, simulator: WeChatPaySimulator, shoppers: Sequence[tuple[str, int]], plan: DemoOrder
) -> None:
    token, address_id = shoppers[plan.member]
    order = await api.call(
        "POST",
        "/orders",
        token,
        json={
            "address_id": address_id,
            "items": [{"sku_id": sku_id, "quantity": n} for sku_id, n in plan.items],
            "remark": plan.remark,
        },
        headers={"Idempotency-Key": hashlib.sha256(repr(plan).encode()).hexdigest()[:32]},
    )
    plan.order_no = order["order_no"]
    plan.payable_total = order["payable_total"]
    if plan.cancelled_at is not None:
        reason = CANCEL_REASONS[len(plan.order_no) % len(CANCEL_REASONS)]
        await api.call("POST", f"/orders/{plan.order_no}/cancel", token, json={"reason": reason})
    elif plan.paid_at is not None:
        payment = await api.call(
            "POST", f"/orders/{plan.order_no}/pay", token, json={"channel": "wechat_jsapi"}
        )
        await simulator.pay(payment["prepay_id"])


async def _fulfil(
    ctx: AppContext, api: _Api, shoppers: Sequence[tuple[str, int]], plans: Sequence[DemoOrder]
) -> None:
    for index, plan in enumerate(plans):
        if plan.shipped_at is None:
            continue
        carrier, prefix = CARRIERS[index % len(CARRIERS)]
        async with unit_of_work(ctx.sessionmaker) as session:
            await orders.ship_order(
                session,
                order_no=plan.order_no,
                carrier=carrier,
                tracking_no=f"{prefix}{7_300_000_000 + index * 7919:012d}",
                actor=STAFF_ACTOR,
                pii=ctx.pii,
            )
        if plan.received_at is not None and plan.received_by_shopper:
            token = shoppers[plan.member][0]
            await api.call("POST", f"/orders/{plan.order_no}/confirm-receipt", token)
    await payments.settle(ctx)


async def _aftersales(
    ctx: AppContext,
    api: _Api,
    simulator: WeChatPaySimulator,
    shoppers: Sequence[tuple[str, int]],
    plans: Sequence[DemoOrder],
) -> None:
    refunds = []
    for index, plan in enumerate(plans):
        if plan.aftersale is None:
            continue
        amount = (
            plan.payable_total if plan.aftersale == "refunded" else max(1, plan.payable_total // 2)
        )
        created = await api.call(
            "POST",
            f"/orders/{plan.order_no}/aftersales",
            shoppers[plan.member][0],
            json={
                "kind": plan.aftersale_kind,
                "reason": AFTERSALE_REASONS[index % len(AFTERSALE_REASONS)],
                "amount": amount,
            },
        )
        aftersale_no = created["aftersale_no"]
        async with unit_of_work(ctx.sessionmaker) as session:
            if plan.aftersale == "rejected":
                await orders.reject_aftersale(
                    session, aftersale_no=aftersale_no, reason=REJECT_REASON, actor=STAFF_ACTOR
                )
            elif plan.aftersale == "refunded":
                refunds.append(
                    await orders.approve_aftersale(
                        session, aftersale_no=aftersale_no, actor=STAFF_ACTOR
                    )
                )
    await payments.settle(ctx)
    # The simulator answers refunds PROCESSING; WeChat settles them a little later.
    async with ctx.sessionmaker() as session:
        for aftersale in refunds:
            for refund in await payments.refunds_for_order(session, aftersale.order_no):
                if refund.status != "succeeded":
                    await simulator.complete_refund(refund.refund_no)
    await payments.settle(ctx)


async def _backdate(ctx: AppContext, plans: Sequence[DemoOrder]) -> None:
    """Move every order to its planned times; let the completion job receive (after 10 days)
    and complete (7 days after receipt) what is due, as it would have; repeat until settled."""
    for _ in range(3):
        async with unit_of_work(ctx.sessionmaker) as session:
            for plan in plans:
                await orders.backdate_for_demo(
                    session, plan.order_no, times=plan.times(), aftersale_at=plan.aftersale_at
                )
                if plan.paid_at is not None:
                    await payments.backdate_for_demo(
                        session, plan.order_no, paid_at=plan.paid_at, refunded_at=plan.aftersale_at
                    )
        await run_job(ctx, "orders.auto_complete")
        await payments.settle(ctx)


async def run_seed(settings: Settings, *, only_if_empty: bool, history: bool = True) -> str:
    """``shoplet seed``: seed the demo catalog into the configured database in one transaction,
    then (``history``) the demo order history and, in embedded mode only, the demo owner."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.resolved_database_url)
    try:
        async with unit_of_work(create_sessionmaker(engine)) as session:
            if only_if_empty and await catalog.has_products(session):
                return "the shop already has products: demo seed skipped"
            summary = await seed_catalog(session, settings.media_dir)
            # Hook point: `_seed_accounts(session, settings)` (demo staff and shopper accounts)
            # runs here, in the same transaction, once the console and members modules add it.
    finally:
        await engine.dispose()
    lines = [summary.line()]
    if history:
        lines.append((await seed_order_history(settings)).line())
    if settings.is_embedded:
        lines.append(await seed_demo_owner(settings))
    return "\n".join(lines)


async def seed_demo_owner(settings: Settings) -> str:
    """Embedded mode only: the console owner ``demo-owner`` (password ``shoplet-demo-owner``,
    documented in the README; the first sign-in enrols an authenticator app, as for any owner).
    The password is never printed."""
    if not settings.is_embedded:
        return "demo owner not created outside embedded mode"
    try:
        await console.create_staff_account(
            settings,
            username=DEMO_OWNER_USERNAME,
            password=DEMO_OWNER_PASSWORD,
            role="owner",
            display_name="演示店主",
        )
    except ShopletError as exc:
        return f"demo owner {DEMO_OWNER_USERNAME!r} not created: {exc.detail}"
    return f"console owner {DEMO_OWNER_USERNAME!r} created (password: see README, embedded only)"

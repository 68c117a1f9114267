#!/usr/bin/env python3
"""Writes tests/corpus/: small real-looking government pages with channel labels.

Each page is hand-written below: what it shows and which channels it proves. Pages
with `gbk=True` are written in GBK (with a meta charset, or with none when
`charset=False`). Re-run after editing: python3 tools/make_corpus.py
"""
import csv, os, sys
sys.path.insert(0, os.path.dirname(__file__))
from corpus_more import P2, chrome

CHANNELS = ["weibo", "wechat", "app", "service_hall", "consultation", "email", "hotline",
            "douyin", "kuaishou", "toutiao", "wechat_channels", "bilibili", "mini_program"]
OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "corpus")

def page(title, body, host, charset="utf-8"):
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"""<!DOCTYPE html>
<html><head>{meta}<title>{title}</title>
<link rel="stylesheet" href="/css/style.css"></head>
<body>
<div class="top"><a href="http://{host}/">首页</a> | <a href="http://{host}/zwgk/">政务公开</a> | <a href="http://{host}/xwzx/">新闻中心</a></div>
{body}
<div class="footer"><p>主办：{title.split('_')[-1]} 网站标识码：3301000001 ICP备案号：浙ICP备05001234号</p></div>
</body></html>
"""

ARTICLE = "<p>为深入贯彻落实党中央、国务院决策部署，全面推进政务公开工作，进一步优化营商环境，现将有关事项通知如下。各级各部门要高度重视，认真组织实施，确保各项工作落到实处。</p>"
SHARE = """<div class="bdsharebuttonbox"><a href="#" class="bds_more" data-cmd="more">分享到：</a><a href="#" class="bds_tsina" data-cmd="tsina" title="分享到新浪微博"></a><a href="#" class="bds_weixin" data-cmd="weixin" title="分享到微信"></a></div>"""

# (file, owner, url, body, yes-channels, options)
P = [
 ("c01_weibo_account.html", "杭州市人民政府", "https://www.hangzhou.gov.cn/",
  '<div class="xmt"><a href="https://weibo.com/hangzhoufabu" target="_blank"><img src="/images/wb.png" alt="杭州发布"></a> 政务微博</div>', {"weibo"}),
 ("c02_weibo_widget.html", "宁波市人民政府", "http://www.ningbo.gov.cn/",
  '<div class="side"><h3>官方微博</h3><iframe src="https://widget.weibo.com/weiboshow/index.php?uid=1234567890" width="250" height="400"></iframe></div>', {"weibo"}),
 ("c03_weibo_icon_entry.html", "温州市人民政府", "http://www.wenzhou.gov.cn/",
  '<div class="topbar"><a href="http://www.wenzhou.gov.cn/xmt/" alt="微博"><i class="icon-weibo"></i></a><a href="http://www.wenzhou.gov.cn/zwfw/">政务服务</a></div>', {"weibo"}),
 ("c04_share_buttons_only.html", "湖州市人民政府_湖州市人民政府", "http://www.huzhou.gov.cn/art/2024/5/6/art_1_1.html",
  "<h1>关于开展安全生产检查的通知</h1>" + ARTICLE + SHARE, set()),
 ("c05_weibo_share_link.html", "嘉兴市人民政府", "http://www.jiaxing.gov.cn/art/1.html",
  "<h1>嘉兴召开工作会议</h1>" + ARTICLE + '<a href="http://service.weibo.com/share/share.php?url=http://www.jiaxing.gov.cn/art/1.html&title=x" target="_blank">微博</a>', set()),
 ("c06_national_channels.html", "绍兴市人民政府", "http://www.sx.gov.cn/",
  '<div class="links"><a href="https://weibo.com/chinagov">中国政府网微博</a> <a href="http://app.www.gov.cn/download/">国务院客户端</a> <a href="https://www.gov.cn/">中国政府网</a></div>', set()),
 ("c07_guanwei_qr.html", "金华市人民政府", "http://www.jinhua.gov.cn/",
  '<div class="ewm"><img src="/images/ewm.jpg"><p>金华官微</p></div>', set()),
 ("c08_wechat_profile.html", "衢州市人民政府", "http://www.qz.gov.cn/",
  '<div class="xmt"><a href="https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzA3NjQ0NjY0MA==">衢州发布</a></div>', {"wechat"}),
 ("c09_wechat_qr_alt.html", "舟山市人民政府", "http://www.zhoushan.gov.cn/",
  '<div class="footer-qr"><img src="/images/qr01.png" alt="舟山发布微信公众号二维码"></div>', {"wechat"}),
 ("c10_wechat_qr_gbk.html", "台州市人民政府", "http://www.zjtz.gov.cn/",
  '<div class="ewm"><img src="/images/zwwx.jpg"><span>扫码关注</span></div><div class="ewm"><img src="/images/mobile.png"><span>手机门户</span></div>', {"wechat", "app"}, {"gbk": True}),
 ("c11_wechat_js_entry.html", "丽水市人民政府", "http://www.lishui.gov.cn/",
  '<ul class="quick_bar"><li><a href="javascript:void(0)">政务微信</a><div class="pop"><img src="/images/wx.png"></div></li></ul>', {"wechat"}),
 ("c12_share_to_wechat_popup.html", "合肥市人民政府", "http://www.hefei.gov.cn/xxgk/1.html",
  "<h1>合肥市召开常务会议</h1>" + ARTICLE + '<div class="share-wx"><img src="/images/qrcode.png"><p>分享到微信朋友圈</p></div>', set()),
 ("c13_mentions_in_news.html", "芜湖市人民政府", "http://www.wuhu.gov.cn/xwzx/1.html",
  "<h1>芜湖深化政务新媒体建设</h1><p>近年来，我市持续加强政务微博、微信公众号和政务APP建设，市民可通过拨打12345市民服务热线或登录网上办事大厅办理业务，市长信箱全年共受理来信三千余件，群众满意度不断提升。</p>" + SHARE, set()),
 ("c14_app_store.html", "南京市人民政府", "https://www.nanjing.gov.cn/",
  '<div class="app"><a href="https://apps.apple.com/cn/app/id1234567890">我的南京 iOS版</a></div>', {"app"}),
 ("c15_app_apk.html", "苏州市人民政府", "https://www.suzhou.gov.cn/",
  '<div class="app"><a href="/download/szapp.apk">苏周到 安卓版下载</a></div>', {"app"}),
 ("c16_mobile_portal.html", "无锡市人民政府", "http://www.wuxi.gov.cn/",
  '<div class="top-right"><a href="http://m.wuxi.gov.cn/">手机版</a> <a href="http://www.wuxi.gov.cn/hdjl/">互动交流</a></div>', {"app"}),
 ("c17_third_party_apps.html", "常州市人民政府", "http://www.changzhou.gov.cn/",
  '<div class="links"><a href="https://www.dingtalk.com/">钉钉</a> <a href="https://zlb.zj.gov.cn/">浙里办APP</a> <a href="https://openapi.alipay.com/x">支付宝赣服通</a></div>', set()),
 ("c18_current_page_qr.html", "徐州市人民政府", "http://www.xz.gov.cn/zwgk/1.html",
  "<h1>徐州市政府常务会议</h1>" + ARTICLE + '<div class="qrcode"><img src="/images/qr.png"><p>扫一扫在手机打开当前页</p></div>', set()),
 ("c19_guowuyuan_app.html", "扬州市人民政府", "http://www.yangzhou.gov.cn/",
  '<div class="foot-links"><a href="http://app.www.gov.cn/download/Chinese.html">国务院客户端</a></div>', set()),
 ("c20_zwfw_host.html", "福州市人民政府", "http://www.fuzhou.gov.cn/",
  '<div class="banner"><a href="https://fz.zwfw.fujian.gov.cn/"><img src="/images/zwfw.jpg" alt=""></a></div>', {"service_hall"}),
 ("c21_service_hall_label.html", "厦门市人民政府", "http://www.xm.gov.cn/",
  '<div class="nav"><a href="http://www.xm.gov.cn/bsfw/">网上办事大厅</a></div>', {"service_hall"}),
 ("c22_headline_not_label.html", "泉州市人民政府", "http://www.quanzhou.gov.cn/xwzx/",
  '<ul class="list"><li><a href="/xwzx/1.html">泉州推进政务服务标准化规范化便利化工作综述</a></li><li><a href="/xwzx/2.html">关于进一步优化网上办事大厅功能的调研报告发布</a></li></ul>', set()),
 ("c23_consultation_form.html", "南昌市人民政府", "http://www.nc.gov.cn/hdjl/xx.html",
  '<h2>我要写信</h2><form action="/hdjl/submit" method="post"><label>信件标题</label><input name="t"><label>信件内容</label><textarea name="c"></textarea><input type="submit" value="提交"></form>', {"consultation"}),
 ("c24_mayor_mailbox.html", "九江市人民政府", "http://www.jiujiang.gov.cn/",
  '<div class="hd"><a href="http://www.jiujiang.gov.cn/hdjl/szxx/">市长信箱</a></div>', {"consultation"}),
 ("c25_interaction_gbk.html", "赣州市人民政府", "http://www.ganzhou.gov.cn/",
  '<div class="nav"><a href="/gzszf/c100024/list.shtml">互动交流</a></div>', set(), {"gbk": True, "charset": False}),
 ("c26_mailto.html", "济南市人民政府", "http://www.jinan.gov.cn/",
  '<div class="contact"><a href="mailto:jnszfxxgk@jn.shandong.cn">联系邮箱</a></div>', {"email"}),
 ("c27_email_hash.html", "青岛市人民政府", "http://www.qingdao.gov.cn/",
  '<div class="footer-info"><p>电子邮箱：qdzwgk#qingdao.gov.cn</p></div>', {"email"}),
 ("c28_email_plain.html", "淄博市人民政府", "http://www.zibo.gov.cn/",
  '<div class="footer-info"><p>zbzfxxgk@zibo.gov.cn</p></div>', {"email"}),
 ("c29_email_at_word.html", "烟台市人民政府", "http://www.yantai.gov.cn/",
  '<div class="contact"><span>投稿信箱：ytzw(at)yantai.gov.cn</span></div>', {"email"}),
 ("c30_email_fullwidth_gbk.html", "潍坊市人民政府", "http://www.weifang.gov.cn/",
  '<div class="contact"><span>公开信箱：wfxxgk＠weifang.gov.cn</span></div>', {"email"}, {"gbk": True}),
 ("c31_webmail_link.html", "郑州市人民政府", "http://www.zhengzhou.gov.cn/",
  '<div class="top"><a href="https://mail.zhengzhou.gov.cn/">政务邮箱</a></div>', set()),
 ("c32_webmail_path.html", "洛阳市人民政府", "http://www.ly.gov.cn/",
  '<div class="top"><a href="http://www.ly.gov.cn/webmail/">邮箱登录</a></div>', set()),
 ("c33_hotline_text.html", "武汉市人民政府", "http://www.wuhan.gov.cn/",
  '<div class="footer-info"><p>市民服务热线：027-12345</p></div>', {"hotline"}),
 ("c34_tel_link.html", "宜昌市人民政府", "http://www.yichang.gov.cn/",
  '<div class="contact"><a href="tel:0717-6222345">政务咨询电话</a></div>', {"hotline"}),
 ("c35_hotline_link.html", "襄阳市人民政府", "http://www.xiangyang.gov.cn/",
  '<div class="quick"><a href="http://www.xy12345.cn/">12345政务服务热线</a></div>', {"hotline"}),
 ("c36_webmaster_phone.html", "长沙市人民政府", "http://www.changsha.gov.cn/",
  '<div class="footer-info"><p>网站联系电话：0731-88665432 传真：0731-88665433</p></div>', set()),
 ("c37_hotline_in_news_gbk.html", "株洲市教育局", "http://jyj.zhuzhou.gov.cn/xwzx/1.html",
  "<h1>株洲市教育局开展暑期安全教育</h1><p>为切实做好暑期学生安全工作，市教育局要求各学校加强安全教育，家长如发现安全隐患，可拨打12345市民服务热线反映，相关部门将及时处理，确保广大学生度过一个平安、健康的暑假。</p>", set(), {"gbk": True}),
 ("c38_tech_support_phone.html", "湘潭市人民政府", "http://www.xiangtan.gov.cn/",
  '<div class="footer-info"><p>技术支持：湘潭某某信息科技有限公司 电话：0731-58123456</p></div>', set()),
 ("c39_portal_gbk_no_charset.html", "广州市人民政府", "https://www.gz.gov.cn/",
  """<div class="header"><a href="https://www.gz.gov.cn/hdjy/">互动交流</a><a href="http://www.gzonline.gov.cn/">广州政务服务网</a></div>
<div class="xmt"><a href="https://weibo.com/gzfb"><img src="/img/wb.png" alt="广州发布 政务微博"></a>
<img src="/img/ewm_wx.jpg" alt="广州发布微信"><a href="http://m.gz.gov.cn/">移动门户</a></div>
<div class="footer-info"><p>政府服务热线：12345 联系邮箱：gzszfxxgk@gz.gov.cn 网站联系电话：020-83123456</p></div>""",
  {"weibo", "wechat", "app", "service_hall", "email", "hotline"}, {"gbk": True, "charset": False}),
 ("c40_plain_article.html", "深圳市人民政府", "http://www.sz.gov.cn/cn/xxgk/1.html",
  "<h1>深圳市人民政府关于印发有关规划的通知</h1>" + ARTICLE * 3, set()),
 ("c41_12377_badge.html", "珠海市人民政府", "http://www.zhuhai.gov.cn/",
  '<div class="footer-badges"><a href="https://www.12377.cn/"><img src="/img/12377.png" alt="违法和不良信息举报中心"></a></div>', set()),
 ("c42_mailbox_in_prose.html", "佛山市人民政府", "http://www.foshan.gov.cn/xwzx/1.html",
  "<h1>佛山市答复市民来信情况</h1><p>今年以来，市长信箱和领导信箱共收到群众来信一千二百余件，已全部按时办结，办结率达百分之百，群众对答复的满意率持续提高，有关部门将继续做好来信办理工作。</p>", set()),
]

def main():
    os.makedirs(OUT, exist_ok=True)
    rows = []
    for item in P:
        f, owner, url, body, yes = item[:5]
        opts = item[5] if len(item) > 5 else {}
        host = url.split("/")[2]
        if opts.get("gbk"):
            html = page(f"{owner}", body, host, "gbk" if opts.get("charset", True) else None)
            data = html.encode("gbk")
        else:
            data = page(f"{owner}", body, host).encode("utf-8")
        with open(os.path.join(OUT, f), "wb") as fh:
            fh.write(data)
        for ch in CHANNELS:
            rows.append([f, owner, url, ch, "yes" if ch in yes else "no", ""])
    for f, owner, url, family, body, yes in P2:
        host = url.split("/")[2]
        html = chrome(family, owner, host, body)
        data = html.encode("gbk") if family == "table2014" else html.encode("utf-8")
        with open(os.path.join(OUT, f), "wb") as fh:
            fh.write(data)
        for ch in CHANNELS:
            rows.append([f, owner, url, ch, "yes" if ch in yes else "no", ""])
    with open(os.path.join(OUT, "labels.csv"), "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "owner", "page_url", "channel", "label", "evidence"])
        w.writerows(rows)
    print(f"{len(P) + len(P2)} pages, {len(rows)} labels")

main()

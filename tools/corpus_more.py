"""More corpus pages for tools/make_corpus.py: department sites and CMS families.

Written in our own words, in the shapes real portals take: jcms/hanweb (`/col/colNNN/`,
`/art/…/art_N_M.html`, barrier-free toolbars), TRS (`t20231205_123456.html`,
`TRS_Editor`), Guangdong `gkmlpt`, `.shtml`/`.jsp` sites, 2014-era table layouts, and
Vue/Angular shells with little static HTML. Most are department pages (住建局, 公积金中心,
教育局, 交通运输局, 交管局, 卫健委, 生态环境局); each carries the traps a real one does.

Each entry: (file, owner, page_url, family, body, yes-channels[, options]).
"""

NEWS = ("<p>近日，{o}召开专题会议，研究部署下一阶段重点工作。会议强调，要坚持以人民为中心，"
        "切实提升服务质量和效率，推动各项任务落地见效。</p>")


def chrome(family, owner, host, body, extra_head=""):
    """The page around `body`, as a CMS family draws it."""
    foot = (f'<div class="footer"><p>主办单位：{owner}　网站标识码：3302000012</p>'
            f'<p>浙ICP备12345号-1　<a href="https://www.12377.cn/">违法和不良信息举报</a></p></div>')
    if family == "jcms":
        return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{owner}</title>
<meta name="SiteName" content="{owner}"><meta name="SiteDomain" content="{host}">{extra_head}
<script src="/module/jslib/jquery/jquery.js"></script></head><body>
<div id="barrierfree_container"><div class="top"><a href="javascript:void(0)" id="cniil_wza">无障碍浏览</a> <a href="/col/col1229/index.html">English</a></div>
<div class="nav"><ul><li><a href="/index.html">首页</a></li><li><a href="/col/col1230/index.html">政务公开</a></li><li><a href="/col/col1231/index.html">政务服务</a></li><li><a href="/col/col1232/index.html">互动交流</a></li></ul></div>
{body}
{foot}</div></body></html>"""
    if family == "trs":
        return f"""<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><title>{owner}</title>{extra_head}
<link href="../../images/style.css" rel="stylesheet"></head><body>
<div class="header"><div class="logo"><img src="../../images/logo.png" alt="{owner}"></div>
<div class="menu"><a href="../../">首页</a><a href="../../xxgk/">信息公开</a><a href="../../bsfw/">办事服务</a><a href="../../gzcy/">公众参与</a></div></div>
<div class="main">{body}</div>
{foot}</body></html>"""
    if family == "gkmlpt":
        return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{owner}</title>{extra_head}</head><body>
<div class="gkmlpt-header"><a href="/gkmlpt/index">政府信息公开</a><a href="/gkmlpt/policy">政策文件</a></div>
<div id="content" class="gkmlpt-content">{body}</div>
<div class="gkmlpt-footer">{foot}</div></body></html>"""
    if family == "table2014":
        return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{owner}</title>{extra_head}</head>
<body leftmargin="0" topmargin="0"><table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
<tr><td height="120" background="images/top_bg.jpg"><img src="images/logo.gif" width="400" height="80"></td></tr>
<tr><td class="nav"><a href="index.jsp">首 页</a> | <a href="list.jsp?lm=2">工作动态</a> | <a href="list.jsp?lm=3">政务公开</a> | <a href="list.jsp?lm=4">网上服务</a></td></tr>
<tr><td>{body}</td></tr>
<tr><td class="bottom" align="center">{foot}</td></tr></table></body></html>"""
    if family == "vue":
        return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{owner}</title>{extra_head}
<link href="/static/css/app.3f2a.css" rel="stylesheet"></head><body>
<noscript><strong>请开启浏览器的JavaScript功能以正常浏览本网站。</strong></noscript>
<div id="app">{body}</div>
<script src="/static/js/chunk-vendors.81c2.js"></script><script src="/static/js/app.9d1e.js"></script></body></html>"""
    # shtml: a plain server-side-include site
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{owner}</title>{extra_head}</head><body>
<div class="top-bar"><a href="/index.shtml">首页</a> <a href="/zwgk/index.shtml">政务公开</a> <a href="/hdjl/index.shtml">政民互动</a></div>
{body}
{foot}</body></html>"""


SHARE = ('<div class="bdsharebuttonbox"><a href="#" class="bds_more" data-cmd="more">分享到：</a>'
         '<a href="#" class="bds_tsina" data-cmd="tsina" title="分享到新浪微博"></a>'
         '<a href="#" class="bds_weixin" data-cmd="weixin" title="分享到微信"></a></div>')

P2 = [
 # ---------- housing: 住建局, 公积金中心 ----------
 ("d01_gjj_home_12329.html", "宁波市住房公积金管理中心", "http://zfgjj.ningbo.gov.cn/", "jcms",
  '<div class="gjj-box"><ul class="kjfw"><li><a href="https://gjj.zwfw.ningbo.gov.cn/">网上业务大厅</a></li><li><a href="/col/col1240/index.html">政策法规</a></li></ul></div>'
  '<div class="foot-tel"><p>住房公积金服务热线：(86-574)12329</p><p>传真：0574-87361234</p></div>', {"service_hall", "hotline"}),
 ("d02_gjj_article_mentions.html", "宁波市住房公积金管理中心", "http://zfgjj.ningbo.gov.cn/art/2024/3/5/art_1240_99.html", "jcms",
  "<h1>关于调整住房公积金缴存基数的通知</h1>" + NEWS.format(o="市住房公积金管理中心") +
  "<p>缴存职工如有疑问，可拨打12329住房公积金服务热线或登录网上业务大厅咨询，也可关注中心微信公众号了解最新政策。</p>" + SHARE, set()),
 ("d03_gjj_wechat_bg_qr.html", "温州市住房公积金管理中心", "http://wzgjj.wenzhou.gov.cn/", "shtml",
  '<div class="ewm-list"><div class="ewm-item" style="background:url(/images/gzh-bg.png) no-repeat"><span>微信</span><p>扫一扫关注我们</p></div></div>'
  '<div class="lxfs"><p>咨询电话：0577-12329</p></div>', {"wechat", "hotline"}),
 ("d04_zjj_home_12319.html", "杭州市城乡建设委员会", "http://cxjw.hangzhou.gov.cn/", "jcms",
  '<div class="bsfw"><a href="https://www.zjzwfw.gov.cn/zjzw/item/list/index.do?webId=1">浙江政务服务网</a></div>'
  '<div class="foot-info"><p>城建服务热线：12319</p><p>网站联系电话：0571-87012345</p></div>', {"service_hall", "hotline"}),
 ("d05_zjj_mailbox_form.html", "苏州市住房和城乡建设局", "http://zjj.suzhou.gov.cn/szszjj/jzxx/jzxx.shtml", "shtml",
  '<h2>局长信箱</h2><form action="/szszjj/jzxx/save.do" method="post"><p><label>姓名</label><input name="xm"></p>'
  '<p><label>来信内容</label><textarea name="nr" rows="8"></textarea></p><p><input type="submit" value="提交信件"></p></form>', {"consultation"}),
 ("d06_zjj_section_only.html", "无锡市住房和城乡建设局", "http://js.wuxi.gov.cn/", "trs",
  '<div class="lm"><a href="../../hdjl/">政民互动</a><a href="../../bsfw/">办事服务</a><a href="../../xxgk/">政府信息公开</a></div>'
  '<div class="news"><ul><li><a href="./t20240302_1234567.html">全市建筑施工安全生产会议召开</a></li></ul></div>', set()),
 ("d07_fgj_shareicon_account.html", "厦门市住房保障和房屋管理局", "http://zfj.xm.gov.cn/", "shtml",
  '<div class="xmt-links"><a href="https://weibo.com/xmfgj" class="shareicon3" title="厦门房管">新浪微博</a>'
  '<a href="https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzI0NTg1MjQzMw==" class="shareicon4">微信公众号</a></div>', {"weibo", "wechat"}),
 ("d08_gjj_gkmlpt_article.html", "深圳市住房公积金管理中心", "http://zjj.sz.gov.cn/gkmlpt/content/10/10123/post_10123456.html", "gkmlpt",
  "<h1>深圳市住房公积金管理中心2023年年度报告</h1><div class=\"article-content\">" + NEWS.format(o="中心") * 2 +
  "<p>（二）服务渠道。全年12329热线接听来电一百二十万人次，网上业务大厅办理业务占比百分之九十以上。</p></div>", set()),
 ("d09_zjj_2014_table.html", "湖州市住房和城乡建设局", "http://jsj.huzhou.gov.cn/", "table2014",
  '<table width="100%"><tr><td width="50%"><a href="list.jsp?lm=9">局长信箱</a></td><td><a href="http://hz.zjzwfw.gov.cn/">网上办事</a></td></tr>'
  '<tr><td colspan="2">地址：湖州市仁皇山路1号 邮编：313000 电话：0572-2398000 传真：0572-2398001</td></tr></table>', {"consultation", "service_hall"}),
 ("d10_gjj_vue_shell.html", "合肥市住房公积金管理中心", "https://gjj.hefei.gov.cn/", "vue",
  '', set()),
 ("d11_gjj_footer_lines.html", "南宁住房公积金管理中心", "http://gjj.nanning.gov.cn/", "trs",
  '<div class="dibu"><p>服务热线：0771-12329　投诉电话：0771-5536789</p><p>技术支持：广西某某信息技术有限公司 0771-5678901</p></div>', {"hotline"}),
 ("d12_zjj_app_qr_caption.html", "成都市住房和城乡建设局", "http://cdzj.chengdu.gov.cn/", "jcms",
  '<div class="app-qr"><img src="/cdzj/images/app_ewm.png"><p>成都住建APP</p></div><div class="qr"><img src="/cdzj/images/wb.png"><p>住建官微</p></div>', {"app"}),
 ("d13_gjj_mini_program_ad.html", "重庆市住房公积金管理中心", "http://gjj.cq.gov.cn/", "shtml",
  '<div class="ads"><a href="https://www.jd.com/"><img src="/ad/jd.png" alt="京东小程序"></a><img src="/images/wxpay.png" alt="微信支付"></div>'
  '<div class="tel"><p>12329 住房公积金热线</p></div>', {"hotline"}),
 # ---------- education: 教育局 ----------
 ("d14_jyj_home.html", "杭州市教育局", "http://edu.hangzhou.gov.cn/", "jcms",
  '<div class="kjrk"><a href="/col/col1228/index.html">局长信箱</a><a href="http://hz.zjzwfw.gov.cn/col/col1229/index.html">网上办事大厅</a>'
  '<a href="https://weibo.com/hzjyfb" target="_blank"><img src="/images/wb.png" alt="杭州教育发布 微博"></a></div>'
  '<div class="foot"><p>教育咨询电话：0571-85171234　传真：0571-85171235</p></div>', {"consultation", "service_hall", "weibo", "hotline"}),
 ("d15_jyj_article_12345.html", "宁波市教育局", "http://jyj.ningbo.gov.cn/art/2024/6/1/art_1229_3456.html", "jcms",
  "<h1>关于做好2024年中考招生工作的通知</h1>" + NEWS.format(o="市教育局") +
  "<p>考生和家长如有疑问，可拨打12345政务服务热线或登录市教育局门户网站查询。</p>" + SHARE, set()),
 ("d16_jyj_wechat_qr.html", "温州市教育局", "http://edu.wenzhou.gov.cn/", "jcms",
  '<div class="side-ewm"><img src="/picture/0/s_wzjy_gzh.jpg" alt="温州教育微信公众号"></div>', {"wechat"}),
 ("d17_jyj_douyin_province.html", "金华市教育局", "http://jyj.jinhua.gov.cn/", "jcms",
  '<div class="xmt"><a href="https://weibo.com/zjjyt"><img src="/images/wb.png" alt="浙江教育发布"></a>'
  '<a href="http://www.jinhua.gov.cn/col/col1229160/index.html">政务新媒体</a></div>', set()),
 ("d18_jyj_trs_home.html", "广州市教育局", "http://jyj.gz.gov.cn/", "trs",
  '<div class="hdjl-box"><a href="../../hdjl/jzxx/">局长信箱</a><a href="../../hdjl/zxzx/">在线咨询</a></div>'
  '<div class="contact"><p>电子邮箱：gzjyxxgk#gz.gov.cn</p></div>', {"consultation", "email"}),
 ("d19_jyj_gkmlpt.html", "佛山市教育局", "http://edu.foshan.gov.cn/gkmlpt/content/5/5678/post_5678901.html", "gkmlpt",
  "<h1>佛山市教育局关于公布2024年民办学校名单的通知</h1><div>" + NEWS.format(o="市教育局") + "</div>"
  '<div class="fj"><a href="/attachment/0/123/123456/5678901.pdf">附件：名单.pdf</a></div>', set()),
 ("d20_jyj_2014_email.html", "洛阳市教育局", "http://www.lyjy.gov.cn/", "table2014",
  '<table><tr><td>联系我们</td></tr><tr><td>地址：洛阳市开元大道1号　邮箱：lyjyj@163.com　电话：0379-63901234</td></tr></table>', {"email"}),
 ("d21_jyj_mailto_staff.html", "常州市教育局", "http://jyj.changzhou.gov.cn/", "shtml",
  '<div class="top-links"><a href="http://mail.changzhou.gov.cn/">政务邮箱</a><a href="mailto:czjyxf@changzhou.gov.cn">信访邮箱</a></div>', {"email"}),
 ("d22_jyj_vue_nav.html", "郑州市教育局", "https://zzjy.zhengzhou.gov.cn/", "vue",
  '<div class="nav-fallback"><a href="/#/home">首页</a><a href="/#/interaction">互动交流</a></div>', set()),
 ("d23_jyj_kuaishou_share.html", "徐州市教育局", "http://jyj.xz.gov.cn/art/2024/4/2/art_1_2.html", "jcms",
  "<h1>徐州市举行中小学生运动会</h1>" + NEWS.format(o="市教育局") +
  '<div class="share"><a href="https://www.douyin.com/share/video/7345">分享到抖音</a><a href="http://service.weibo.com/share/share.php?url=x">分享到微博</a></div>', set()),
 ("d24_jyj_hotline_label.html", "长沙市教育局", "http://jyj.changsha.gov.cn/", "trs",
  '<div class="rx"><span>教育服务热线</span><b>0731-88665566</b></div><div class="gz"><p>违法和不良信息举报电话：0731-88660000</p></div>', {"hotline"}),
 ("d25_jyj_app_link.html", "青岛市教育局", "http://edu.qingdao.gov.cn/", "shtml",
  '<div class="app"><a href="https://apps.apple.com/cn/app/id1483412345">青岛教育e平台 iPhone版</a><a href="/app/qdjy.apk">安卓版下载</a></div>', {"app"}),
 ("d26_jyj_footer_long.html", "南京市教育局", "http://edu.nanjing.gov.cn/", "jcms",
  '<div class="footer-long"><p>版权所有：南京市教育局，地址：南京市北京东路1号，邮编：210008，本网站由南京市教育局主办，由南京市教育信息中心承办，'
  '网站联系电话：025-83123456，电子邮箱：njjyxx#nanjing.gov.cn（请将#替换为@），建议使用1366×768分辨率浏览本网站。</p></div>', {"email"}),
 # ---------- transport: 交通运输局, 交管局 ----------
 ("d27_jtj_home_12328.html", "杭州市交通运输局", "http://jtj.hangzhou.gov.cn/", "jcms",
  '<div class="jtfw"><a href="/col/col1229/index.html">交通服务</a><a href="/col/col1230/index.html">局长信箱</a></div>'
  '<div class="foot"><p>交通运输服务监督电话：12328</p></div>', {"consultation", "hotline"}),
 ("d28_jtj_12328_area.html", "宁波市交通运输局", "http://jtj.ningbo.gov.cn/", "shtml",
  '<div class="hot"><p>服务监督电话：0574-12328</p><p>值班电话：0574-87188888</p></div>', {"hotline"}),
 ("d29_jgj_tel_links.html", "温州市公安局交通警察支队", "http://jj.wenzhou.gov.cn/", "shtml",
  '<div class="contact"><a href="tel:0577-88123456">交通事故咨询电话</a><a href="tel:0577-88123457">传真</a></div>', {"hotline"}),
 ("d30_jtj_news_mentions.html", "绍兴市交通运输局", "http://jtj.sx.gov.cn/art/2024/2/2/art_1_3.html", "jcms",
  "<h1>春运期间交通出行提示</h1>" + NEWS.format(o="市交通运输局") +
  "<p>旅客出行如遇问题，可拨打12328交通运输服务监督热线，或通过“绍兴交通”微信公众号、政务微博查询实时路况。</p>" + SHARE, set()),
 ("d31_jtj_wechat_span_box.html", "嘉兴市交通运输局", "http://jtysj.jiaxing.gov.cn/", "trs",
  '<div class="wx-box"><div class="qrcode-img"></div><span>微信公众号</span></div>', {"wechat"}),
 ("d32_jtj_bus_app.html", "台州市交通运输局", "http://jtj.zjtz.gov.cn/", "jcms",
  '<div class="cxfw"><a href="http://m.jtj.zjtz.gov.cn/">手机版</a><a href="https://www.chelaile.net.cn/">车来了</a></div>', {"app"}),
 ("d33_jtj_2014_links.html", "九江市交通运输局", "http://jtj.jiujiang.gov.cn/", "table2014",
  '<table><tr><td><a href="list.jsp?lm=21">网上信访</a></td><td><a href="http://jj.jxzwfww.gov.cn/">网上办事</a></td></tr></table>', {"consultation", "service_hall"}),
 ("d34_jtj_province_app_image.html", "赣州市交通运输局", "http://jtj.ganzhou.gov.cn/", "shtml",
  '<div class="app-area"><a href="https://jt.jiangxi.gov.cn/app/download.html"><img src="/images/jxjt_app.png" alt="江西交通APP下载"></a></div>', set()),
 ("d35_jtj_gkmlpt_list.html", "东莞市交通运输局", "http://dgjt.dg.gov.cn/gkmlpt/index", "gkmlpt",
  '<ul class="list"><li><a href="/gkmlpt/content/3/3456/post_3456789.html">东莞市交通运输局关于公交线路调整的公告</a><span>2024-03-01</span></li>'
  '<li><a href="/gkmlpt/content/3/3457/post_3457000.html">关于开展网上办事大厅满意度调查的通知</a><span>2024-02-11</span></li></ul>', set()),
 ("d36_jtj_vue_footer.html", "西安市交通运输局", "https://jtj.xa.gov.cn/", "vue",
  '<div class="footer-static"><p>交通服务热线：029-12328</p></div>', {"hotline"}),
 # ---------- health: 卫健委 ----------
 ("d37_wjw_home_12320.html", "杭州市卫生健康委员会", "http://wsjkw.hangzhou.gov.cn/", "jcms",
  '<div class="kj"><a href="/col/col1227/index.html">主任信箱</a><a href="https://www.zjzwfw.gov.cn/zjzw/bmfw/">网上办事</a></div>'
  '<div class="foot"><p>卫生健康热线：12320</p></div>', {"consultation", "service_hall", "hotline"}),
 ("d38_wjw_covid_article.html", "宁波市卫生健康委员会", "http://wjw.ningbo.gov.cn/art/2023/1/5/art_1229_1.html", "jcms",
  "<h1>关于做好冬春季传染病防控工作的通知</h1>" + NEWS.format(o="市卫生健康委") +
  "<p>市民如有健康咨询需求，可拨打12320卫生健康热线。</p>" + SHARE, set()),
 ("d39_wjw_slide_news.html", "温州市卫生健康委员会", "http://wjw.wenzhou.gov.cn/", "jcms",
  '<div class="focus-news"><div class="slide"><a href="/art/2024/1/1/art_1_1.html"><img src="/picture/0/slide1.jpg"></a></div><ul>'
  + "".join(f'<li><a href="/art/2024/1/{i}/art_1_{i}.html">关于加强政务微博政务微信建设管理工作的通知（第{i}期）</a></li>' for i in range(1, 9)) +
  '</ul></div>', set()),
 ("d40_wjw_icon_account.html", "嘉兴市卫生健康委员会", "http://wjw.jiaxing.gov.cn/", "shtml",
  '<div class="icons"><a href="https://weibo.com/u/5566778899" class="share-icon weibo" title="嘉兴健康"></a>'
  '<a href="javascript:void(0)" class="wx"><img src="/images/icon-wx.png" alt="官方微信"></a></div>', {"weibo", "wechat"}),
 ("d41_wjw_trs_hospital_links.html", "广州市卫生健康委员会", "http://wjw.gz.gov.cn/", "trs",
  '<div class="yylj"><a href="https://www.gzsrmyy.com/">广州市第一人民医院</a><a href="https://weibo.com/gzsyy">市一医院微博</a></div>'
  '<div class="hd"><a href="../../hdjl/zxts/">咨询投诉</a></div>', {"consultation"}),
 ("d42_wjw_2014_mailbox.html", "邯郸市卫生和计划生育委员会", "http://www.hdws.gov.cn/", "table2014",
  '<table><tr><td><a href="list.jsp?lm=30">主任信箱</a> <a href="list.jsp?lm=31">在线咨询</a></td></tr><tr><td>咨询电话：0310-3101234</td></tr></table>', {"consultation", "hotline"}),
 ("d43_wjw_national_app_img.html", "湖州市卫生健康委员会", "http://wjw.huzhou.gov.cn/", "jcms",
  '<div class="foot-apps"><a href="http://app.www.gov.cn/download/Chinese.html"><img src="/images/gwykhd.png" alt="国务院客户端"></a>'
  '<a href="https://www.gov.cn/"><img src="/images/zfw.png" alt="中国政府网"></a></div>', set()),
 ("d44_wjw_qr_filename_link.html", "金华市卫生健康委员会", "http://wjw.jinhua.gov.cn/", "jcms",
  '<div class="banner"><a href="/fw/index.html"><img src="/images/%E7%BD%91%E4%B8%8A%E5%8A%9E%E4%BA%8B%E5%A4%A7%E5%8E%85.png"></a></div>', {"service_hall"}),
 ("d45_wjw_email_obfuscated.html", "丽水市卫生健康委员会", "http://wjw.lishui.gov.cn/", "shtml",
  '<div class="lx"><p>投稿邮箱：lswjw(at)lishui.gov.cn</p></div>', {"email"}),
 ("d46_wjw_gkmlpt.html", "珠海市卫生健康局", "http://wsjkj.zhuhai.gov.cn/gkmlpt/content/2/2345/post_2345678.html", "gkmlpt",
  "<h1>珠海市卫生健康局关于2024年度部门预算的说明</h1><div>" + NEWS.format(o="市卫生健康局") + "</div>", set()),
 # ---------- environment: 生态环境局 ----------
 ("d47_sthjj_home_12369.html", "杭州市生态环境局", "http://epb.hangzhou.gov.cn/", "jcms",
  '<div class="jb"><p>环保举报热线：12369</p><a href="/col/col1228/index.html">局长信箱</a></div>', {"hotline", "consultation"}),
 ("d48_sthjj_report_form.html", "宁波市生态环境局", "http://sthjj.ningbo.gov.cn/art/2024/1/1/art_1_9.html", "jcms",
  '<h2>环境问题投诉</h2><form action="/jbts/save" method="post"><label>投诉内容</label><textarea name="nr"></textarea><button type="submit">提交</button></form>', {"consultation"}),
 ("d49_sthjj_article_12369.html", "温州市生态环境局", "http://sthjj.wenzhou.gov.cn/art/2024/5/5/art_1_5.html", "jcms",
  "<h1>温州开展夏季大气污染防治专项行动</h1>" + NEWS.format(o="市生态环境局") +
  "<p>广大市民如发现环境违法行为，可拨打12369环保举报热线进行举报，经查证属实的将给予奖励。</p>" + SHARE, set()),
 ("d50_sthjj_wechat_province.html", "嘉兴市生态环境局", "http://sthjj.jiaxing.gov.cn/", "shtml",
  '<div class="ewm"><img src="/images/zjsthj.png"><p>浙江生态环境微信</p></div><div class="ewm"><img src="/images/jxsthj.png"><p>嘉兴生态环境微信</p></div>', {"wechat"}),
 ("d51_sthjj_trs_lines.html", "广州市生态环境局", "http://sthjj.gz.gov.cn/", "trs",
  '<div class="foot-lines"><p>环境信访投诉：020-12369</p><p>网站纠错电话：020-83203456</p></div>', {"hotline"}),
 ("d52_sthjj_2014_table.html", "邯郸市环境保护局", "http://www.hdhb.gov.cn/", "table2014",
  '<table><tr><td><a href="list.jsp?lm=40">局长信箱</a></td><td>举报电话：0310-12369</td></tr></table>', {"consultation", "hotline"}),
 ("d53_sthjj_vue.html", "成都市生态环境局", "https://sthj.chengdu.gov.cn/", "vue",
  '', set()),
 ("d54_sthjj_shareicon_weibo.html", "南京市生态环境局", "http://hbj.nanjing.gov.cn/", "trs",
  '<div class="share-links"><a href="https://weibo.com/njhb" class="shareicon2"><img src="../../images/sina.png" alt=""></a></div>', {"weibo"}),
 ("d55_sthjj_mention_weibo_headline.html", "苏州市生态环境局", "http://sthjj.suzhou.gov.cn/", "shtml",
  '<ul class="news"><li><a href="/art/1.html">苏州市生态环境局政务微博获评优秀政务新媒体</a></li><li><a href="/art/2.html">“苏州环境”微信公众号开通两周年回顾</a></li></ul>', set()),
 # ---------- city portals and districts, in the same families ----------
 ("p01_portal_jcms_home.html", "衢州市人民政府", "http://www.qz.gov.cn/", "jcms",
  '<div class="rk"><a href="http://qz.zjzwfw.gov.cn/">网上办事大厅</a><a href="/col/col1229/index.html">市长信箱</a><a href="http://m.qz.gov.cn/">手机版</a></div>'
  '<div class="foot"><p>衢州12345政务服务热线</p></div>', {"service_hall", "consultation", "app", "hotline"}),
 ("p02_portal_section_nav_only.html", "舟山市人民政府", "http://www.zhoushan.gov.cn/", "jcms",
  '<div class="sub"><a href="/col/col1231/index.html">政务服务</a><a href="/col/col1232/index.html">互动交流</a><a href="/col/col1233/index.html">公众参与</a><a href="/col/col1234/index.html">新媒体</a></div>', set()),
 ("p03_portal_trs_xmt.html", "珠海市人民政府", "http://www.zhuhai.gov.cn/", "trs",
  '<div class="xmt-list"><div class="item"><img src="../../images/zhfb_wb.png" alt="珠海发布政务微博二维码"></div>'
  '<div class="item"><img src="../../images/zhfb_wx.png" alt="珠海发布微信二维码"></div></div>', {"weibo", "wechat"}),
 ("p04_portal_province_accounts.html", "赣州市人民政府", "http://www.ganzhou.gov.cn/", "shtml",
  '<div class="foot-xmt"><a href="https://weibo.com/jiangxifabu"><img src="/images/wb.png" alt="江西发布"></a>'
  '<a href="https://mp.weixin.qq.com/mp/profile_ext?action=home&__biz=MzAxMTEyMzQ1Ng=="><img src="/images/wx.png" alt="江西发布微信"></a></div>', set()),
 ("p05_portal_long_footer_table.html", "阳江市人民政府", "http://www.yangjiang.gov.cn/", "gkmlpt",
  "<table class=\"sgs\">" + "".join(f"<tr><td>{i}</td><td>阳江市某某有限公司</td><td>行政许可</td><td>2024-01-{1 + i % 28:02d}</td></tr>" for i in range(300)) + "</table>"
  '<div class="foot"><p>12345政务服务便民热线</p></div>', {"hotline"}),
 ("p06_portal_district_mailbox.html", "鹿城区人民政府", "http://www.lucheng.gov.cn/", "jcms",
  '<div class="hd"><a href="/col/col1229/index.html">区长信箱</a><a href="http://www.wenzhou.gov.cn/col/col1/index.html">温州市长信箱</a></div>', {"consultation"}),
 ("p07_portal_guanwei_and_wx.html", "漳州市人民政府", "http://www.zhangzhou.gov.cn/", "shtml",
  '<div class="ewm"><img src="/images/ewm1.jpg"><p>漳州官微</p></div><div class="ewm"><img src="/images/ewm2.jpg"><p>漳州发布微信</p></div>', {"wechat"}),
 ("p08_portal_dingtalk_zlb.html", "丽水市人民政府", "http://www.lishui.gov.cn/", "jcms",
  '<div class="apps"><a href="https://zlb.zj.gov.cn/"><img src="/images/zlb.png" alt="浙里办"></a><a href="https://www.dingtalk.com/"><img src="/images/zzd.png" alt="浙政钉"></a></div>', set()),
 ("p09_portal_2014_complete.html", "九江市人民政府", "http://www.jiujiang.gov.cn/", "table2014",
  '<table><tr><td><a href="http://t.qq.com/jiujiangfabu">腾讯微博</a></td><td><a href="wap/index.jsp">WAP版</a></td><td><a href="list.jsp?lm=50">市长信箱</a></td></tr>'
  '<tr><td colspan="3">市长热线：0792-12345　电子信箱：jjszf@jiujiang.gov.cn</td></tr></table>', {"weibo", "app", "consultation", "hotline", "email"}),
 ("p10_portal_vue_shell.html", "武汉市人民政府", "https://www.wuhan.gov.cn/", "vue", '', set()),
 ("p11_portal_mini_program_trap.html", "宜昌市人民政府", "http://www.yichang.gov.cn/", "shtml",
  '<div class="ad"><img src="/images/wxpay.png" alt="微信支付"><img src="/images/mall.png" alt="商城小程序"></div>', set()),
 ("p12_portal_zwfw_robot.html", "上饶市人民政府", "http://www.zgsr.gov.cn/", "shtml",
  '<div class="float"><a href="http://jxzwfww.gov.cn/jrobotfront-server/index.do?webid=1">智能问答</a></div>', set()),
 ("p13_portal_current_page_qr.html", "宿迁市人民政府", "http://www.suqian.gov.cn/art/2024/1/1/art_1.html", "jcms",
  "<h1>宿迁市政府常务会议研究部署有关工作</h1>" + NEWS.format(o="市政府") +
  '<div class="ewm-box"><img src="/images/qr_current.png"><p>扫一扫在手机打开当前页</p></div>', set()),
 ("p14_portal_hotline_link_host.html", "上饶市人民政府", "http://www.zgsr.gov.cn/index.shtml", "shtml",
  '<div class="bm"><a href="http://www.sr12345.gov.cn/"><span>政府服务<br>热线</span></a></div>', {"hotline"}),
 ("p15_portal_figcaption.html", "南通市人民政府", "http://www.nantong.gov.cn/", "shtml",
  '<figure class="qr"><img src="/images/nt_qr_a.png"><figcaption>南通发布微信公众号</figcaption></figure>', {"wechat"}),
 ("p16_portal_aria_label_link.html", "盐城市人民政府", "http://www.yancheng.gov.cn/", "jcms",
  '<div class="kj"><a href="/col/col1229/index.html" aria-label="市长信箱"><img src="/images/szxx.png"></a></div>', {"consultation"}),
 ("p17_portal_ambiguous_qr.html", "泰州市人民政府", "http://www.taizhou.gov.cn/", "jcms",
  '<div class="ewm"><img src="/images/tzgw.png" alt="泰州官微"></div>', set()),
 ("p18_portal_webmaster_email.html", "镇江市人民政府", "http://www.zhenjiang.gov.cn/", "trs",
  '<div class="foot"><p>网站联系电话：0511-84431234　电子邮箱：zjzfwz#zhenjiang.gov.cn（请将#替换为@）</p></div>', {"email"}),
 ("p19_portal_12345_in_icp.html", "淮安市人民政府", "http://www.huaian.gov.cn/", "shtml",
  '<div class="foot"><p>苏ICP备12345号　苏公网安备 32080202000123号</p></div>', set()),
 ("p20_portal_kuaishou_embed.html", "连云港市人民政府", "http://www.lyg.gov.cn/art/2024/2/2/art_2.html", "jcms",
  "<h1>连云港文旅推介活动举行</h1>" + NEWS.format(o="市文广旅局") +
  '<iframe src="https://player.youku.com/embed/XNjA1"></iframe><p>（视频来源：新华社客户端）</p>', set()),
 ("p21_portal_angular_rendered.html", "昆明市人民政府", "http://www.km.gov.cn/", "vue",
  '<div class="ng-scope" ng-controller="homeCtrl"><ul class="quick ng-scope"><li ng-repeat="x in links" class="ng-scope"><a ng-href="https://km.ynzwfw.gov.cn/" href="https://km.ynzwfw.gov.cn/" class="ng-binding">一网通办</a></li>'
  '<li ng-repeat="x in links" class="ng-scope"><a href="/hdjl/szxx/" class="ng-binding">市长信箱</a></li></ul></div>', {"service_hall", "consultation"}),
 ("p22_portal_css_qr_span.html", "株洲市人民政府", "http://www.zhuzhou.gov.cn/", "shtml",
  '<div class="follow"><div class="item"><i class="icon" style="background-image:url(/images/zzfb_code.png)"></i><span>微信</span><p>扫一扫关注我们</p></div>'
  '<div class="item"><i class="icon" style="background-image:url(/images/zzfb_app.png)"></i><span>客户端</span></div></div>', {"wechat", "app"}),
 ("p23_portal_fax_and_support.html", "湘潭市人民政府", "http://www.xiangtan.gov.cn/index.shtml", "shtml",
  '<div class="foot"><a href="tel:0731-58220000">传真</a><p>技术支持：湘潭某某科技有限公司　电话：0731-58123457</p><p>网站纠错：0731-58220001</p></div>', set()),
 ("p24_portal_webmail_and_public_mail.html", "岳阳市人民政府", "http://www.yueyang.gov.cn/", "jcms",
  '<div class="top"><a href="http://www.yueyang.gov.cn/webmail/">政务邮箱</a></div><div class="foot"><p>公开邮箱：yyzfxxgk@yueyang.gov.cn</p></div>', {"email"}),
 ("p25_portal_other_city_mailbox.html", "常德市人民政府", "http://www.changde.gov.cn/", "jcms",
  '<div class="yqlj"><span>友情链接</span><a href="http://www.yiyang.gov.cn/">益阳市人民政府</a><a href="https://weibo.com/yiyangfabu">益阳发布</a></div>', set()),
 # ---------- today's channels: new-media matrices and their traps ----------
 ("n01_portal_xmt_matrix.html", "杭州市人民政府", "https://www.hangzhou.gov.cn/col/col1229/index.html", "jcms",
  '<div class="xmt-matrix"><ul>'
  '<li><a href="https://weibo.com/hangzhoufabu" title="杭州发布微博"><img src="/images/xmt/wb.png" alt="微博"></a></li>'
  '<li><a href="https://www.douyin.com/user/MS4wLjABAAAAhzfb" title="杭州发布抖音号"><img src="/images/xmt/dy.png" alt=""></a></li>'
  '<li><a href="https://www.kuaishou.com/profile/3xhzfabu" title="杭州发布快手号"><img src="/images/xmt/ks.png" alt=""></a></li>'
  '<li><a href="https://www.toutiao.com/c/user/token/MS4wLjABAAAAhzfb/" title="杭州发布头条号"><img src="/images/xmt/tt.png" alt=""></a></li>'
  '<li><a href="https://space.bilibili.com/482910007" title="杭州发布B站"><img src="/images/xmt/bili.png" alt=""></a></li>'
  '</ul></div>', {"weibo", "douyin", "kuaishou", "toutiao", "bilibili"}),
 ("n02_portal_qr_row.html", "宁波市人民政府", "http://www.ningbo.gov.cn/", "jcms",
  '<div class="ewm-row"><div class="ewm"><img src="/images/nbfb_gzh.jpg"><p>宁波发布公众号</p></div>'
  '<div class="ewm"><img src="/images/nbfb_sph.jpg"><p>宁波发布视频号</p></div>'
  '<div class="ewm"><img src="/images/nbfb_xcx.jpg"><p>宁波政务服务小程序</p></div></div>', {"wechat", "wechat_channels", "mini_program"}),
 ("n03_portal_dy_share_only.html", "温州市人民政府", "http://www.wenzhou.gov.cn/art/2024/5/1/art_1_1.html", "jcms",
  "<h1>温州市召开全市优化营商环境大会</h1>" + NEWS.format(o="市政府") +
  '<div class="share"><span>分享到：</span><a href="https://www.douyin.com/share/video?url=x" class="dy">抖音</a><a href="#" class="bds_weixin" data-cmd="weixin" title="分享到微信"></a></div>', set()),
 ("n04_article_outlet_videos.html", "绍兴市人民政府", "http://www.sx.gov.cn/art/2024/6/6/art_2_2.html", "jcms",
  "<h1>央视聚焦绍兴古城保护</h1>" + NEWS.format(o="市文广旅游局") +
  '<p>（来源：<a href="https://www.douyin.com/video/7345678901234567890">央视新闻抖音</a>、<a href="https://www.bilibili.com/video/BV1Gx4y1A7zz">央视频B站</a>）</p>', set()),
 ("n05_portal_province_new_media.html", "衢州市人民政府", "http://www.qz.gov.cn/", "jcms",
  '<div class="foot-xmt"><a href="https://www.douyin.com/user/MS4wLjABAAAAzjfb"><img src="/images/zjfb_dy.png" alt="浙江发布抖音"></a>'
  '<div class="ewm"><img src="/images/zj_sph.png"><p>浙江发布视频号</p></div></div>', set()),
 ("n06_dept_gjj_mini_program.html", "杭州住房公积金管理中心", "http://gjj.hangzhou.gov.cn/", "jcms",
  '<div class="fw-qd"><a href="weixin://dl/business/?t=Xy12AbCd">公积金小程序</a>'
  '<a href="alipays://platformapi/startapp?appId=2021001100000000">支付宝小程序</a></div><div class="foot"><p>服务热线：0571-12329</p></div>', {"mini_program", "hotline"}),
 ("n07_dept_wjw_douyin_qr.html", "温州市卫生健康委员会", "http://wjw.wenzhou.gov.cn/col/col1209/index.html", "jcms",
  '<div class="xmt"><div class="ewm"><img src="/picture/0/wzjk_dy.png"><p>温州健康抖音号</p></div>'
  '<div class="ewm"><img src="/picture/0/wzjk_wb.png"><p>温州健康微博</p></div></div>', {"douyin", "weibo"}),
 ("n08_portal_ads_and_pay.html", "金华市人民政府", "http://www.jinhua.gov.cn/", "shtml",
  '<div class="adv"><a href="https://www.meituan.com/"><img src="/ad/mt.png" alt="美团外卖小程序"></a><img src="/images/pay.png" alt="微信支付"></div>', set()),
 ("n09_news_mentions_new_media.html", "嘉兴市人民政府", "http://www.jiaxing.gov.cn/art/2024/3/3/art_3_3.html", "jcms",
  "<h1>嘉兴政务新媒体矩阵建设成效明显</h1><p>截至目前，我市已在抖音、快手、今日头条、哔哩哔哩等平台开设政务账号，并上线“嘉兴政务服务”微信小程序和视频号，粉丝总数突破五百万，相关做法获省级推广。</p>" + SHARE, set()),
 ("n10_dept_sthjj_ks_bili.html", "湖州市生态环境局", "http://sthjj.huzhou.gov.cn/", "trs",
  '<div class="xmt-icons"><a href="https://live.kuaishou.com/profile/hzsthj" class="icon-ks" title="湖州生态环境快手"></a>'
  '<a href="https://space.bilibili.com/3493117" class="icon-bili" title="湖州生态环境B站"></a></div>', {"kuaishou", "bilibili"}),
]

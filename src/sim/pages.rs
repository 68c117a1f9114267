//! HTML of the simulated portals, shaped like real ones: 80–150 KB homepages with
//! hundreds of links, 15–30 KB articles, channel evidence in headers, footers, QR codes
//! and interaction pages, and the traps that must never count.

use super::inspection::{SiteInspection, column_page, footer_identity, home_date, letter_page};
use super::world::{Placement, Rng, SimCity, SimSite, World, channel_index, hash};
use crate::model::Sector;
use std::fmt::Write as _;

const PHRASES: &[&str] = &[
    "深入贯彻落实党的二十大精神",
    "推进政务服务标准化规范化便利化",
    "优化营商环境",
    "加快数字政府建设",
    "全面推行证明事项告知承诺制",
    "持续深化放管服改革",
    "提升基层治理能力",
    "做好民生保障工作",
    "推动经济社会高质量发展",
    "加强生态环境保护",
    "推进城乡一体化建设",
    "完善公共服务体系",
    "落实安全生产责任",
    "强化政务公开工作",
    "推动产业转型升级",
    "扎实做好稳就业工作",
];

/// A plain page for hosts outside the world (mobile portals, service halls).
pub fn plain(host: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{host}</title></head><body><p>{host}</p></body></html>"
    )
}

fn text(rng: &mut Rng, chars: usize) -> String {
    let mut s = String::with_capacity(chars * 3 + 48);
    let mut n = 0;
    while n < chars {
        let phrase = PHRASES[rng.below(PHRASES.len())];
        s.push_str(phrase);
        s.push(if rng.below(4) == 0 { '。' } else { '，' });
        n += phrase.chars().count() + 1;
    }
    s
}

fn sector_name(s: Sector) -> &'static str {
    match s {
        Sector::General => "人民政府",
        Sector::Housing => "住房和城乡建设局",
        Sector::Education => "教育局",
        Sector::Transport => "交通运输局",
        Sector::Health => "卫生健康委员会",
        Sector::Environment => "生态环境局",
    }
}

fn owner(site: &SimSite, city: &SimCity) -> String {
    format!("{}{}", city.name, sector_name(site.sector))
}

/// The evidence of one channel, as real portals show it.
fn evidence(ch: &str, site: &SimSite, city: &SimCity, variant: u64) -> String {
    let slug = format!(
        "{}{}",
        city.domain.split('.').next().unwrap_or("city"),
        site.sector.as_str()
    );
    let who = owner(site, city);
    match (ch, variant % 2) {
        ("weibo", 0) => format!(
            "<a href=\"http://weibo.com/{slug}\" target=\"_blank\"><img src=\"/images/weibo.png\" alt=\"{who} 政务微博\"></a>"
        ),
        ("weibo", _) => format!(
            "<a href=\"http://weibo.com/u/{}\" target=\"_blank\">官方微博</a>",
            hash(&slug) % 1_000_000_000
        ),
        ("wechat", 0) => format!(
            "<div class=\"ewm\"><img src=\"/images/ewm_zwwx.png\"><p>扫一扫关注{who}政务微信</p></div>"
        ),
        ("wechat", _) => {
            "<div class=\"qr\"><img src=\"/images/qr1.png\" alt=\"微信公众号二维码\"></div>"
                .to_string()
        }
        ("app", 0) => format!("<a href=\"http://m.{}/\">手机版</a>", city.domain),
        ("app", _) => format!(
            "<a href=\"http://apps.apple.com/cn/app/id{}\">{who}客户端下载</a>",
            1_000_000 + hash(&slug) % 900_000
        ),
        ("service_hall", _) => {
            format!("<a href=\"http://zwfw.{}/\">网上办事大厅</a>", city.domain)
        }
        ("consultation", 0) => "<a href=\"/hdjl/mayor.html\">市长信箱</a>".to_string(),
        ("consultation", _) => "<a href=\"/hdjl/mayor.html\">在线咨询</a>".to_string(),
        ("email", 0) => format!("<p>电子邮箱：zxts#{}</p>", city.domain),
        ("email", _) => format!("<a href=\"mailto:xxgk@{}\">联系邮箱</a>", city.domain),
        ("hotline", 0) => "<p>服务热线：12345</p>".to_string(),
        ("hotline", _) => format!(
            "<p>政务服务热线：0{}-12345</p>",
            300 + hash(&city.domain) % 600
        ),
        // Today's channels, as new-media matrices draw them: icon-only links with a
        // title or alt, and QR codes with captions.
        ("douyin", 0) => format!(
            "<a href=\"http://www.douyin.com/user/MS4w{slug}\" title=\"{who}抖音号\"><img src=\"/images/xmt/dy.png\" alt=\"\"></a>"
        ),
        ("douyin", _) => format!(
            "<div class=\"ewm\"><img src=\"/images/xmt/dy_{slug}.png\"><p>{who}抖音号</p></div>"
        ),
        ("kuaishou", 0) => format!(
            "<a href=\"http://www.kuaishou.com/profile/{slug}\" class=\"icon-ks\" title=\"快手号\"></a>"
        ),
        ("kuaishou", _) => format!(
            "<div class=\"ewm\"><img src=\"/images/xmt/ks_{slug}.png\" alt=\"{who}快手号\"></div>"
        ),
        ("toutiao", 0) => format!(
            "<a href=\"http://www.toutiao.com/c/user/token/{slug}/\"><img src=\"/images/xmt/tt.png\" alt=\"头条号\"></a>"
        ),
        ("toutiao", _) => format!(
            "<div class=\"ewm\"><img src=\"/images/xmt/tt_{slug}.png\"><p>今日头条</p></div>"
        ),
        ("wechat_channels", 0) => format!(
            "<div class=\"ewm\"><img src=\"/images/xmt/sph_{slug}.png\"><p>{who}视频号</p></div>"
        ),
        ("wechat_channels", _) => {
            format!("<a href=\"http://weixin.qq.com/sph/{slug}\" title=\"视频号\">视频号</a>")
        }
        ("bilibili", 0) => format!(
            "<a href=\"http://space.bilibili.com/{}\" title=\"B站\"><i class=\"icon-bili\"></i></a>",
            hash(&slug) % 100_000_000
        ),
        ("bilibili", _) => format!(
            "<div class=\"ewm\"><img src=\"/images/xmt/bili_{slug}.png\" alt=\"哔哩哔哩\"></div>"
        ),
        ("mini_program", 0) => format!(
            "<div class=\"ewm\"><img src=\"/images/xmt/xcx_{slug}.png\"><p>{who}政务服务小程序</p></div>"
        ),
        ("mini_program", _) => {
            format!("<a href=\"weixin://dl/business/?t={slug}\">政务服务小程序</a>")
        }
        // Inclusion features, as toolbars and version links are drawn.
        ("accessibility", 0) => {
            "<a href=\"javascript:void(0)\" onclick=\"aria.start()\">无障碍浏览</a>".to_string()
        }
        ("accessibility", _) => format!(
            "<script defer src=\"//gov.govwza.cn/dist/aria.js?appid={}\"></script>",
            hash(&slug) % 1_000_000
        ),
        ("elder_mode", 0) => {
            "<a href=\"javascript:void(0)\" onclick=\"aria.oldFixedStart()\">关怀版</a>".to_string()
        }
        ("elder_mode", _) => format!("<a href=\"http://www.{}/zzb/\">长者版</a>", city.domain),
        ("english", 0) => format!("<a href=\"http://english.{}/\">EN</a>", city.domain),
        ("english", _) => {
            "<a href=\"/english/index.html\" title=\"English\">English</a>".to_string()
        }
        ("minority_language", 0) => format!("<a href=\"http://zw.{}/\">藏文版</a>", city.domain),
        ("minority_language", _) => "<a href=\"/mgw/index.html\">蒙古文</a>".to_string(),
        _ => String::new(), // the world offers only the channels it draws
    }
}

fn placed(world: &World, site: &SimSite, city: &SimCity, at: Placement) -> String {
    let mut out = String::new();
    for (ch, p) in &site.channels {
        if *p == at {
            out.push_str(&evidence(
                ch,
                site,
                city,
                hash(&site.host) ^ world.spec.seed ^ channel_index(ch),
            ));
        }
    }
    out
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title><link rel=\"stylesheet\" href=\"/css/main.css\"><script src=\"/js/jquery.min.js\"></script></head><body>"
    )
}

/// The site chrome: navigation (labels that are themselves evidence appear only where
/// the channel is present) and the national links every portal carries.
fn header(site: &SimSite, city: &SimCity) -> String {
    let has = |c: &str| site.channels.contains_key(c);
    let mut h = format!(
        "<div class=\"top\"><a href=\"http://www.gov.cn/\">中国政府网</a> <a href=\"http://www.{}/\">{}人民政府</a></div><div class=\"nav\"><ul>",
        city.domain, city.name
    );
    h.push_str("<li><a href=\"/\">首页</a></li><li><a href=\"/col/1/index.html\">政务公开</a></li><li><a href=\"/col/2/index.html\">新闻中心</a></li>");
    if has("service_hall") {
        h.push_str("<li><a href=\"/col/3/index.html\">政务服务</a></li>");
    } else {
        h.push_str("<li><a href=\"/col/3/index.html\">专题专栏</a></li>");
    }
    h.push_str(if has("consultation") {
        "<li><a href=\"/hdjl/index.html\">互动交流</a></li>"
    } else {
        "<li><a href=\"/hdjl/index.html\">公众参与</a></li>"
    });
    h.push_str("</ul></div><div class=\"position\">当前位置：首页</div>");
    // What every portal carries and never counts for inclusion: a 繁體 toggle, the
    // national English site, news about 无障碍环境建设 and 适老化改造.
    h.push_str(
        "<div class=\"tools\"><a href=\"javascript:zh_tran('t')\">繁體</a> <a href=\"http://english.www.gov.cn/\">English</a></div>\
         <div class=\"notice\"><a href=\"/col/2/wza.html\">我市召开无障碍环境建设推进会部署适老化改造工作</a></div>",
    );
    h
}

fn footer(world: &World, site: &SimSite, city: &SimCity, rng: &mut Rng) -> String {
    let insp = SiteInspection::of(world, site);
    format!(
        "<div class=\"footer\"><p><a href=\"http://mail.{d}/\">政务邮箱</a> | <a href=\"/col/9/index.html\">网站地图</a> | <a href=\"http://app.www.gov.cn/download/\">国务院客户端</a> | <a href=\"http://weibo.com/chinagov\">中国政府网微博</a></p>\
         {identity}<p>网站联系电话：0{a}-8{n:07} 技术支持：某某信息技术有限公司 电话：0{a}-8{m:07}</p></div>",
        d = city.domain,
        identity = footer_identity(&insp, site, city, &owner(site, city)),
        a = 300 + hash(&city.domain) % 600,
        n = rng.below(9_999_999),
        m = rng.below(9_999_999),
    )
}

fn share_box(url: &str) -> String {
    format!(
        "<div class=\"bdsharebuttonbox\"><span>分享到：</span><a href=\"#\" class=\"bds_tsina\" data-cmd=\"tsina\" title=\"分享到新浪微博\"></a><a href=\"#\" class=\"bds_weixin\" data-cmd=\"weixin\" title=\"分享到微信\"></a></div>\
         <a href=\"http://service.weibo.com/share/share.php?url={url}\" class=\"share-wb\">微博</a>\
         <a href=\"http://www.douyin.com/share/video?url={url}\" class=\"share-dy\">分享到抖音</a>\
         <div class=\"qrcode\"><img src=\"/images/qrcode.png\"><p>扫一扫在手机打开当前页</p></div>"
    )
}

/// The day pages are served, in China: the simulated dates are ages before it.
fn today() -> chrono::NaiveDate {
    crate::page::inspect::dates::china_day(chrono::Utc::now())
}

/// How a discovery world's portal lists its departments (by city).
fn listing_style(ci: usize) -> usize {
    ci % 5
}

/// The links to a city's department sites (as its portal writes them), with the traps
/// real portals carry beside them: the province's 厅, a district's bureau, an unrelated
/// bureau, another city's bureau.
fn department_links(world: &World, ci: usize, tag: &str) -> String {
    let city = &world.cities[ci];
    let mut out = String::new();
    let link = |href: &str, text: &str| match tag {
        "option" => format!("<option value=\"{href}\">{text}</option>"),
        "area" => {
            format!("<area shape=\"rect\" coords=\"0,0,10,10\" href=\"{href}\" alt=\"{text}\">")
        }
        _ => format!("<li><a href=\"{href}\" target=\"_blank\">{text}</a></li>"),
    };
    for s in world
        .sites
        .iter()
        .filter(|s| s.city == ci && s.sector != Sector::General)
    {
        let name = if s.host.starts_with("gjj.") {
            "住房公积金管理中心".to_string()
        } else {
            sector_name(s.sector).to_string()
        };
        let text = if s.host.len() % 2 == 0 {
            format!("市{name}")
        } else {
            format!("{}{name}", city.name)
        };
        out.push_str(&link(&format!("http://{}/", s.host), &text));
    }
    out.push_str(&link("http://jyt.zj.gov.cn/", "浙江省教育厅"));
    out.push_str(&link(
        &format!("http://xqjyj.{}/", city.domain),
        "西湖区教育局",
    ));
    out.push_str(&link(&format!("http://tjj.{}/", city.domain), "市统计局"));
    if let Some(other) = world
        .cities
        .get((ci + 1) % world.cities.len())
        .filter(|o| o.id != city.id)
    {
        out.push_str(&link(
            &format!("http://jyj.{}/", other.domain),
            &format!("{}教育局", other.name),
        ));
    }
    out
}

/// The department listing a discovery world's portal homepage carries, by style.
fn homepage_listing(world: &World, ci: usize) -> String {
    if ci % 6 == 5 {
        // Written only by JavaScript: nothing a crawler can read.
        return "<div id=\"bmlj\"></div><script>document.getElementById('bmlj').innerHTML='<a href=\"/jyj/\">市教育局</a>';</script>".into();
    }
    match listing_style(ci) {
        0 => format!(
            "<div class=\"bmwz\"><span>部门网站</span><select onchange=\"window.open(this.value)\"><option value=\"\">请选择</option>{}</select></div>",
            department_links(world, ci, "option")
        ),
        1 => "<div class=\"jgdh\"><a href=\"/jgsz/index.html\">机构设置</a></div>".into(),
        2 => format!(
            "<div class=\"xglj\"><h3>相关链接</h3><ul>{}</ul></div>",
            department_links(world, ci, "a")
        ),
        3 => "<div class=\"wzq\"><h3>网站群</h3><iframe src=\"/bmwz.html\" title=\"部门网站\"></iframe></div>".into(),
        _ => format!(
            "<div class=\"map\"><img src=\"/images/bm.png\" usemap=\"#bm\"><map name=\"bm\">{}</map></div>",
            department_links(world, ci, "area")
        ),
    }
}

/// A page of the site, or `None` for a path the site does not have.
pub fn render(
    world: &World,
    site: &SimSite,
    city: &SimCity,
    path: &str,
    target: &str,
) -> Option<String> {
    let mut rng = Rng::new(hash(&site.host) ^ hash(target) ^ world.spec.seed);
    let who = owner(site, city);
    let news_count = (world.pages_per_site() * 3).max(400);
    let mut page = head(&who);
    page.push_str(&header(site, city));
    let ci = site.city;
    let lists = world.spec.discover && site.sector == Sector::General;
    if path == "/" || path == "/index.html" {
        homepage(&mut page, world, site, city, &mut rng);
        return Some(page);
    }
    let body = if let Some(i) = path
        .strip_prefix("/news/")
        .and_then(|p| p.strip_suffix(".html"))
    {
        news_article(site, target, &mut rng, i.parse().ok()?, news_count)?
    } else if let Some(k) = path
        .strip_prefix("/col/")
        .and_then(|p| p.strip_suffix("/index.html"))
    {
        let k: usize = k.parse().ok()?;
        let insp = SiteInspection::of(world, site);
        column_page(&insp, k, today(), &mut || text(&mut rng, 18), news_count)
    } else if path == "/hdjl/index.html" {
        let mut b = String::from("<div class=\"hdjl\">");
        b.push_str(&placed(world, site, city, Placement::Interaction));
        b.push_str("<a href=\"/hdjl/xmt.html\">政务新媒体</a>");
        if SiteInspection::of(world, site).letters != super::inspection::Letters::None {
            b.push_str("<a href=\"/hdjl/xjxd.html\">信件选登</a>");
        }
        b.push_str("</div>");
        b
    } else if path == "/hdjl/xmt.html" {
        format!(
            "<div class=\"xmt\">{}<p>新媒体矩阵</p></div>",
            placed(world, site, city, Placement::NewMedia)
        )
    } else if path == "/hdjl/xjxd.html" || path == "/hdjl/xjxd_2.html" {
        let insp = SiteInspection::of(world, site);
        if insp.letters == super::inspection::Letters::None {
            return None;
        }
        letter_page(&insp, usize::from(path == "/hdjl/xjxd_2.html"), today())
    } else if path.starts_with("/hdjl/letter/") && path.ends_with(".html") {
        if SiteInspection::of(world, site).letters == super::inspection::Letters::None {
            return None;
        }
        format!(
            "<div class=\"letter\"><h2>信件详情</h2><p>{}</p><p>答复意见：{}</p></div>",
            text(&mut rng, 120),
            text(&mut rng, 200)
        )
    } else if path == "/hdjl/mayor.html" {
        if !site.channels.contains_key("consultation") {
            return None;
        }
        "<form action=\"/hdjl/submit\" method=\"post\"><label>标题</label><input name=\"t\"><label>留言内容</label><textarea name=\"c\"></textarea><input type=\"submit\" value=\"提交\"></form>".to_string()
    } else if let Some(n) = path
        .strip_prefix("/calendar/")
        .and_then(|p| p.strip_suffix(".html"))
    {
        let n: u64 = n.parse().ok()?;
        format!(
            "<div class=\"cal\"><a href=\"/calendar/{}.html\">下一天</a><a href=\"/calendar/{}.html\">前一天</a></div>",
            n + 1,
            n.saturating_sub(1)
        )
    } else if lists && ci % 6 != 5 && path == "/jgsz/index.html" && listing_style(ci) == 1 {
        format!(
            "<div class=\"jgsz\"><h2>政府机构</h2><ul>{}</ul></div>",
            department_links(world, ci, "a")
        )
    } else if lists && ci % 6 != 5 && path == "/bmwz.html" && listing_style(ci) == 3 {
        format!(
            "<ul class=\"bmlb\">{}</ul>",
            department_links(world, ci, "a")
        )
    } else if path.starts_with("/private/") {
        "<p>内部页面</p>".to_string()
    } else {
        return None;
    };
    page.push_str(&body);
    page.push_str(&footer(world, site, city, &mut rng));
    page.push_str("</body></html>");
    Some(page)
}

/// The homepage: as dense as a real portal's (≈ 120 KB, 40 modules, ≈ 500 links), the
/// site's channels placed on it, for a portal the department listing.
fn homepage(page: &mut String, world: &World, site: &SimSite, city: &SimCity, rng: &mut Rng) {
    page.push_str(&format!(
        "<div class=\"banner\">{}</div>",
        placed(world, site, city, Placement::Home)
    ));
    if world.spec.discover && site.sector == Sector::General {
        page.push_str(&homepage_listing(world, site.city));
    }
    if site.sector == Sector::General {
        page.push_str(&super::links::block(site.city));
    }
    // As dense as a real portal's homepage (≈ 120 KB, 40 modules, ≈ 500 links): each
    // module a heading, a "more" link and nine news items in nested markup, dated as the
    // site's inspection traits say.
    let insp = SiteInspection::of(world, site);
    let day = today();
    page.push_str("<div class=\"main w1200 clearfix\">");
    for k in 0..40 {
        let _ = write!(
            page,
            "<div class=\"module mod-{k} fl\" id=\"mod{k}\"><div class=\"mod-hd clearfix\"><h3 class=\"title\"><a href=\"/col/{k}/index.html\" target=\"_blank\">栏目{k}</a></h3><a class=\"more fr\" href=\"/col/{k}/index.html\" target=\"_blank\">更多&gt;&gt;</a></div><div class=\"mod-bd\"><ul class=\"list news-list\">"
        );
        for j in 0..9 {
            let i = k * 9 + j;
            let date = insp
                .home_item_age(i)
                .map(|age| home_date(insp.date_style, day, age))
                .unwrap_or_default();
            let _ = write!(
                page,
                "<li class=\"item clearfix\"><span class=\"date fr\">{date}</span><i class=\"dot\"></i><a href=\"/news/{i}.html\" target=\"_blank\" title=\"{t}\">{t}</a></li>",
                t = text(rng, 18)
            );
        }
        page.push_str("</ul></div></div>");
    }
    page.push_str("</div><div class=\"cols\">");
    for k in 40..60 {
        let _ = write!(page, "<a href=\"/col/{k}/index.html\">栏目{k}</a> ");
    }
    page.push_str("</div><div class=\"links\">");
    for k in 0..40 {
        let _ = write!(
            page,
            "<a href=\"http://www.city{k}.gov.cn/\">兄弟城市{k}</a> "
        );
    }
    let _ = write!(page, "</div><div class=\"summary\">");
    for _ in 0..4 {
        let _ = write!(page, "<p>{}</p>", text(rng, 600));
    }
    page.push_str(
        "</div><a href=\"/calendar/0.html\">活动日历</a><a href=\"/private/admin.html\">内部</a>",
    );
    if site.sector != Sector::General {
        let _ = write!(
            page,
            "<a href=\"http://www.{}/\">返回{}人民政府</a>",
            city.domain, city.name
        );
    }
    page.push_str(&footer(world, site, city, rng));
    page.push_str("</body></html>");
}

/// A news article `i` (of `news_count`): prose that mentions channels, a share box and
/// related links; `None` past the last article.
fn news_article(
    site: &SimSite,
    target: &str,
    rng: &mut Rng,
    i: usize,
    news_count: usize,
) -> Option<String> {
    if i >= news_count {
        return None;
    }
    let mut b = format!("<div class=\"article\"><h1>{}</h1>", text(rng, 20));
    for _ in 0..8 {
        let _ = write!(b, "<p>{}</p>", text(rng, 800));
    }
    // A news text that mentions channels: a mention, never evidence.
    let _ = write!(
        b,
        "<p>市民可通过政务微博、微信公众号、抖音、视频号、小程序、手机APP或拨打12345市民服务热线反映诉求，{}。</p><p>（视频来源：<a href=\"http://www.douyin.com/video/7345678901234567890\">央视新闻</a>）</p>",
        text(rng, 60)
    );
    b.push_str(&share_box(&format!("http://{}{}", site.host, target)));
    b.push_str("<div class=\"related\"><ul>");
    for k in 0..10 {
        let _ = write!(
            b,
            "<li><a href=\"/news/{}.html\">{}</a></li>",
            (i + k + 1) % news_count,
            text(rng, 16)
        );
    }
    b.push_str("</ul></div></div>");
    Some(b)
}

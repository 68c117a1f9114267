//! Page decoding + extraction + detection never panic, whatever the bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;
use portal_audit::page::detect::{Detector, PageContext, RulesDetector};
use portal_audit::model::Sector;
use std::sync::LazyLock;

static DETECTOR: LazyLock<RulesDetector> = LazyLock::new(RulesDetector::builtin);

fuzz_target!(|data: &[u8]| {
    let (ct, body) = match data.split_first() {
        Some((b, rest)) if b % 3 == 0 => (Some("text/html; charset=utf-8"), rest),
        Some((b, rest)) if b % 3 == 1 => (Some("text/html; charset=gbk"), rest),
        _ => (None, data),
    };
    let decoded = portal_audit::page::decode::decode(body, ct);
    let url = url::Url::parse("http://www.hangzhou.gov.cn/col/index.html").unwrap();
    let facts = portal_audit::page::extract::extract(&decoded.text, Some(&url));
    let own = vec!["hangzhou.gov.cn".to_string()];
    let ctx = PageContext {
        page_url: &url,
        sector: Sector::General,
        city_name: "杭州市",
        own_domains: &own,
    };
    let _ = DETECTOR.detect(&facts, &ctx);
});

//! The seeds file: which cities to audit, and where their portal and department sites start.
//!
//! Format (a contract other tools rely on): CSV, UTF-8 with an optional BOM, header
//! `id,name,province,tier,region,portal,housing,education,transport,health,environment`,
//! then any extra columns, which are kept as metadata. Sector cells hold zero or more
//! start URLs separated by `;`. Parsing never stops at the first problem: every problem
//! is reported with its line number, and a file with any problem yields no cities.

pub mod check;
pub mod discover;

use crate::model::city::{City, is_id_char};
use crate::model::{Region, Sector, Tier};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use url::Url;

/// The required leading columns, in order.
pub(crate) const REQUIRED_COLUMNS: [&str; 11] = [
    "id",
    "name",
    "province",
    "tier",
    "region",
    "portal",
    "housing",
    "education",
    "transport",
    "health",
    "environment",
];

/// One problem in a seeds file, at a line.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedProblem {
    /// 1-based line number in the file (0 for problems with the file as a whole).
    pub line: u64,
    pub message: String,
}

/// Every problem found in a seeds file; nothing is crawled while any exists.
#[derive(Debug, thiserror::Error)]
pub struct SeedsError {
    pub path: PathBuf,
    pub problems: Vec<SeedProblem>,
}

impl fmt::Display for SeedsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} problem(s) in seeds file {}:",
            self.problems.len(),
            self.path.display()
        )?;
        for p in &self.problems {
            if p.line == 0 {
                writeln!(f, "  {}: {}", self.path.display(), p.message)?;
            } else {
                writeln!(f, "  {}:{}: {}", self.path.display(), p.line, p.message)?;
            }
        }
        Ok(())
    }
}

/// Reads and parses a seeds file.
pub fn load(path: &Path) -> Result<Vec<City>, SeedsError> {
    let bytes = std::fs::read(path).map_err(|e| SeedsError {
        path: path.to_path_buf(),
        problems: vec![SeedProblem {
            line: 0,
            message: format!("cannot read the file: {e}"),
        }],
    })?;
    parse(&bytes, path)
}

/// Parses seeds from bytes; `path` is used in messages only.
pub fn parse(bytes: &[u8], path: &Path) -> Result<Vec<City>, SeedsError> {
    let mut problems = Vec::new();
    let cities = parse_inner(bytes, &mut problems);
    if problems.is_empty() {
        Ok(cities)
    } else {
        Err(SeedsError {
            path: path.to_path_buf(),
            problems,
        })
    }
}

fn parse_inner(bytes: &[u8], problems: &mut Vec<SeedProblem>) -> Vec<City> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        problem(problems, 0, "the file is empty; it needs the header line `id,name,province,tier,region,portal,housing,education,transport,health,environment` and one line per city".into());
        return Vec::new();
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let Some(header) = read_header(records.next(), problems) else {
        return Vec::new();
    };
    let mut cities = Vec::new();
    let mut seen_ids: HashSet<String> = HashSet::new();
    let mut any_row = false;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                problem(problems, line, format!("unreadable CSV: {e}"));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            continue; // blank line
        }
        any_row = true;
        let Some(fields) = row_fields(&record, &header, line, problems) else {
            continue;
        };
        if let Some(city) = city_of(&fields, &header, &mut seen_ids, line, problems) {
            cities.push(city);
        }
    }
    if !any_row && problems.is_empty() {
        problem(problems, 0, "the file has a header but no cities".into());
    }
    cities
}

/// Records a problem at a line.
fn problem(problems: &mut Vec<SeedProblem>, line: u64, message: String) {
    problems.push(SeedProblem { line, message });
}

/// The header's column names, when it starts with the required columns.
fn read_header(
    first: Option<csv::Result<csv::ByteRecord>>,
    problems: &mut Vec<SeedProblem>,
) -> Option<Vec<String>> {
    let header = match first {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            problem(problems, 1, format!("unreadable header: {e}"));
            return None;
        }
        None => return None,
    };
    let header: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
    let leading: Vec<&str> = header.iter().take(11).map(String::as_str).collect();
    if leading != REQUIRED_COLUMNS {
        problem(
            problems,
            1,
            format!(
                "header must start with `{}`, found `{}`",
                REQUIRED_COLUMNS.join(","),
                header.join(",")
            ),
        );
        return None;
    }
    Some(header)
}

/// A row's fields, trimmed, when it has the header's columns, is UTF-8, and holds no
/// control character and no field beyond its column's limit.
fn row_fields(
    record: &csv::ByteRecord,
    header: &[String],
    line: u64,
    problems: &mut Vec<SeedProblem>,
) -> Option<Vec<String>> {
    if record.len() != header.len() {
        problem(
            problems,
            line,
            format!(
                "expected {} columns as in the header, found {}",
                header.len(),
                record.len()
            ),
        );
        return None;
    }
    let mut fields = Vec::with_capacity(record.len());
    for (i, f) in record.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(s) => fields.push(crate::model::cell_text::restore(s.trim()).to_string()),
            Err(_) => {
                problem(
                    problems,
                    line,
                    format!(
                        "column `{}` is not valid UTF-8 (the file must be UTF-8; was it saved as GBK?)",
                        header[i]
                    ),
                );
                return None;
            }
        }
    }
    let mut fields_ok = true;
    for (i, f) in fields.iter().enumerate() {
        let column = &header[i];
        let limit = field_limit(column);
        if let Some(c) = f.chars().find(|c| c.is_control()) {
            fields_ok = false;
            problem(
                problems,
                line,
                format!(
                    "column `{column}` contains the control character U+{:04X}",
                    c as u32
                ),
            );
        }
        let len = f.chars().count();
        if len > limit {
            fields_ok = false;
            problem(
                problems,
                line,
                format!("column `{column}` is {len} characters long (at most {limit})"),
            );
        }
    }
    fields_ok.then_some(fields)
}

/// The city a row describes, every problem with it recorded.
fn city_of(
    fields: &[String],
    header: &[String],
    seen_ids: &mut HashSet<String>,
    line: u64,
    problems: &mut Vec<SeedProblem>,
) -> Option<City> {
    let mut row_ok = true;
    let mut bad = |message: String| {
        row_ok = false;
        problem(problems, line, message);
    };
    let id = fields[0].clone();
    if id.is_empty() {
        bad("empty id".into());
    } else if !is_safe_id(&id) {
        bad(format!(
            "id `{id}` may hold only ASCII letters, digits, `-` and `_`, at most {MAX_ID_CHARS} (it names files and links in the exports)"
        ));
    } else if !seen_ids.insert(id.clone()) {
        bad(format!("duplicate id `{id}`"));
    }
    let name = fields[1].clone();
    if name.is_empty() {
        bad("empty name".into());
    }
    let province = fields[2].clone();
    if province.is_empty() {
        bad("empty province".into());
    }
    let tier = fields[3].parse::<Tier>().map_err(&mut bad).ok();
    let region = fields[4].parse::<Region>().map_err(&mut bad).ok();
    let portal = if fields[5].is_empty() {
        bad("empty portal URL".into());
        None
    } else {
        parse_start_url(&fields[5])
            .map_err(|m| bad(format!("portal: {m}")))
            .ok()
    };
    let mut departments = BTreeMap::new();
    for (i, sector) in Sector::DEPARTMENTS.iter().enumerate() {
        let cell = &fields[6 + i];
        let mut urls = Vec::new();
        for part in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            match parse_start_url(part) {
                Ok(u) => urls.push(u),
                Err(m) => bad(format!("{sector}: {m}")),
            }
        }
        if !urls.is_empty() {
            departments.insert(*sector, urls);
        }
    }
    let extra = header[11..]
        .iter()
        .cloned()
        .zip(fields[11..].iter().cloned())
        .collect();
    let (true, Some(tier), Some(region), Some(portal)) = (row_ok, tier, region, portal) else {
        return None;
    };
    Some(City {
        id,
        name,
        province,
        tier,
        region,
        portal,
        departments,
        extra,
    })
}

/// The longest city id.
pub const MAX_ID_CHARS: usize = 64;

/// Whether a city id is in the safe set: ASCII letters, digits, `-` and `_`, at most
/// [`MAX_ID_CHARS`]. Ids name files and anchors in the exports (the evidence pack's
/// `city-<id>.html`), so nothing path-like (`../x`, `a/b`) or markup-like is accepted.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_CHARS && id.chars().all(is_id_char)
}

/// The longest value a column may hold: ids and names are short, URL lists and notes
/// longer; anything beyond is a broken or hostile file, not a city.
fn field_limit(column: &str) -> usize {
    match column {
        "id" => 32,
        "name" | "province" | "tier" | "region" => 64,
        _ => 4096,
    }
}

/// Parses one start URL: absolute, http or https, with a host, and no white space.
pub(crate) fn parse_start_url(text: &str) -> Result<Url, String> {
    if text.chars().any(char::is_whitespace) {
        return Err(format!("URL `{text}` contains white space"));
    }
    let url = Url::parse(text).map_err(|e| format!("URL `{text}` does not parse: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "URL `{text}` has scheme `{}`; only http and https are crawled",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("URL `{text}` has no host"));
    }
    Ok(url)
}

/// A seeds file as its rows of fields, for tools that rewrite it (`seeds check --fix`,
/// `seeds discover --write`): whether it had a BOM, and every record, header first.
pub(crate) fn read_records(path: &Path) -> std::io::Result<(bool, Vec<Vec<String>>)> {
    let bytes = std::fs::read(path)?;
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if bom { &bytes[3..] } else { &bytes[..] };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body);
    let records = reader
        .records()
        .map(|r| {
            r.map(|r| {
                r.iter()
                    .map(|f| crate::model::cell_text::restore(f).to_string())
                    .collect()
            })
        })
        .collect::<Result<_, _>>()
        .map_err(std::io::Error::other)?;
    Ok((bom, records))
}

/// Writes the rows back (with the BOM if it had one, each cell neutralised as every CSV
/// the tool writes), atomically: a temporary file renamed over the old one, so a failure
/// never leaves half a seeds file.
pub(crate) fn write_records(
    path: &Path,
    bom: bool,
    records: &[Vec<String>],
) -> std::io::Result<()> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut out);
        for r in records {
            let cells = r
                .iter()
                .map(|f| crate::model::cell_text::neutralise(f).into_owned());
            w.write_record(cells).map_err(std::io::Error::other)?;
        }
        w.flush()?;
    }
    let tmp = path.with_extension("csv.tmp");
    std::fs::write(&tmp, out)?;
    std::fs::rename(&tmp, path)
}

/// Selects the cities named by `queries` (ids or names), reporting names that match none.
pub fn select<'a>(cities: &'a [City], queries: &[String]) -> Result<Vec<&'a City>, String> {
    let mut chosen: Vec<&City> = Vec::new();
    let mut unknown = Vec::new();
    for q in queries.iter().map(|q| q.trim()).filter(|q| !q.is_empty()) {
        let hits: Vec<&City> = cities.iter().filter(|c| c.matches(q)).collect();
        if hits.is_empty() {
            unknown.push(q.to_string());
        }
        for h in hits {
            if !chosen.iter().any(|c| c.id == h.id) {
                chosen.push(h);
            }
        }
    }
    if unknown.is_empty() {
        Ok(chosen)
    } else {
        Err(format!(
            "no city in the seeds matches {}",
            unknown
                .iter()
                .map(|u| format!("`{u}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_a_safe_set() {
        for ok in ["330100", "cq-01", "a_b", "X9"] {
            assert!(is_safe_id(ok), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a/b",
            "a b",
            "<svg>",
            "甲",
            "a.b",
            &"9".repeat(65),
        ] {
            assert!(!is_safe_id(bad), "{bad}");
        }
    }

    const HEADER: &str =
        "id,name,province,tier,region,portal,housing,education,transport,health,environment";

    fn parse_str(s: &str) -> Result<Vec<City>, SeedsError> {
        parse(s.as_bytes(), Path::new("seeds.csv"))
    }

    #[test]
    fn parses_a_city_with_bom_crlf_quotes_and_extra_columns() {
        let text = format!(
            "\u{feff}{HEADER},kind,source\r\n330100,杭州市,浙江省,key,east,https://www.hangzhou.gov.cn/,,http://edu.hangzhou.gov.cn/,,\"http://wjw.hangzhou.gov.cn/;http://www.hangzhou.gov.cn/wsj/\",,地级市,\"list, checked\"\r\n"
        );
        let cities = parse_str(&text).unwrap();
        assert_eq!(cities.len(), 1);
        let c = &cities[0];
        assert_eq!(c.name, "杭州市");
        assert_eq!(c.tier, Tier::Key);
        assert_eq!(c.departments[&Sector::Health].len(), 2);
        assert_eq!(c.extra["source"], "list, checked");
        assert!(c.matches("杭州") && c.matches("330100") && !c.matches("宁波"));
        let mut yb = c.clone();
        yb.name = "延边朝鲜族自治州".into();
        assert!(yb.matches("延边") && yb.matches("延边州") && !yb.matches("延"));
    }

    #[test]
    fn reports_every_problem_with_its_line() {
        let text = format!(
            "{HEADER}\n\
             1,甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,\n\
             1,乙市,浙江省,capital,east,http://www.b.gov.cn/,,,,,\n\
             3,,浙江省,key,north,not a url,,,,,\n\
             4,丁市,浙江省,key,east\n\
             5,戊市,浙江省,key,east,ftp://x.gov.cn/,,,,,\n"
        );
        let err = parse_str(&text).unwrap_err();
        let lines: Vec<u64> = err.problems.iter().map(|p| p.line).collect();
        let msg = err.to_string();
        assert!(msg.contains("seeds.csv:3: duplicate id `1`"), "{msg}");
        assert!(msg.contains("seeds.csv:3: unknown tier `capital`"), "{msg}");
        assert!(msg.contains("seeds.csv:4: empty name"), "{msg}");
        assert!(msg.contains("seeds.csv:4: unknown region `north`"), "{msg}");
        assert!(
            msg.contains("seeds.csv:4: portal: URL `not a url` contains white space"),
            "{msg}"
        );
        assert!(msg.contains("seeds.csv:5: expected 11 columns"), "{msg}");
        assert!(
            msg.contains("seeds.csv:6: portal: URL `ftp://x.gov.cn/` has scheme `ftp`"),
            "{msg}"
        );
        assert!(lines.iter().all(|l| *l > 1));
    }

    #[test]
    fn empty_header_only_and_gbk_files_are_rejected_clearly() {
        assert!(parse_str("").unwrap_err().to_string().contains("empty"));
        assert!(
            parse_str(HEADER)
                .unwrap_err()
                .to_string()
                .contains("no cities")
        );
        let mut gbk = format!("{HEADER}\n1,").into_bytes();
        gbk.extend_from_slice(&[0xBA, 0xBC, 0xD6, 0xDD]); // 杭州 in GBK
        gbk.extend_from_slice(b",p,key,east,http://www.a.gov.cn/,,,,,\n");
        let msg = parse(&gbk, Path::new("s.csv")).unwrap_err().to_string();
        assert!(
            msg.contains("s.csv:2: column `name` is not valid UTF-8"),
            "{msg}"
        );
        let wrong = parse_str("a,b,c\n1,2,3\n").unwrap_err().to_string();
        assert!(wrong.contains("seeds.csv:1: header must start"), "{wrong}");
    }

    #[test]
    fn control_characters_and_absurd_lengths_are_rejected_with_the_line() {
        let long = "市".repeat(1_000_000);
        let text = format!(
            "{HEADER}\n1\u{0},甲市,浙江省,key,east,http://www.a.gov.cn/,,,,,\n2,乙\u{7}市,浙江省,key,east,http://www.b.gov.cn/,,,,,\n3,{long},浙江省,key,east,http://www.c.gov.cn/,,,,,\n4,丁市,浙江省,key,east,http://www.d.gov.cn/,,,,,\n"
        );
        let msg = parse_str(&text).unwrap_err().to_string();
        assert!(
            msg.contains("seeds.csv:2: column `id` contains the control character U+0000"),
            "{msg}"
        );
        assert!(
            msg.contains("seeds.csv:3: column `name` contains the control character U+0007"),
            "{msg}"
        );
        assert!(
            msg.contains("seeds.csv:4: column `name` is 1000000 characters long (at most 64)"),
            "{msg}"
        );
        assert!(!msg.contains("seeds.csv:5"), "{msg}");
        assert!(msg.len() < 2000, "the message does not repeat the value");
    }
}

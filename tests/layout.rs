//! The source tree's layout rules (ARCHITECTURE.md, "Who may call whom"), checked on the
//! source itself: dependencies between modules run one way, at the level of files and of
//! the pipeline's folders, and no file outgrows one reading. Function length is clippy's
//! `too_many_lines` (clippy.toml).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Longest source file, in lines.
const MAX_FILE_LINES: usize = 600;

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file's module path under `src/` (`crawl::site`; `crawl` for `crawl/mod.rs`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The module graph of the library's and the binary's files: module → the modules its
/// code (not its comments, not its unit tests) names through `crate::` or `super::`.
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mods: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .filter(|f| !f.ends_with("lib.rs") && !f.ends_with("main.rs"))
        .map(|f| (module_of(src, f), f.clone()))
        .collect();
    // The longest module prefix of a path.
    let resolve = |path: &[String]| -> Option<Vec<String>> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|p| mods.contains_key(p))
    };
    let path_re = regex::Regex::new(r"\b(crate|super)((?:::\w+)+)(?:::\{([^;]*?)\})?").unwrap();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, file) in &mods {
        let text = std::fs::read_to_string(file).unwrap();
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let in_mod_rs = file.ends_with("mod.rs");
        let mut targets = BTreeSet::new();
        for c in path_re.captures_iter(&code) {
            let mut base: Vec<String> = match &c[1] {
                // (In the binary's files, `crate::cli::…` names the binary's own modules.)
                "crate" => Vec::new(),
                _ => {
                    let mut b = m.clone();
                    if !in_mod_rs {
                        b.pop();
                    }
                    b
                }
            };
            base.extend(c[2].split("::").filter(|s| !s.is_empty()).map(String::from));
            let mut paths = vec![base.clone()];
            if let Some(group) = c.get(3) {
                for item in group.as_str().split(',') {
                    let item = item.split(" as ").next().unwrap().trim();
                    let mut p = base.clone();
                    p.extend(
                        item.split("::")
                            .take_while(|s| !s.starts_with('{'))
                            .filter(|s| !s.is_empty() && *s != "self")
                            .map(String::from),
                    );
                    paths.push(p);
                }
            }
            for p in paths {
                if let Some(t) = resolve(&p)
                    && &t != m
                    && !m.starts_with(&t)
                {
                    targets.insert(t.join("::"));
                }
            }
        }
        g.insert(m.join("::"), targets);
    }
    g
}

/// A cycle of `g`, if it has one.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for t in g.get(n).into_iter().flatten() {
            match state.get(t.as_str()) {
                Some(1) => {
                    let at = stack.iter().position(|s| s == t).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(t.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(t, g, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if !state.contains_key(n.as_str()) {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, g, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

/// The graph with every module replaced by its top-level folder (its stage).
fn by_stage(g: &BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let top = |m: &str| m.split("::").next().unwrap().to_string();
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, ts) in g {
        let entry = out.entry(top(m)).or_default();
        for t in ts {
            if top(t) != top(m) {
                entry.insert(top(t));
            }
        }
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let g = graph(&src());
    assert!(
        g.len() > 50,
        "the source tree was read: {} modules",
        g.len()
    );
    assert!(
        g["crawl::site"].contains("crawl::pages"),
        "{:?}",
        g["crawl::site"]
    );
    if let Some(c) = find_cycle(&g) {
        panic!("modules import each other: {}", c.join(" → "));
    }
}

#[test]
fn stages_depend_one_way() {
    let stages = by_stage(&graph(&src()));
    if let Some(c) = find_cycle(&stages) {
        panic!("pipeline stages import each other: {}", c.join(" → "));
    }
    // The pure stages stay pure: the page's analysis and the vocabulary call no stage
    // that does I/O.
    for pure in ["model", "page"] {
        let calls = &stages[pure];
        assert!(
            calls.iter().all(|s| s == "model"),
            "{pure} may call only model, calls {calls:?}"
        );
    }
    assert!(!stages["export"].contains("crawl") && !stages["export"].contains("net"));
}

#[test]
fn cycle_finder_finds_a_cycle() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(find_cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.get_mut("c").unwrap().clear();
    assert_eq!(find_cycle(&g), None);
}

#[test]
fn no_source_file_outgrows_one_reading() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_FILE_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split by concern (at most {MAX_FILE_LINES} lines): {long:?}"
    );
}

/// 22.11: README showed screenshots a clone does not have. Every image it shows is a
/// file of the repository.
#[test]
fn readme_images_are_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for part in readme.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        let before = readme[..readme.find(&format!("]({target})")).unwrap()]
            .rfind("![")
            .zip(readme[..readme.find(&format!("]({target})")).unwrap()].rfind('['));
        let is_image = before.is_some_and(|(img, open)| img + 1 == open);
        if is_image && !target.starts_with("http") {
            assert!(
                root.join(target).is_file(),
                "README shows {target}, which a clone lacks"
            );
        }
    }
}

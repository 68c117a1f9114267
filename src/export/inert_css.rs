//! Style sheets of archived pages, made unable to load anything.
//!
//! CSS escapes spell a keyword in many ways (`@\69mport`, `\75 rl(…)`, `u\72l(…)`,
//! `U\52 L(…)`), so the decision is made on tokens, as a browser reads them: the
//! `cssparser` tokenizer decodes escapes, and a token that loads something (an `@import`,
//! a `url(…)`, a function whose arguments are URLs, an old `expression(…)`) has its source
//! text replaced. Everything else is copied byte for byte, so the page still looks as
//! it did.

use cssparser::{Parser, ParserInput, Token};

/// Functions whose arguments a browser fetches (or, for `expression`, runs).
const LOADING_FUNCTIONS: [&str; 8] = [
    "url",
    "src",
    "image",
    "image-set",
    "-webkit-image-set",
    "cross-fade",
    "-webkit-cross-fade",
    "expression",
];

/// At-rules that load another sheet.
const LOADING_AT_RULES: [&str; 1] = ["import"];

/// A stretch of the source to write differently: bytes `start..end` become `with`.
struct Replace {
    start: usize,
    end: usize,
    with: String,
}

/// Walks every token of `p`, nested blocks included, noting the ones that load.
fn walk(p: &mut Parser<'_, '_>, out: &mut Vec<Replace>) {
    loop {
        let start = p.position().byte_index();
        let Ok(token) = p.next_including_whitespace_and_comments() else {
            return;
        };
        let (replace, nested) = match token {
            Token::AtKeyword(name)
                if LOADING_AT_RULES
                    .iter()
                    .any(|k| name.eq_ignore_ascii_case(k)) =>
            {
                (Some(format!("@inert-{}", name.to_ascii_lowercase())), false)
            }
            Token::UnquotedUrl(_) | Token::BadUrl(_) => (Some("inert-url()".to_string()), false),
            Token::Function(name) => {
                let loads = LOADING_FUNCTIONS
                    .iter()
                    .any(|k| name.eq_ignore_ascii_case(k));
                (
                    loads.then(|| format!("inert-{}(", name.to_ascii_lowercase())),
                    true,
                )
            }
            Token::ParenthesisBlock | Token::SquareBracketBlock | Token::CurlyBracketBlock => {
                (None, true)
            }
            _ => (None, false),
        };
        if let Some(with) = replace {
            out.push(Replace {
                start,
                end: p.position().byte_index(),
                with,
            });
        }
        if nested {
            let _ = p.parse_nested_block(|inner| {
                walk(inner, out);
                Ok::<(), cssparser::ParseError<'_, ()>>(())
            });
        }
    }
}

/// The stretches of `css` that would load something.
fn loading(css: &str) -> Vec<Replace> {
    let mut input = ParserInput::new(css);
    let mut parser = Parser::new(&mut input);
    let mut out = Vec::new();
    walk(&mut parser, &mut out);
    out
}

/// Whether `css` (a sheet or a `style` attribute) would load anything.
pub(crate) fn loads(css: &str) -> bool {
    !loading(css).is_empty()
}

/// `css` with every token that would load something rewritten (`@inert-import`,
/// `inert-url()`, `inert-image-set(`…), the rest unchanged.
pub(crate) fn inert_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut at = 0;
    for r in loading(css) {
        if r.start < at || r.end > css.len() {
            continue; // never overlapping; defensive
        }
        out.push_str(&css[at..r.start]);
        out.push_str(&r.with);
        at = r.end;
    }
    out.push_str(&css[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_keywords_are_found_as_a_browser_reads_them() {
        for css in [
            "@import \"http://evil.example/a.css\";",
            "@\\69mport \"http://evil.example/a.css\";",
            "@IMPORT url(http://evil.example/a.css);",
            "body{background:\\75 rl(http://evil.example/b.png)}",
            "body{background:u\\72l(http://evil.example/b.png)}",
            "body{background:U\\52 L( \"http://evil.example/b.png\" )}",
            "a{b:c}@media screen{body{background:url('http://evil.example/c.png')}}",
            "x{background-image:image-set(\"http://evil.example/d.png\" 1x)}",
            "x{background-image:-webkit-image-set(url(http://evil.example/d.png) 1x)}",
            "x{width:expression(alert(1))}",
            "@font-face{font-family:f;src:src(\"http://evil.example/f.woff\")}",
            "x{background:url(http://evil.example/bad url)}",
        ] {
            assert!(loads(css), "{css}");
            let out = inert_css(css);
            assert!(!loads(&out), "{css} -> {out}");
        }
    }

    #[test]
    fn the_rest_is_copied_byte_for_byte() {
        let css = "/* 样式 */ .nav > li:hover { color: #c00; content: \"url(\" } @media (max-width: 600px) { a { b: c } }";
        assert!(!loads(css), "a string mentioning url( loads nothing");
        assert_eq!(inert_css(css), css);
        let css = "a{background:url(x.png) no-repeat;color:red}";
        assert_eq!(
            inert_css(css),
            "a{background:inert-url() no-repeat;color:red}"
        );
        assert_eq!(
            inert_css("@\\69mport 'x.css'; b{}"),
            "@inert-import 'x.css'; b{}"
        );
    }
}

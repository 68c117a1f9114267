//! The classes a page's own `<style>` draws with a background image. Portals draw QR
//! codes as CSS backgrounds (`.floating_ewm1 i{background-image:url(WeChat.jpg)}`): an
//! element of such a class is a picture whose only `src` is in the style sheet.

use cssparser::{Parser, ParserInput, Token};

/// Classes kept per page (a hostile sheet cannot grow the page's facts without bound).
const MAX_CLASSES: usize = 500;

/// `(class, url)` for every class named in the selector of a rule that sets a background
/// image, in source order (a later rule for the same class wins where it is looked up).
pub(super) fn background_classes(css: &str) -> Vec<(String, String)> {
    let mut input = ParserInput::new(css);
    let mut p = Parser::new(&mut input);
    let mut out = Vec::new();
    rules(&mut p, &mut out);
    out
}

/// The rules of a sheet (or of an at-rule's block, such as `@media`).
fn rules(p: &mut Parser<'_, '_>, out: &mut Vec<(String, String)>) {
    let mut classes: Vec<String> = Vec::new();
    let mut at_rule = false;
    let mut after_dot = false;
    while out.len() < MAX_CLASSES {
        let Ok(token) = p.next() else { return };
        match token {
            Token::Delim('.') => {
                after_dot = true;
                continue;
            }
            Token::Ident(name) if after_dot => classes.push(name.to_string()),
            Token::AtKeyword(_) => at_rule = true,
            Token::Semicolon => {
                classes.clear();
                at_rule = false;
            }
            Token::CurlyBracketBlock => {
                let nested_rules = at_rule;
                let url = p
                    .parse_nested_block(|inner| {
                        if nested_rules {
                            rules(inner, out);
                            return Ok::<_, cssparser::ParseError<'_, ()>>(None);
                        }
                        Ok(background_url(inner))
                    })
                    .ok()
                    .flatten();
                if let Some(url) = url {
                    for c in classes.drain(..) {
                        out.push((c, url.clone()));
                    }
                }
                classes.clear();
                at_rule = false;
            }
            _ => {}
        }
        after_dot = false;
    }
}

/// The URL of a `background` or `background-image` declaration in a rule's block (the
/// block is read to its end: a nested block must be consumed whole).
fn background_url(p: &mut Parser<'_, '_>) -> Option<String> {
    let found = first_background_url(p);
    while p.next().is_ok() {}
    found
}

fn first_background_url(p: &mut Parser<'_, '_>) -> Option<String> {
    let mut in_background = false;
    while let Ok(token) = p.next() {
        match token {
            Token::Ident(name) => {
                let name = name.to_ascii_lowercase();
                if name == "background" || name == "background-image" {
                    in_background = true;
                }
            }
            Token::Semicolon => in_background = false,
            Token::UnquotedUrl(u) if in_background => return Some(u.to_string()),
            Token::Function(name) if in_background && name.eq_ignore_ascii_case("url") => {
                let arg = p
                    .parse_nested_block(|inner| {
                        inner
                            .expect_string()
                            .map(|s| s.to_string())
                            .map_err(cssparser::ParseError::<'_, ()>::from)
                    })
                    .ok();
                if arg.is_some() {
                    return arg;
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_drawn_with_a_background_image() {
        let css = r#"
            .qrcord{background-image:url(/i/weixin.png);}
            .floating_ewm1 i{display:block;background-image:url("/i/WeChat.jpg");}
            .plain{color:red}
            @media (max-width: 600px) { .wb-code { background: #fff url('/i/wb.png') no-repeat } }
            @import url(x.css);
            .after{background:url(a.png)}
        "#;
        let got = background_classes(css);
        assert_eq!(
            got,
            [
                ("qrcord".to_string(), "/i/weixin.png".to_string()),
                ("floating_ewm1".into(), "/i/WeChat.jpg".into()),
                ("wb-code".into(), "/i/wb.png".into()),
                ("after".into(), "a.png".into()),
            ]
        );
    }

    #[test]
    fn broken_sheets_yield_what_they_can() {
        assert!(background_classes("}}}{{{ .x{background:url(").len() <= 1);
        let many: String = (0..2000)
            .map(|i| format!(".c{i}{{background:url(a.png)}}"))
            .collect();
        assert_eq!(background_classes(&many).len(), MAX_CLASSES);
    }
}

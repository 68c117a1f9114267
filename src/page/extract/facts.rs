//! What extraction returns: a page's facts as owned data ([`PageFacts`]), with no
//! reference to the parse tree, so detection is a pure function of them.

use super::paths::{ElementPaths, PathId};
use url::Url;

/// How a link was found; all kinds are followed when in scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Anchor,
    Area,
    Frame,
    Iframe,
    MetaRefresh,
    ScriptRedirect,
    /// An `<option value="URL">` of a `<select>` (部门网站, 网站群 dropdowns).
    Option,
}

impl LinkKind {
    /// Stable id for the database.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Anchor => "a",
            LinkKind::Area => "area",
            LinkKind::Frame => "frame",
            LinkKind::Iframe => "iframe",
            LinkKind::MetaRefresh => "meta-refresh",
            LinkKind::ScriptRedirect => "script",
            LinkKind::Option => "option",
        }
    }
}

/// A link on a page.
#[derive(Debug, Clone, Default)]
pub struct Link {
    /// The raw `href`/`src`, as written.
    pub href: String,
    /// Resolved absolute URL (fragment removed); `None` for unparsable or `javascript:`.
    pub url: Option<Url>,
    pub kind: Option<LinkKind>,
    /// Visible text inside the link, white space collapsed.
    pub text: String,
    pub title: String,
    /// `alt` of images inside the link (joined), and the first image's source.
    pub img_alt: String,
    pub img_src: String,
    /// `class`/`id`/`onclick`/`data-cmd` of the link and its three nearest ancestors,
    /// lower-cased: how share widgets and site chrome are recognised.
    pub attrs: String,
    /// Where the text around the link is: see `PageFacts::link_context`.
    pub context: Around,
    /// Where the element is; [`PageFacts::path`] renders it.
    pub path: PathId,
}

/// Which text surrounds a link.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Around {
    /// None (frames, redirects).
    #[default]
    Nothing,
    /// The text of the nearest block, an index into [`PageFacts::blocks`].
    Block(usize),
    /// The link is outside any block: its own text.
    OwnText,
}

/// An image on a page.
#[derive(Debug, Clone, Default)]
pub struct Image {
    pub src: String,
    pub url: Option<Url>,
    pub alt: String,
    pub title: String,
    /// Text of the image's container (and its parent's, if the container has none).
    pub caption: String,
    /// Words from outside the image: the entry that opens its pop-up box, the label
    /// beside its QR box. Detection reads them only when the image's own words name no
    /// channel.
    pub borrowed: String,
    pub attrs: String,
    /// Index into `links` when the image is inside a link.
    pub in_link: Option<usize>,
    pub path: PathId,
}

/// A form, for detecting consultation and mailbox services.
#[derive(Debug, Clone, Default)]
pub struct Form {
    pub action: Option<Url>,
    pub has_textarea: bool,
    pub submit_label: String,
    /// Text inside the form (labels), ≤ 200 characters.
    pub text: String,
    pub path: PathId,
}

/// Visible text directly under one block element (including its inline children).
#[derive(Debug, Clone, Default)]
pub struct TextBlock {
    pub text: String,
    pub attrs: String,
    pub path: PathId,
}

/// Separates cells in [`Row::text`].
pub(crate) const CELL: char = '\u{1f}';

/// A row of a list or table (`<li>`, `<tr>`): the text of each direct child as a cell.
#[derive(Debug, Clone, Default)]
pub struct Row {
    /// The cells, separated by U+001F; see [`Row::cells`].
    pub text: String,
    /// The first link in the row (an index into `links`).
    pub link: Option<usize>,
    /// The table or list the row sits in: a header row and its rows share it.
    pub group: PathId,
    pub path: PathId,
}

impl Row {
    /// The row's cells in order, trimmed.
    pub fn cells(&self) -> impl Iterator<Item = &str> {
        self.text.split(CELL).map(str::trim)
    }
}

/// What one parse of a page yields.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    pub title: String,
    /// The URL links are resolved against (the page URL or its `<base href>`).
    pub base: Option<Url>,
    pub links: Vec<Link>,
    /// Links beyond `MAX_LINKS` that were not kept.
    pub links_dropped: usize,
    pub images: Vec<Image>,
    pub forms: Vec<Form>,
    pub blocks: Vec<TextBlock>,
    /// Rows of lists and tables, at most `MAX_ROWS`.
    pub rows: Vec<Row>,
    /// Sources of external scripts (e.g. a Weibo widget).
    pub scripts: Vec<Url>,
    /// Texts of the page's `h1`–`h3` headings, in order (at most 16).
    pub headings: Vec<String>,
    /// Text areas anywhere on the page (in a form or not: many pages submit by script).
    pub textareas: u32,
    /// Password inputs anywhere on the page: a login.
    pub password_inputs: u32,
    /// `sitecode` attributes of scripts (the 我为政府网站找错 entry), at most 8.
    pub site_code_attrs: Vec<String>,
    /// An inline script writes the 党政机关网站标识 (it names `conac.cn`).
    pub conac_script: bool,
    /// Meta keywords/description, SiteName and similar, for ownership judgements.
    pub meta: Vec<(String, String)>,
    /// The element paths the items above point at.
    pub paths: ElementPaths,
}

impl PageFacts {
    /// The CSS-like path of an element (`html > body > div#top > a:nth-child(2)`).
    pub fn path(&self, id: PathId) -> String {
        self.paths.render(id)
    }

    #[cfg(test)]
    /// The text around a link: its block's text (or its own, outside any block), at
    /// most [`SNIPPET_CHARS`] characters.
    pub(crate) fn link_context<'a>(&'a self, link: &'a Link) -> &'a str {
        super::text::prefix_chars(self.link_context_full(link), super::SNIPPET_CHARS)
    }

    /// The whole text `PageFacts::link_context` is cut from.
    pub(crate) fn link_context_full<'a>(&'a self, link: &'a Link) -> &'a str {
        match link.context {
            Around::Nothing => "",
            Around::Block(b) => &self.blocks[b].text,
            Around::OwnText => &link.text,
        }
    }
}

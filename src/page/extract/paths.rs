//! Where elements are: element paths stored as a shared tree of steps, rendered as CSS
//! paths only for the few elements that become evidence.

use markup5ever::LocalName;
use scraper::node::Element;

/// Where an element is on its page: an index into [`ElementPaths`]. Paths are stored as
/// a tree of steps and rendered as strings only for the few elements that become
/// evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PathId(pub(super) u32);

/// The element paths of one page, sharing their common ancestors.
#[derive(Debug, Clone, Default)]
pub struct ElementPaths {
    steps: Vec<PathStep>,
}

#[derive(Debug, Clone)]
struct PathStep {
    parent: Option<u32>,
    tag: LocalName,
    how: StepKind,
}

/// How one step of a path names its element.
#[derive(Debug, Clone)]
enum StepKind {
    /// `tag#id`
    Id(Box<str>),
    /// `html`, `head`, `body`
    Plain,
    /// `tag:nth-child(n)`
    Nth(u32),
}

impl ElementPaths {
    /// Adds the step of element `el`, the `nth` element child of the step `parent`.
    pub(super) fn push(&mut self, parent: Option<u32>, el: &Element, nth: usize) -> u32 {
        let how = match el.id() {
            Some(id) if !id.is_empty() && !id.contains(char::is_whitespace) => {
                StepKind::Id(id.into())
            }
            _ if matches!(el.name(), "html" | "head" | "body") => StepKind::Plain,
            _ => StepKind::Nth(nth as u32),
        };
        self.steps.push(PathStep {
            parent,
            tag: el.name.local.clone(),
            how,
        });
        (self.steps.len() - 1) as u32
    }

    /// The tag name of the element at `id` (`""` for none).
    pub fn tag(&self, id: PathId) -> &str {
        self.steps.get(id.0 as usize).map_or("", |s| &s.tag)
    }

    /// The path as text, root first.
    pub fn render(&self, id: PathId) -> String {
        use std::fmt::Write as _;
        let mut chain = Vec::with_capacity(16);
        let mut cur = Some(id.0);
        while let Some(i) = cur {
            let Some(step) = self.steps.get(i as usize) else {
                break;
            };
            chain.push(step);
            cur = step.parent;
        }
        let mut out = String::with_capacity(16 * chain.len());
        for step in chain.iter().rev() {
            if !out.is_empty() {
                out.push_str(" > ");
            }
            let tag: &str = &step.tag;
            let _ = match &step.how {
                StepKind::Id(id) => write!(out, "{tag}#{id}"),
                StepKind::Plain => write!(out, "{tag}"),
                StepKind::Nth(n) => write!(out, "{tag}:nth-child({n})"),
            };
        }
        out
    }
}
